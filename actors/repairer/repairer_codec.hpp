#pragma once
// The repair protocol in envelope frames, both directions, so the repairer and the
// stand-ins of its tests speak the same bytes:
//   repairer -> meta shard   repairQueue (meta.capnp), replicaAdd (meta.capnp)
//   repairer -> storage node chunkReplicate (storage.capnp)
// (The coordinator's map push, mapUpdate, is runtime/cluster_map_codec.hpp.)
// Request builders take a header whose kind is set here. Reply readers return the
// error of an errorReply, and errc::corrupt for another kind or an unreadable frame;
// every Cap'n Proto exception is caught here.
#include <string>

#include "actors/repairer/repair_types.hpp"
#include "runtime/envelope.hpp"

namespace cairn::repair {

std::string make_queue_request(envelope_header header, const queue_request& q);
result<queue_request> read_queue_request(const envelope_reader& env);
std::string make_queue_reply(const envelope_header& request, const queue_reply& r);
result<queue_reply> read_queue_reply(std::string frame, const decode_limits& limits);

std::string make_replica_add_request(envelope_header header, const replica_add_request& q);
result<replica_add_request> read_replica_add_request(const envelope_reader& env);
std::string make_replica_add_reply(const envelope_header& request, uint8_t live);
// The chunk's live replica count after the add.
result<uint8_t> read_replica_add_reply(std::string frame, const decode_limits& limits);

}  // namespace cairn::repair
