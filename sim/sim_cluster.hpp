#pragma once
// The simulated hosts: the same roles cairnd starts from a config (storage node, the
// meta shards placed on the host with their repairers, the failure detector, the
// coordinator on the first host), each over a
// simulated disk (storage) or real LMDB in the run's temporary directory (meta), and
// the host's NIC registered in their place. Hosts crash (roles killed, unsynced chunk
// data lost, LMDB keeps what it committed), restart over the data they kept, and
// lose their disk (wipe).
#include <caf/actor.hpp>

#include <functional>
#include <memory>
#include <vector>

#include "runtime/cluster_map.hpp"
#include "runtime/config.hpp"
#include "runtime/net/registry.hpp"
#include "sim/sim_disk.hpp"
#include "sim/sim_network.hpp"

namespace cairn {

struct sim_host {
  host_config cfg;
  bool up = false;
  bool runs_coordinator = false;
  std::shared_ptr<sim_disk> disk;
  std::vector<caf::actor> roles;
  caf::actor nic;
  bool destroyed = false;  // a destructive fault (wipe, bit flip) hit its disk
};

class sim_cluster {
 public:
  // `on_map_change` sees every map the coordinator makes (epoch changes), as it makes it.
  sim_cluster(caf::actor_system& sys, registry& reg, sim_network& net, cluster_config cfg,
              uint64_t seed, std::function<void(const cluster_map&)> on_map_change = {});

  // Starts every host. Errors: a role that cannot start (LMDB in the temp dir).
  status start();
  void crash(host_id h);
  status restart(host_id h);
  // Kills every role (the end of a run).
  void stop();

  const cluster_config& config() const { return cfg_; }
  std::vector<sim_host>& hosts() { return hosts_; }
  sim_host& host(host_id h);

 private:
  status start_roles(sim_host& h);
  // Registers the NIC under `a` and remembers the real actor behind it.
  void route(sim_host& h, const address& a, const caf::actor& real);

  caf::actor_system& sys_;
  registry& reg_;
  sim_network& net_;
  cluster_config cfg_;
  uint64_t seed_;
  std::function<void(const cluster_map&)> on_map_change_;
  std::vector<sim_host> hosts_;
};

}  // namespace cairn
