#pragma once
// Writing one file (DESIGN §3): create a pending inode and get placements from the
// parent's meta shard, write each chunk to all its targets in parallel (a window of
// chunks at a time), and once every chunk is durable on >= min targets commit the
// file with the replicas that acknowledged. Targets that answer within a short grace
// after that are included; later acknowledgements are reported with replicaAdd.
// Fewer than min acks for any chunk: the write fails with a retryable error, the
// pending inode is dropped, and nothing becomes visible.
#include "actors/client/byte_io.hpp"
#include "actors/client/namespace_ops.hpp"

namespace cairn {

void put_file(const context_ptr& ctx, const std::string& path, std::shared_ptr<byte_source> src,
              put_options opt, callback<put_summary> cb);

}  // namespace cairn
