#pragma once
// Reading one file: look up its inode, fetch chunks (a window at a time) from the
// nearest live replica in read_plan order, verify every chunk's CRC32C against the
// inode's, and on a mismatch or a missing replica report it to the meta shard (which
// records it in the under-replicated queue) and read the next replica. Bytes reach
// the sink strictly in order; a chunk no replica can serve fails the read: a reader
// gets the acknowledged bytes or an error, never wrong bytes.
#include "actors/client/byte_io.hpp"
#include "actors/client/namespace_ops.hpp"

namespace cairn {

void get_file(const context_ptr& ctx, const std::string& path, std::shared_ptr<byte_sink> sink,
              callback<get_summary> cb);

}  // namespace cairn
