#include "runtime/cluster_map.hpp"

namespace cairn {

address cluster_map::meta_address(shard_id s) const {
  CAIRN_ASSERT(s < shard_hosts.size());
  return address{shard_hosts[s], meta_actor_name(s)};
}

const map_host* cluster_map::find_host(host_id id) const {
  for (auto& h : hosts)
    if (h.id == id) return &h;
  return nullptr;
}

cluster_map cluster_map::from_config(const cluster_config& cfg) {
  cluster_map m;
  m.epoch = 1;
  for (auto& h : cfg.hosts) {
    m.hosts.push_back({h.id, h.name, h.labels, host_state::up, h.storage});
    // Addresses matter only between processes; in one process every host is local.
    if (cfg.multi_host()) m.hosts.back().address = h.address;
  }
  for (shard_id s = 0; s < cfg.shards; ++s) m.shard_hosts.push_back(cfg.shard_host(s));
  m.chunk_size = cfg.chunk_size;
  m.min_replicas = cfg.min_replicas;
  m.final_replicas = cfg.final_replicas;
  return m;
}

std::string to_string(host_state s) {
  switch (s) {
    case host_state::up:
      return "up";
    case host_state::suspect:
      return "suspect";
    case host_state::down:
      return "down";
    case host_state::out:
      return "out";
    case host_state::draining:
      return "draining";
  }
  return "unknown";
}

address storage_address(host_id host) { return address{host, storage_actor_name}; }

address coordinator_address() { return address{0, coordinator_actor_name}; }

}  // namespace cairn
