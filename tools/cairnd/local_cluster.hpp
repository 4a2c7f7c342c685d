#pragma once
// Starts every role the config gives this process — a storage node per storage
// host, the meta shards assigned to its hosts, the coordinator — and the client port.
#include <caf/fwd.hpp>

#include <vector>

#include "runtime/config.hpp"
#include "runtime/net/registry.hpp"

namespace cairn {

struct local_cluster {
  std::vector<caf::actor> actors;
  caf::actor client_port;
  uint16_t port = 0;
};

result<local_cluster> start_local_cluster(caf::actor_system& sys, registry& reg,
                                          const cluster_config& cfg, uint64_t seed);

// Stops the client port first (no new requests), then every role.
void stop_local_cluster(local_cluster& cluster);

}  // namespace cairn
