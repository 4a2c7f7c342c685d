#pragma once
// Starts every role the config gives this process — a storage node per storage
// host, the meta shards assigned to its hosts with a repairer beside each, the
// coordinator, a failure detector per host — and the client port.
#include <caf/fwd.hpp>

#include <vector>

#include "actors/coordinator/coordinator_actor.hpp"
#include "actors/failure_detector/failure_detector_actor.hpp"
#include "actors/meta_shard/meta_shard_actor.hpp"
#include "actors/repairer/repairer_actor.hpp"
#include "actors/storage_node/storage_node_actor.hpp"
#include "runtime/config.hpp"
#include "runtime/net/registry.hpp"

namespace cairn {

struct local_cluster {
  std::vector<caf::actor> actors;
  caf::actor client_port;
  uint16_t port = 0;
};

// What each role of a config is started with. The simulation starts the same roles
// from these, then swaps in its own disk and scheduler-friendly settings.
storage_node_options storage_options(const cluster_config& cfg, const host_config& h);
meta_shard_options meta_options(const cluster_config& cfg, shard_id s, uint64_t seed);
coordinator_options coordinator_options_for(const cluster_config& cfg);
repairer_options repairer_options_for(const cluster_config& cfg, shard_id s, uint64_t seed);

result<local_cluster> start_local_cluster(caf::actor_system& sys, registry& reg,
                                          const cluster_config& cfg, uint64_t seed);

// Stops the client port first (no new requests), then every role.
void stop_local_cluster(local_cluster& cluster);

}  // namespace cairn
