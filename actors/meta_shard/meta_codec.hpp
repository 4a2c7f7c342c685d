#pragma once
// The meta shard's wire codec: envelope payloads (meta.capnp, storage.capnp) to and from
// the plain structs of meta_messages.hpp. Every kj exception is caught here.
#include <string>

#include "actors/meta_shard/meta_messages.hpp"
#include "runtime/envelope.hpp"

namespace cairn {

// The request carried by `env`. errc::invalid_argument for a kind the meta shard does
// not serve; errc::corrupt for a payload that cannot be read.
result<meta_request> decode_meta_request(const envelope_reader& env);

// The whole reply frame answering `request` (reply kind = request kind + 1).
// REQUIRES: reply is not internal (gc_done_reply, pending_expire_reply, drop_done_reply,
// host_scan_reply).
std::string encode_meta_reply(const envelope_header& request, const meta_reply& reply);

// A storage node's answer to a chunkDeleteRequest: ok when the chunk is gone (deleted
// now, or an errorReply notFound); the error otherwise.
status read_chunk_delete_reply(std::string frame);

// The inodeDrop a shard sends for a record of its drop_outbox (header.kind is set here).
std::string make_inode_drop_request(envelope_header header, inode_id file);
// The answer to it: ok for an inodeDropReply, the error of an errorReply, corrupt for
// anything else.
status read_inode_drop_reply(std::string frame);

}  // namespace cairn
