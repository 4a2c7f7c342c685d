#pragma once
// Cap'n Proto <-> plain data for the coordinator protocol (schema/cluster.capnp).
// Readers may throw kj::Exception on malformed data: call them inside guarded().
#include "actors/coordinator/coordinator_protocol.hpp"
#include "cairn/schema/cluster.capnp.h"
#include "runtime/cluster_stats_codec.hpp"

namespace cairn {

void write_cluster_map(wire::ClusterMapReply::Builder out, const cluster_map& map);
cluster_map read_cluster_map(wire::ClusterMapReply::Reader in);

void write_cluster_status(wire::ClusterStatusReply::Builder out, const cluster_status& s);
cluster_status read_cluster_status(wire::ClusterStatusReply::Reader in);

}  // namespace cairn
