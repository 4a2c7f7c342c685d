#pragma once
// Cap'n Proto <-> plain data for the coordinator's status reply (schema/cluster.capnp).
// The cluster map itself is runtime/cluster_map_codec.hpp, included here for callers
// that read both. Readers may throw kj::Exception on malformed data: call them inside
// guarded().
#include "actors/coordinator/coordinator_protocol.hpp"
#include "cairn/schema/cluster.capnp.h"
#include "runtime/cluster_map_codec.hpp"
#include "runtime/cluster_stats_codec.hpp"

namespace cairn {

void write_cluster_status(wire::ClusterStatusReply::Builder out, const cluster_status& s);
cluster_status read_cluster_status(wire::ClusterStatusReply::Reader in);

}  // namespace cairn
