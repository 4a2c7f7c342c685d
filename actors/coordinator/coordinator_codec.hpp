#pragma once
// Cap'n Proto <-> plain data for the coordinator protocol (schema/cluster.capnp).
// Readers may throw kj::Exception on malformed data: call them inside guarded().
#include "actors/coordinator/coordinator_protocol.hpp"
#include "cairn/schema/cluster.capnp.h"

namespace cairn {

void write_cluster_map(wire::ClusterMapReply::Builder out, const cluster_map& map);
cluster_map read_cluster_map(wire::ClusterMapReply::Reader in);

void write_cluster_status(wire::ClusterStatusReply::Builder out, const cluster_status& s);
cluster_status read_cluster_status(wire::ClusterStatusReply::Reader in);

void write_node_stats(wire::NodeStats::Builder out, const node_stats& s);
node_stats read_node_stats(wire::NodeStats::Reader in);
void write_shard_stats(wire::ShardStats::Builder out, const shard_stats& s);
shard_stats read_shard_stats(wire::ShardStats::Reader in);

}  // namespace cairn
