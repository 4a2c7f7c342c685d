#include "sim/sim_cluster.hpp"

#include <caf/all.hpp>

#include "runtime/assert.hpp"
#include "tools/cairnd/local_cluster.hpp"

namespace cairn {

sim_cluster::sim_cluster(caf::actor_system& sys, registry& reg, sim_network& net,
                         cluster_config cfg, uint64_t seed,
                         std::function<void(const cluster_map&)> on_map_change)
    : sys_(sys),
      reg_(reg),
      net_(net),
      cfg_(std::move(cfg)),
      seed_(seed),
      on_map_change_(std::move(on_map_change)) {
  for (auto& hc : cfg_.hosts) {
    sim_host h;
    h.cfg = hc;
    h.runs_coordinator = hc.id == cfg_.hosts.front().id;
    h.disk = std::make_shared<sim_disk>(hc.capacity_bytes);
    hosts_.push_back(std::move(h));
  }
}

sim_host& sim_cluster::host(host_id id) {
  for (auto& h : hosts_)
    if (h.cfg.id == id) return h;
  CAIRN_ASSERT(!"no such simulated host");
  return hosts_.front();
}

void sim_cluster::route(sim_host& h, const address& a, const caf::actor& real) {
  net_.set_target(a, real);
  reg_.put(a, h.nic);
}

status sim_cluster::start_roles(sim_host& h) {
  if (h.cfg.storage) {
    auto o = storage_options(cfg_, h.cfg);
    o.detached = false;  // the simulation's scheduler runs every actor
    auto node = spawn_storage_node(sys_, reg_, o, std::make_unique<sim_chunk_store>(h.disk));
    if (!node) return node.err();
    h.roles.push_back(*node);
    route(h, {h.cfg.id, storage_actor_name}, *node);
  }
  for (shard_id s = 0; s < cfg_.shards; ++s) {
    if (cfg_.shard_host(s) != h.cfg.id) continue;
    auto o = meta_options(cfg_, s, seed_);
    // Real LMDB without fsync: a simulated crash closes the environment, so committed
    // transactions survive it as they survive a real crash with sync on.
    o.sync = false;
    auto shard = spawn_meta_shard(sys_, reg_, o);
    if (!shard) return shard.err();
    h.roles.push_back(*shard);
    route(h, {h.cfg.id, meta_actor_name(s)}, *shard);
    auto repairer = spawn_repairer(sys_, reg_, repairer_options_for(cfg_, s, seed_));
    if (!repairer) return repairer.err();
    h.roles.push_back(*repairer);
    route(h, {h.cfg.id, repairer_actor_name(s)}, *repairer);
  }
  // A restarted detector starts from the config's map; the coordinator's push brings
  // it up to date.
  auto detector = spawn_failure_detector(
      sys_, reg_, failure_detector_options_from(cfg_, cluster_map::from_config(cfg_), h.cfg.id));
  if (!detector) return detector.err();
  h.roles.push_back(*detector);
  route(h, {h.cfg.id, detector_actor_name}, *detector);
  if (h.runs_coordinator) {
    auto o = coordinator_options_for(cfg_);
    o.sync = false;  // LMDB in the run's temporary directory, as for meta shards
    o.on_map_change = on_map_change_;
    auto coordinator = spawn_coordinator(sys_, reg_, o);
    if (!coordinator) return coordinator.err();
    h.roles.push_back(*coordinator);
    route(h, {h.cfg.id, coordinator_actor_name}, *coordinator);
    route(h, {0, coordinator_actor_name}, *coordinator);
  }
  return ok_status();
}

status sim_cluster::start() {
  for (auto& h : hosts_) h.nic = spawn_nic(sys_, net_, h.cfg.id);
  for (auto& h : hosts_) {
    if (auto st = start_roles(h); !st) return st;
    h.up = true;
  }
  return ok_status();
}

void sim_cluster::crash(host_id id) {
  auto& h = host(id);
  if (!h.up) return;
  h.up = false;
  net_.down.insert(id);
  ++net_.incarnation[id];
  net_.clear_targets(id);
  if (h.runs_coordinator) net_.targets.erase({0, coordinator_actor_name});
  for (auto& role : h.roles) caf::anon_send_exit(role, caf::exit_reason::kill);
  h.roles.clear();
}

status sim_cluster::restart(host_id id) {
  auto& h = host(id);
  if (h.up) return ok_status();
  if (auto st = start_roles(h); !st) return st;
  h.up = true;
  net_.down.erase(id);
  return ok_status();
}

void sim_cluster::stop() {
  for (auto& h : hosts_) {
    for (auto& role : h.roles) caf::anon_send_exit(role, caf::exit_reason::user_shutdown);
    h.roles.clear();
    if (h.nic) caf::anon_send_exit(h.nic, caf::exit_reason::user_shutdown);
    h.nic = {};
    h.up = false;
  }
  net_.targets.clear();
  reg_.clear();
}

}  // namespace cairn
