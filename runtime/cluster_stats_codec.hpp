#pragma once
// Cap'n Proto <-> cluster_stats.hpp. Readers may throw kj::Exception on malformed
// data: call them inside guarded().
#include "cairn/schema/cluster.capnp.h"
#include "runtime/cluster_stats.hpp"

namespace cairn {

void write_node_stats(wire::NodeStats::Builder out, const node_stats& s);
node_stats read_node_stats(wire::NodeStats::Reader in);
void write_shard_stats(wire::ShardStats::Builder out, const shard_stats& s);
shard_stats read_shard_stats(wire::ShardStats::Reader in);

}  // namespace cairn
