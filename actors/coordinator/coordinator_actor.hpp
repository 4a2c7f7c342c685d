#pragma once
// The coordinator's CAF shell. Today it serves the static cluster map from the
// config (epoch 1) and assembles `cairn status`; membership changes come with the
// failure-detector issue.
#include <caf/fwd.hpp>

#include "runtime/cluster_map.hpp"
#include "runtime/result.hpp"

namespace cairn {

class registry;

struct coordinator_options {
  cluster_map map;
  host_id host = 0;
  size_t frame_bytes_max = 5u << 20;
  uint32_t stats_timeout_ms = 3000;  // a shard or node silent this long counts as unreachable
};

// Spawns the coordinator and registers it at {host, "coordinator"} and at the
// well-known {0, "coordinator"} (see coordinator_address()).
result<caf::actor> spawn_coordinator(caf::actor_system& sys, registry& reg,
                                     const coordinator_options& opt);

}  // namespace cairn
