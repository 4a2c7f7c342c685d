#pragma once
// Starts every role the config gives this process — a storage node per storage
// host, the meta shards assigned to its hosts with a repairer beside each, the
// coordinator if one of its hosts runs it, a failure detector per host — and the host
// port. One process runs every host of the config, or (multi-host, [host]) one host,
// which then also runs its peers actor (peers.hpp): links to the other hosts and its
// join.
#include <caf/fwd.hpp>

#include <vector>

#include "actors/coordinator/coordinator_actor.hpp"
#include "actors/failure_detector/failure_detector_actor.hpp"
#include "actors/meta_shard/meta_shard_actor.hpp"
#include "actors/repairer/repairer_actor.hpp"
#include "actors/storage_node/storage_node_actor.hpp"
#include "runtime/config.hpp"
#include "runtime/net/host_port.hpp"
#include "runtime/net/registry.hpp"

namespace cairn {

struct local_cluster {
  std::vector<caf::actor> actors;
  caf::actor port_broker;
  caf::actor peers;  // multi-host only
  uint16_t port = 0;
  std::vector<host_id> hosts;    // the hosts this process runs
  std::vector<shard_id> shards;  // the meta shards this process runs
  // Admitted by the coordinator (always true in one process): /readyz.
  std::shared_ptr<std::atomic<bool>> joined = std::make_shared<std::atomic<bool>>(false);
};

// The hosts this process runs: the config's [host], or every host.
std::vector<host_config> hosts_here(const cluster_config& cfg);

// What each role of a config is started with. The simulation starts the same roles
// from these, then swaps in its own disk and scheduler-friendly settings.
storage_node_options storage_options(const cluster_config& cfg, const host_config& h);
meta_shard_options meta_options(const cluster_config& cfg, shard_id s, uint64_t seed);
coordinator_options coordinator_options_for(const cluster_config& cfg);
repairer_options repairer_options_for(const cluster_config& cfg, shard_id s, uint64_t seed);

result<local_cluster> start_local_cluster(caf::actor_system& sys, registry& reg,
                                          const cluster_config& cfg, uint64_t seed,
                                          const request_observer& observe = {});

// Stops the port first (no new requests), then the links and every role.
void stop_local_cluster(local_cluster& cluster);

}  // namespace cairn
