#include "actors/coordinator/coordinator_state.hpp"

#include "actors/coordinator/cluster_health.hpp"

namespace cairn {

uint64_t cluster_status::files() const {
  uint64_t n = 0;
  for (auto& s : shards) n += s.files;
  return n;
}

uint64_t cluster_status::bytes() const {
  uint64_t n = 0;
  for (auto& s : shards) n += s.bytes;
  return n;
}

uint64_t cluster_status::under_replicated() const {
  uint64_t n = 0;
  for (auto& s : shards) n += s.under_replicated;
  return n;
}

size_t cluster_status::hosts_up() const {
  size_t n = 0;
  for (auto& h : map.hosts) n += h.reachable();
  return n;
}

bool cluster_status::healthy() const { return health_checks(*this).empty(); }

status_collector::status_collector(const cluster_map& map) {
  status_.map = map;
  for (shard_id s = 0; s < map.shard_count(); ++s) {
    status_.shards.push_back(shard_stats{s, map.shard_hosts[s]});
    ++expected_;
  }
  for (auto& h : map.hosts) {
    if (!h.storage) continue;
    status_.nodes.push_back(node_stats{h.id});
    ++expected_;
  }
}

void status_collector::record(const node_stats& s) {
  ++answered_;
  for (auto& n : status_.nodes)
    if (n.host == s.host) n = s, n.reachable = true;
}

void status_collector::record(const shard_stats& s) {
  ++answered_;
  for (auto& x : status_.shards)
    if (x.shard == s.shard) x = s, x.reachable = true;
}

void status_collector::give_up() { ++answered_; }

cluster_status status_collector::take(const transport_stats& transport) {
  status_.transport = transport;
  return std::move(status_);
}

}  // namespace cairn
