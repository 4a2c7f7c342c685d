#include "actors/coordinator/cluster_health.hpp"

namespace cairn {
namespace {

std::string counted(size_t n, const char* one, const char* many, const char* what) {
  return std::to_string(n) + " " + (n == 1 ? one : many) + " " + what;
}

std::string host_label(const cluster_map& map, host_id id) {
  auto* h = map.find_host(id);
  return "host " + std::to_string(id) + (h ? " (" + h->name + ")" : "");
}

}  // namespace

std::vector<health_check> health_checks(const cluster_status& s) {
  std::vector<health_check> out;
  auto add = [&](health_check c) {
    if (!c.items.empty()) out.push_back(std::move(c));
  };
  health_check down{"HOST_DOWN", "", {}}, suspect{"HOST_SUSPECT", "", {}};
  for (auto& h : s.map.hosts) {
    auto since = " since " + std::to_string(h.since_ms / 1000) + " s (coordinator clock)";
    if (h.state == host_state::down || (h.state == host_state::out && !h.retired))
      down.items.push_back(host_label(s.map, h.id) + " is " + to_string(h.state) + since);
    else if (h.state == host_state::suspect)
      suspect.items.push_back(host_label(s.map, h.id) + " is suspect" + since);
  }
  down.summary = counted(down.items.size(), "host", "hosts", "down");
  suspect.summary = counted(suspect.items.size(), "host", "hosts", "suspected");
  add(std::move(down));
  add(std::move(suspect));

  health_check nodes{"STORAGE_UNREACHABLE", "", {}};
  for (auto& n : s.nodes)
    if (!n.reachable) nodes.items.push_back("storage node of " + host_label(s.map, n.host));
  nodes.summary = counted(nodes.items.size(), "storage node", "storage nodes", "not answering");
  add(std::move(nodes));

  health_check shards{"SHARD_UNAVAILABLE", "", {}};
  health_check under{"CHUNK_UNDER_REPLICATED", "", {}};
  for (auto& sh : s.shards) {
    if (!sh.reachable)
      shards.items.push_back("meta shard " + std::to_string(sh.shard) + " on " +
                             host_label(s.map, sh.host));
    else if (sh.under_replicated > 0)
      under.items.push_back("meta shard " + std::to_string(sh.shard) + ": " +
                            std::to_string(sh.under_replicated) + " chunks below " +
                            std::to_string(s.map.final_replicas) + " replicas");
  }
  shards.summary = counted(shards.items.size(), "meta shard", "meta shards", "not answering");
  under.summary = std::to_string(s.under_replicated()) + " chunks under-replicated";
  add(std::move(shards));
  add(std::move(under));
  return out;
}

}  // namespace cairn
