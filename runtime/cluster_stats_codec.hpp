#pragma once
// Cap'n Proto <-> cluster_stats.hpp, and the stats request and reply frames every
// collector (the coordinator's `cairn status`, cairnd's /metrics) and answering role
// share. write_/read_ on their own may throw kj::Exception on malformed data: call them
// inside guarded(); the frame functions catch it (errc::corrupt).
#include <string>

#include "cairn/schema/cluster.capnp.h"
#include "runtime/cluster_stats.hpp"
#include "runtime/envelope.hpp"

namespace cairn {

void write_node_stats(wire::NodeStats::Builder out, const node_stats& s);
node_stats read_node_stats(wire::NodeStats::Reader in);
void write_shard_stats(wire::ShardStats::Builder out, const shard_stats& s);
shard_stats read_shard_stats(wire::ShardStats::Reader in);

// A shardStatsRequest (to meta.<s> or repair.<s>); `header` supplies addresses and
// ids, its kind is set here. Storage nodes: make_node_stats_request (storage_codec).
std::string make_shard_stats_request(envelope_header header);
// The shardStatsReply answering `request`.
std::string make_shard_stats_reply(const envelope_header& request, const shard_stats& s);

// The stats of a nodeStatsReply / shardStatsReply frame. An errorReply gives its own
// error; another kind or an unreadable frame gives errc::corrupt.
result<node_stats> read_node_stats_reply(std::string frame, const decode_limits& limits = {});
result<shard_stats> read_shard_stats_reply(std::string frame, const decode_limits& limits = {});

}  // namespace cairn
