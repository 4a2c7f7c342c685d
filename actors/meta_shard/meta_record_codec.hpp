#pragma once
// The on-disk form of the meta shard's records: Cap'n Proto messages (records.capnp,
// meta.capnp) as LMDB values. Values read from disk are untrusted: any malformed one
// decodes to errc::corrupt, never an exception.
#include <string>
#include <string_view>

#include "actors/meta_shard/meta_types.hpp"
#include "cairn/schema/meta.capnp.h"
#include "runtime/result.hpp"

namespace cairn {

std::string encode_entry_record(const entry_record& r);
result<entry_record> decode_entry_record(std::string_view bytes);

std::string encode_dir_record(const dir_record& r);
result<dir_record> decode_dir_record(std::string_view bytes);

std::string encode_inode_record(const inode_record& r);
result<inode_record> decode_inode_record(std::string_view bytes);

std::string encode_under_replicated_record(const under_replicated_record& r);
result<under_replicated_record> decode_under_replicated_record(std::string_view bytes);

std::string encode_gc_record(const gc_record& r);
result<gc_record> decode_gc_record(std::string_view bytes);

// The inode as a wire::Inode (meta.capnp), shared by disk and wire codecs.
void inode_to_wire(const inode_record& r, wire::Inode::Builder out);
// May throw kj::Exception on malformed input: call inside guarded().
inode_record inode_from_wire(wire::Inode::Reader in);

}  // namespace cairn
