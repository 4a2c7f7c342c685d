#include "tools/cairn/output.hpp"

#include <cstdio>
#include <map>
#include <iostream>

namespace cairn::cli {

std::string human_bytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

static std::string hex64(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

nlohmann::json to_json(const entry_info& e) {
  return {{"name", e.name},
          {"kind", to_string(e.kind)},
          {"id", hex64(e.id)},
          {"size", e.size},
          {"mtime_ms", e.mtime_ms}};
}

nlohmann::json to_json(const file_info& f) {
  nlohmann::json j = {{"path", f.path}, {"kind", to_string(f.kind)}, {"id", hex64(f.id)}};
  if (f.kind == entry_kind::directory) return j;
  j["size"] = f.size;
  j["state"] = f.committed ? "committed" : "pending";
  j["chunk_size"] = f.chunk_size;
  j["min_replicas"] = f.min_replicas;
  j["final_replicas"] = f.final_replicas;
  j["created_ms"] = f.created_ms;
  auto chunks = nlohmann::json::array();
  for (auto& c : f.chunks) {
    auto reps = nlohmann::json::array();
    for (auto& r : c.replicas) reps.push_back({{"host", r.host}, {"state", to_string(r.state)}});
    chunks.push_back(
        {{"index", c.index}, {"length", c.length}, {"crc32c", hex32(c.crc)}, {"replicas", reps}});
  }
  j["chunks"] = chunks;
  return j;
}

nlohmann::json to_json(const cluster_status& s) {
  auto hosts = nlohmann::json::array();
  for (auto& h : s.map.hosts) {
    nlohmann::json j = {{"id", h.id},
                        {"name", h.name},
                        {"up", h.reachable()},
                        {"state", to_string(h.state)},
                        {"since_ms", h.since_ms},
                        {"labels",
                         {{"region", h.labels.region},
                          {"dc", h.labels.dc},
                          {"cluster", h.labels.cluster},
                          {"rack", h.labels.rack}}}};
    for (auto& n : s.nodes)
      if (n.host == h.id)
        j["storage"] = {{"reachable", n.reachable},
                        {"chunks", n.chunks},
                        {"bytes", n.bytes},
                        {"free_bytes", n.free_bytes}};
    hosts.push_back(j);
  }
  auto shards = nlohmann::json::array();
  for (auto& sh : s.shards)
    shards.push_back({{"shard", sh.shard},
                      {"host", sh.host},
                      {"reachable", sh.reachable},
                      {"files", sh.files},
                      {"directories", sh.directories},
                      {"bytes", sh.bytes},
                      {"under_replicated", sh.under_replicated},
                      {"pending_files", sh.pending_files},
                      {"gc_pending", sh.gc_pending}});
  return {{"health", s.healthy() ? "HEALTH_OK" : "HEALTH_WARN"},
          {"epoch", s.map.epoch},
          {"hosts", hosts},
          {"shards", shards},
          {"files", s.files()},
          {"bytes", s.bytes()},
          {"under_replicated", s.under_replicated()},
          {"min_replicas", s.map.min_replicas},
          {"final_replicas", s.map.final_replicas},
          {"chunk_size", s.map.chunk_size},
          {"transport",
           {{"connections_accepted", s.transport.connections_accepted},
            {"connections_refused", s.transport.connections_refused},
            {"connections_closed_bad_frame", s.transport.connections_closed_bad_frame},
            {"frames_received", s.transport.frames_received},
            {"frames_rejected", s.transport.frames_rejected}}}};
}

void print_entries(format f, const std::string& path, const std::vector<entry_info>& entries,
                   bool long_format) {
  if (f == format::json) {
    auto arr = nlohmann::json::array();
    for (auto& e : entries) arr.push_back(to_json(e));
    std::cout << nlohmann::json{{"path", path}, {"entries", arr}}.dump(2) << "\n";
    return;
  }
  for (auto& e : entries) {
    std::string name = e.name + (e.kind == entry_kind::directory ? "/" : "");
    if (!long_format) {
      std::cout << name << "\n";
      continue;
    }
    std::printf("%-4s %12llu  %s\n", to_string(e.kind).c_str(),
                static_cast<unsigned long long>(e.size), name.c_str());
  }
}

void print_file(format f, const file_info& info) {
  if (f == format::json) {
    std::cout << to_json(info).dump(2) << "\n";
    return;
  }
  std::printf("path:     %s\nkind:     %s\nid:       %s\n", info.path.c_str(),
              to_string(info.kind).c_str(), hex64(info.id).c_str());
  if (info.kind == entry_kind::directory) return;
  std::printf(
      "size:     %llu (%s)\nstate:    %s\nreplicas: min %u, final %u\nchunks:   %zu of %s\n",
      static_cast<unsigned long long>(info.size), human_bytes(info.size).c_str(),
      info.committed ? "committed" : "pending", info.min_replicas, info.final_replicas,
      info.chunks.size(), human_bytes(info.chunk_size).c_str());
  std::printf("  %-6s %-10s %-9s %s\n", "chunk", "length", "crc32c", "replicas (host:state)");
  for (auto& c : info.chunks) {
    std::string reps;
    for (auto& r : c.replicas) reps += std::to_string(r.host) + ":" + to_string(r.state) + " ";
    std::printf("  %-6u %-10u %-9s %s\n", c.index, c.length, hex32(c.crc).c_str(), reps.c_str());
  }
}

void print_status(format f, const cluster_status& s) {
  if (f == format::json) {
    std::cout << to_json(s).dump(2) << "\n";
    return;
  }
  size_t shards_up = 0, nodes_up = 0;
  for (auto& sh : s.shards) shards_up += sh.reachable;
  for (auto& n : s.nodes) nodes_up += n.reachable;
  uint64_t used = 0, free_bytes = 0, chunks = 0;
  for (auto& n : s.nodes) used += n.bytes, free_bytes += n.free_bytes, chunks += n.chunks;
  std::printf("  cluster:\n    health: %s\n    epoch:  %llu\n\n  services:\n",
              s.healthy() ? "HEALTH_OK" : "HEALTH_WARN",
              static_cast<unsigned long long>(s.map.epoch));
  std::printf("    hosts:   %zu total, %zu up\n", s.map.hosts.size(), s.hosts_up());
  std::printf("    storage: %zu nodes, %zu reachable\n", s.nodes.size(), nodes_up);
  std::printf("    meta:    %zu shards, %zu reachable\n\n  data:\n", s.shards.size(), shards_up);
  std::printf("    files:   %llu, %s\n", static_cast<unsigned long long>(s.files()),
              human_bytes(s.bytes()).c_str());
  std::printf("    chunks:  %llu replicas, %s used, %s free\n",
              static_cast<unsigned long long>(chunks), human_bytes(used).c_str(),
              human_bytes(free_bytes).c_str());
  std::printf("    replicas: min %u, final %u, chunk size %s\n", s.map.min_replicas,
              s.map.final_replicas, human_bytes(s.map.chunk_size).c_str());
  std::printf("    under-replicated chunks: %llu\n\n  hosts:\n",
              static_cast<unsigned long long>(s.under_replicated()));
  for (auto& h : s.map.hosts) {
    std::string storage = "-";
    for (auto& n : s.nodes)
      if (n.host == h.id)
        storage = n.reachable ? std::to_string(n.chunks) + " chunks, " + human_bytes(n.bytes)
                              : "unreachable";
    std::printf("    %-3u %-10s %-8s rack=%-8s %s\n", h.id, h.name.c_str(),
                to_string(h.state).c_str(), h.labels.rack.c_str(), storage.c_str());
  }
}

void print_health_detail(format f, const std::vector<health_check>& checks) {
  if (f == format::json) {
    nlohmann::json j;
    j["health"] = checks.empty() ? "HEALTH_OK" : "HEALTH_WARN";
    j["checks"] = nlohmann::json::array();
    for (auto& c : checks)
      j["checks"].push_back({{"code", c.code}, {"summary", c.summary}, {"items", c.items}});
    std::cout << j.dump(2) << "\n";
    return;
  }
  if (checks.empty()) {
    std::cout << "HEALTH_OK\n";
    return;
  }
  std::cout << "HEALTH_WARN\n";
  for (auto& c : checks) {
    std::cout << "[WRN] " << c.code << ": " << c.summary << "\n";
    for (auto& item : c.items) std::cout << "    " << item << "\n";
  }
}

// The topology as nested levels; a label left empty shows as "-".
void print_node_tree(format f, const cluster_status& s) {
  auto level = [](const std::string& v) { return v.empty() ? std::string("-") : v; };
  std::map<std::string,
           std::map<std::string,
                    std::map<std::string, std::map<std::string, std::vector<const map_host*>>>>>
      tree;
  for (auto& h : s.map.hosts)
    tree[level(h.labels.region)][level(h.labels.dc)][level(h.labels.cluster)][level(h.labels.rack)]
        .push_back(&h);
  auto host_json = [](const map_host& h) {
    return nlohmann::json{{"id", h.id},
                          {"name", h.name},
                          {"state", to_string(h.state)},
                          {"address", h.address},
                          {"retired", h.retired}};
  };
  if (f == format::json) {
    nlohmann::json regions = nlohmann::json::array();
    for (auto& [region, dcs] : tree) {
      nlohmann::json jdcs = nlohmann::json::array();
      for (auto& [dc, clusters] : dcs) {
        nlohmann::json jclusters = nlohmann::json::array();
        for (auto& [cluster, racks] : clusters) {
          nlohmann::json jracks = nlohmann::json::array();
          for (auto& [rack, hosts] : racks) {
            nlohmann::json jhosts = nlohmann::json::array();
            for (auto* h : hosts) jhosts.push_back(host_json(*h));
            jracks.push_back({{"rack", rack}, {"hosts", jhosts}});
          }
          jclusters.push_back({{"cluster", cluster}, {"racks", jracks}});
        }
        jdcs.push_back({{"dc", dc}, {"clusters", jclusters}});
      }
      regions.push_back({{"region", region}, {"dcs", jdcs}});
    }
    std::cout << nlohmann::json{{"epoch", s.map.epoch}, {"regions", regions}}.dump(2) << "\n";
    return;
  }
  std::printf("%-4s %-32s %-9s %s\n", "ID", "TOPOLOGY / HOST", "STATE", "ADDRESS");
  for (auto& [region, dcs] : tree) {
    std::printf("%-4s region %s\n", "", region.c_str());
    for (auto& [dc, clusters] : dcs) {
      std::printf("%-4s   dc %s\n", "", dc.c_str());
      for (auto& [cluster, racks] : clusters) {
        std::printf("%-4s     cluster %s\n", "", cluster.c_str());
        for (auto& [rack, hosts] : racks) {
          std::printf("%-4s       rack %s\n", "", rack.c_str());
          for (auto* h : hosts)
            std::printf("%-4u         %-24s %-9s %s\n", h->id, h->name.c_str(),
                        (to_string(h->state) + (h->retired ? "*" : "")).c_str(),
                        h->address.empty() ? "-" : h->address.c_str());
        }
      }
    }
  }
}

void print_result(format f, const nlohmann::json& fields, const std::string& line) {
  if (f == format::json)
    std::cout << fields.dump(2) << "\n";
  else
    std::cout << line << "\n";
}

}  // namespace cairn::cli
