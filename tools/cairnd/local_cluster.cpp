#include "tools/cairnd/local_cluster.hpp"

#include <caf/all.hpp>

#include "runtime/cluster_map.hpp"
#include "runtime/log.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/host_port.hpp"
#include "tools/cairnd/peers.hpp"

namespace cairn {
namespace {

std::vector<placement_host> storage_hosts(const cluster_config& cfg) {
  std::vector<placement_host> out;
  for (auto& h : cfg.hosts)
    if (h.storage) out.push_back(placement_host{h.id, h.labels, true});
  return out;
}

// A start that failed half way stops what it had started: otherwise the actor system
// waits for those actors forever when the daemon tries to exit.
error abandon(local_cluster& partial, registry& reg, error why) {
  stop_local_cluster(partial);
  reg.clear();
  return why;
}

// Where each shard runs, by shard id.
std::vector<host_id> shard_hosts(const cluster_config& cfg) {
  std::vector<host_id> out;
  for (shard_id s = 0; s < cfg.shards; ++s) out.push_back(cfg.shard_host(s));
  return out;
}

}  // namespace

storage_node_options storage_options(const cluster_config& cfg, const host_config& h) {
  storage_node_options o;
  o.host = h.id;
  o.data_dir = h.data_dir + "/storage";
  o.capacity_bytes = h.capacity_bytes;
  o.group_commit_max = cfg.group_commit_max;
  o.frame_bytes_max = cfg.effective_frame_bytes_max();
  // The orphan scan asks each chunk's home meta shard, wherever it runs.
  o.shard_hosts = shard_hosts(cfg);
  o.orphan_grace_ms = cfg.orphan_grace_ms;
  o.scan_interval_ms = cfg.orphan_scan_interval_ms;
  o.scrub_rate = cfg.scrub_rate;
  o.scrub_interval_ms = cfg.scrub_interval_ms;
  return o;
}

meta_shard_options meta_options(const cluster_config& cfg, shard_id s, uint64_t seed) {
  meta_shard_options o;
  o.shard = s;
  o.shard_count = cfg.shards;
  o.host = cfg.shard_host(s);
  for (auto& h : cfg.hosts)
    if (h.id == o.host) o.data_dir = h.data_dir;
  o.chunk_size = cfg.chunk_size;
  o.min_replicas = cfg.min_replicas;
  o.final_replicas = cfg.final_replicas;
  o.storage_hosts = storage_hosts(cfg);
  o.group_commit_max = cfg.group_commit_max;
  o.frame_bytes_max = cfg.effective_frame_bytes_max();
  o.pending_ttl_ms = cfg.pending_ttl_ms;
  // The entry's shard drops a removed file's inode on its home shard itself.
  o.shard_hosts = shard_hosts(cfg);
  // Meta shards run on the scheduler: their commits are short, and a detached
  // actor costs a thread wake-up per message (4 KiB puts: ~3.2k -> ~4.8k ops/s).
  // Storage nodes stay detached: a batch of large appends would hold a worker.
  o.detached = false;
  o.seed = rng(seed).derive("meta." + std::to_string(s)).next();
  return o;
}

coordinator_options coordinator_options_for(const cluster_config& cfg) {
  coordinator_options o;
  o.map = cluster_map::from_config(cfg);
  o.host = cfg.coordinator_host().id;
  o.frame_bytes_max = cfg.effective_frame_bytes_max();
  o.membership = membership_config_from(cfg);
  // The map (with its epoch and host states) lives beside the coordinator host's data.
  o.data_dir = cfg.coordinator_host().data_dir;
  return o;
}

repairer_options repairer_options_for(const cluster_config& cfg, shard_id s, uint64_t seed) {
  repairer_options o;
  o.shard = s;
  o.host = cfg.shard_host(s);
  o.map = cluster_map::from_config(cfg);
  o.inflight_max = cfg.repair_inflight;
  o.bandwidth = cfg.repair_bandwidth;
  o.request_timeout_ms = cfg.request_timeout_ms;
  o.frame_bytes_max = cfg.effective_frame_bytes_max();
  o.seed = rng(seed).derive("repair." + std::to_string(s)).next();
  return o;
}

std::vector<host_config> hosts_here(const cluster_config& cfg) {
  if (cfg.multi_host()) return {*cfg.local};
  return cfg.hosts;
}

namespace {

bool runs_here(const cluster_config& cfg, host_id h) {
  for (auto& mine : hosts_here(cfg))
    if (mine.id == h) return true;
  return false;
}

// This host in the map's terms, as it announces itself to the coordinator.
map_host announced_self(const host_config& h) {
  map_host m;
  m.id = h.id;
  m.name = h.name;
  m.labels = h.labels;
  m.storage = h.storage;
  m.address = h.address;
  return m;
}

}  // namespace

result<local_cluster> start_local_cluster(caf::actor_system& sys, registry& reg,
                                          const cluster_config& cfg, uint64_t seed,
                                          const request_observer& observe) {
  local_cluster out;
  auto log = module_log("cairnd");
  size_t frame_max = cfg.effective_frame_bytes_max();
  auto here = hosts_here(cfg);
  for (auto& h : here) {
    if (!h.storage) continue;
    auto o = storage_options(cfg, h);
    auto node = spawn_storage_node(sys, reg, o);
    if (!node)
      return abandon(out, reg, {node.code(), "host " + h.name + ": " + node.err().message});
    out.actors.push_back(*node);
    log->info("trace=0000000000000000 host {} ({}): storage node at {}", h.id, h.name, o.data_dir);
  }
  for (shard_id s = 0; s < cfg.shards; ++s) {
    if (!runs_here(cfg, cfg.shard_host(s))) continue;
    auto o = meta_options(cfg, s, seed);
    auto shard = spawn_meta_shard(sys, reg, o);
    if (!shard)
      return abandon(
          out, reg, {shard.code(), "meta shard " + std::to_string(s) + ": " + shard.err().message});
    out.actors.push_back(*shard);
    out.shards.push_back(s);
    log->info("trace=0000000000000000 meta shard {} on host {}", s, o.host);
    auto repairer = spawn_repairer(sys, reg, repairer_options_for(cfg, s, seed));
    if (!repairer)
      return abandon(
          out, reg,
          {repairer.code(), "repairer " + std::to_string(s) + ": " + repairer.err().message});
    out.actors.push_back(*repairer);
  }
  if (runs_here(cfg, cfg.coordinator_host().id)) {
    auto co = coordinator_options_for(cfg);
    co.on_map_change = [log](const cluster_map& m) {
      std::string states;
      for (auto& h : m.hosts) states += " " + h.name + "=" + to_string(h.state);
      log->info("trace=0000000000000000 cluster map epoch {}:{}", m.epoch, states);
    };
    auto coordinator = spawn_coordinator(sys, reg, co);
    if (!coordinator) return abandon(out, reg, coordinator.err());
    out.actors.push_back(*coordinator);
  }
  auto map = cluster_map::from_config(cfg);
  for (auto& h : here) {
    auto detector = spawn_failure_detector(sys, reg, failure_detector_options_from(cfg, map, h.id));
    if (!detector) return abandon(out, reg, detector.err());
    out.actors.push_back(*detector);
    out.hosts.push_back(h.id);
  }

  auth_identity identity{cfg.name, cfg.multi_host() ? cfg.local->id : 0, cfg.secret};
  std::shared_ptr<tls_context> tls;
  if (cfg.tls.enabled()) {
    auto loaded = tls_context::load(cfg.tls);
    if (!loaded) return abandon(out, reg, loaded.err());
    tls = *loaded;
  }
  if (cfg.multi_host()) {
    peers_options po;
    po.self = announced_self(*cfg.local);
    po.founding = map;
    // A founding host reaches the coordinator directly; a new one through its seeds.
    bool founding = false;
    for (auto& h : cfg.hosts) founding |= h.id == cfg.local->id;
    po.coordinator_host = founding ? cfg.coordinator_host().id : 0;
    po.seeds = cfg.seeds;
    po.link.identity = identity;
    po.link.tls = tls;
    po.link.frame_bytes_max = frame_max;
    po.link.queue_bytes_max = cfg.peer_queue_bytes_max;
    po.joined = out.joined;
    out.peers = spawn_peers(sys, reg, po);
  } else {
    out.joined->store(true);  // one process: every host is in the map it starts with
  }

  host_port_config pc;
  pc.host = cfg.listen_host;
  pc.port = cfg.listen_port;
  pc.frame_bytes_max = frame_max;
  pc.request_timeout_ms = cfg.request_timeout_ms;
  pc.connections_max = cfg.connections_max;
  pc.connections_per_ip_max = cfg.connections_per_ip_max;
  pc.identity = identity;
  pc.tls = tls;
  pc.handshake_timeout_ms = cfg.handshake_timeout_ms;
  pc.idle_timeout_ms = cfg.idle_timeout_ms;
  pc.frame_timeout_ms = cfg.frame_timeout_ms;
  pc.observe = observe;
  auto port = spawn_host_port(sys, reg, pc);
  if (!port) return abandon(out, reg, port.err());
  out.port_broker = port->broker;
  out.port = port->port;
  return out;
}

void stop_local_cluster(local_cluster& cluster) {
  if (cluster.port_broker) caf::anon_send(cluster.port_broker, stop_atom::value);
  if (cluster.peers) caf::anon_send(cluster.peers, stop_atom::value);
  for (auto& a : cluster.actors) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

}  // namespace cairn
