#include "runtime/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace cairn {
namespace {

std::string describe(const toml::source_region& where, const std::string& source) {
  std::ostringstream out;
  out << source << ":" << where.begin.line << ":" << where.begin.column;
  return out.str();
}

result<uint64_t> read_size(toml::node_view<toml::node> node, uint64_t fallback,
                           const std::string& key) {
  if (!node) return fallback;
  if (auto v = node.value<int64_t>()) {
    if (*v < 0) return error{errc::invalid_argument, key + " must not be negative"};
    return static_cast<uint64_t>(*v);
  }
  if (auto s = node.value<std::string>()) {
    auto r = parse_size(*s);
    if (!r) return error{errc::invalid_argument, key + ": " + r.err().message};
    return r;
  }
  return error{errc::invalid_argument, key + " must be a size like \"4MiB\" or a number"};
}

// A duration: an integer number of seconds, or a string parse_duration_ms reads.
result<int64_t> read_duration_ms(toml::node_view<toml::node> node, int64_t fallback,
                                 const std::string& key) {
  if (!node) return fallback;
  if (auto v = node.value<int64_t>()) {
    if (*v < 0) return error{errc::invalid_argument, key + " must not be negative"};
    if (*v > (int64_t{1} << 40)) return error{errc::invalid_argument, key + " is too long"};
    return *v * 1000;
  }
  if (auto s = node.value<std::string>()) {
    auto r = parse_duration_ms(*s);
    if (!r) return error{errc::invalid_argument, key + ": " + r.err().message};
    return r;
  }
  return error{errc::invalid_argument, key + " must be a duration like \"15m\" or seconds"};
}

// 900000 -> "15m": the largest unit that shows the duration exactly.
std::string format_duration(int64_t ms) {
  for (auto [unit, size] : {std::pair{"d", int64_t{86400000}}, std::pair{"h", int64_t{3600000}},
                            std::pair{"m", int64_t{60000}}, std::pair{"s", int64_t{1000}}})
    if (ms != 0 && ms % size == 0) return std::to_string(ms / size) + unit;
  return std::to_string(ms) + "ms";
}

status validate_orphan_gc(const cluster_config& c) {
  if (c.pending_ttl_ms <= 0)
    return error{errc::invalid_argument, "cluster.pending_ttl must be positive"};
  if (c.orphan_grace_ms <= c.pending_ttl_ms)
    return error{errc::invalid_argument,
                 "cluster.orphan_grace (" + format_duration(c.orphan_grace_ms) +
                     ") must exceed cluster.pending_ttl (" + format_duration(c.pending_ttl_ms) +
                     "): a chunk of a pending inode must not be judged an orphan before its "
                     "inode expired"};
  if (c.orphan_scan_interval_ms <= 0)
    return error{errc::invalid_argument, "cluster.orphan_scan_interval must be positive"};
  return ok_status();
}

status validate_membership(const cluster_config& c) {
  if (c.heartbeat_interval_ms <= 0)
    return error{errc::invalid_argument, "cluster.heartbeat_interval must be positive"};
  if (c.observers == 0 || c.observers > 16)
    return error{errc::invalid_argument, "cluster.observers must be 1..16"};
  if (!(c.phi_threshold > 0 && c.phi_threshold < 1000))
    return error{errc::invalid_argument, "cluster.phi_threshold must be in (0, 1000)"};
  if (c.accusation_ttl_ms <= c.heartbeat_interval_ms)
    return error{errc::invalid_argument,
                 "cluster.accusation_ttl must exceed cluster.heartbeat_interval: observers "
                 "repeat their accusations once per heartbeat interval"};
  if (c.out_interval_ms <= 0)
    return error{errc::invalid_argument, "cluster.out_interval must be positive"};
  if (c.repair_inflight == 0)
    return error{errc::invalid_argument, "cluster.repair_inflight must be positive"};
  if (c.repair_bandwidth == 0 || c.scrub_rate == 0)
    return error{errc::invalid_argument,
                 "cluster.repair_bandwidth and cluster.scrub_rate must be positive"};
  return ok_status();
}

status validate(cluster_config& c) {
  if (c.hosts.empty()) return error{errc::invalid_argument, "no [[hosts]] configured"};
  std::set<host_id> ids;
  std::set<std::string> names;
  size_t storage_hosts = 0, meta_hosts = 0;
  for (auto& h : c.hosts) {
    if (h.id == 0 || h.id == client_host)
      return error{errc::invalid_argument, "host id must be between 1 and 2^32-2"};
    if (!ids.insert(h.id).second)
      return error{errc::invalid_argument, "duplicate host id " + std::to_string(h.id)};
    if (h.name.empty() || !names.insert(h.name).second)
      return error{errc::invalid_argument, "host names must be unique and non-empty"};
    storage_hosts += h.storage;
    meta_hosts += h.meta;
  }
  if (meta_hosts == 0) return error{errc::invalid_argument, "no host has the meta role"};
  if (c.min_replicas < 1 || c.min_replicas > c.final_replicas)
    return error{errc::invalid_argument, "need 1 <= min_replicas <= final_replicas"};
  if (c.final_replicas > storage_hosts)
    return error{errc::invalid_argument, "final_replicas exceeds the number of storage hosts"};
  // A chunk travels in one frame, and clients accept frames up to 64 MiB.
  if (c.chunk_size < 4096 || c.chunk_size > (63u << 20))
    return error{errc::invalid_argument, "chunk_size must be between 4KiB and 63MiB"};
  if (c.frame_bytes_max != 0 && c.frame_bytes_max < c.chunk_size + (64u << 10))
    return error{errc::invalid_argument,
                 "frame_bytes_max must exceed chunk_size by at least 64KiB (a chunk and its "
                 "envelope travel in one frame)"};
  if (c.shards < 1 || c.shards > 1024)
    return error{errc::invalid_argument, "shards must be between 1 and 1024"};
  if (auto st = validate_orphan_gc(c); !st) return st;
  return validate_membership(c);
}

// A misspelt key would otherwise be ignored silently and its default used.
status reject_unknown_keys(const toml::table& table, std::initializer_list<std::string_view> known,
                           const std::string& where, const std::string& source) {
  for (auto& [key, node] : table) {
    bool ok = false;
    for (auto k : known) ok |= key.str() == k;
    if (!ok)
      return error{errc::invalid_argument, describe(node.source(), source) + ": unknown key \"" +
                                               std::string(key.str()) + "\" in " + where};
  }
  return ok_status();
}

}  // namespace

const host_config& cluster_config::coordinator_host() const {
  CAIRN_ASSERT(!hosts.empty());
  for (auto& h : hosts)
    if (h.coordinator) return h;
  return hosts.front();
}

host_id cluster_config::shard_host(shard_id s) const {
  std::vector<host_id> meta;
  for (auto& h : hosts)
    if (h.meta) meta.push_back(h.id);
  CAIRN_ASSERT(!meta.empty());
  return meta[s % meta.size()];
}

result<std::pair<std::string, uint16_t>> parse_endpoint(const std::string& text) {
  auto colon = text.rfind(':');
  auto port_text = colon == std::string::npos ? std::string() : text.substr(colon + 1);
  bool digits = !port_text.empty() && port_text.size() <= 5 &&
                std::all_of(port_text.begin(), port_text.end(),
                            [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); });
  if (colon == 0 || !digits || std::stoul(port_text) > 65535)
    return error{errc::invalid_argument, "\"" + text + "\" is not HOST:PORT"};
  return std::make_pair(text.substr(0, colon), static_cast<uint16_t>(std::stoul(port_text)));
}

result<uint64_t> parse_size(const std::string& text) {
  size_t i = 0;
  uint64_t n = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (n > (uint64_t{1} << 53)) return error{errc::invalid_argument, "size too large"};
    n = n * 10 + static_cast<uint64_t>(text[i++] - '0');
  }
  if (i == 0) return error{errc::invalid_argument, "size \"" + text + "\" has no number"};
  std::string unit = text.substr(i);
  if (unit.empty() || unit == "B") return n;
  if (unit == "KiB" || unit == "K") return n << 10;
  if (unit == "MiB" || unit == "M") return n << 20;
  if (unit == "GiB" || unit == "G") return n << 30;
  return error{errc::invalid_argument,
               "unknown size unit \"" + unit + "\" (use B, KiB, MiB or GiB)"};
}

result<int64_t> parse_duration_ms(const std::string& text) {
  size_t i = 0;
  int64_t n = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (n > (int64_t{1} << 40)) return error{errc::invalid_argument, "duration too long"};
    n = n * 10 + (text[i++] - '0');
  }
  if (i == 0) return error{errc::invalid_argument, "duration \"" + text + "\" has no number"};
  std::string unit = text.substr(i);
  if (unit == "ms") return n;
  if (unit.empty() || unit == "s") return n * 1000;
  if (unit == "m") return n * 60 * 1000;
  if (unit == "h") return n * 3600 * 1000;
  if (unit == "d") return n * 24 * 3600 * 1000;
  return error{errc::invalid_argument,
               "unknown duration unit \"" + unit + "\" (use ms, s, m, h or d)"};
}

result<cluster_config> parse_config(const std::string& text, const std::string& source,
                                    const std::string& cwd) {
  toml::table t;
  try {
    t = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return error{errc::invalid_argument,
                 describe(e.source(), source) + ": " + std::string(e.description())};
  }
  cluster_config c;
  if (auto st = reject_unknown_keys(t, {"cluster", "hosts"}, "the file", source); !st)
    return st.err();
  if (auto* ct = t["cluster"].as_table()) {
    auto st = reject_unknown_keys(*ct,
                                  {"name",
                                   "data_dir",
                                   "listen",
                                   "chunk_size",
                                   "frame_bytes_max",
                                   "min_replicas",
                                   "final_replicas",
                                   "shards",
                                   "request_timeout_ms",
                                   "group_commit_max",
                                   "connections_max",
                                   "log_level",
                                   "pending_ttl",
                                   "orphan_grace",
                                   "orphan_scan_interval",
                                   "heartbeat_interval",
                                   "observers",
                                   "phi_threshold",
                                   "heartbeat_pause",
                                   "accusation_ttl",
                                   "out_interval",
                                   "repair_inflight",
                                   "repair_bandwidth",
                                   "scrub_rate",
                                   "scrub_interval"},
                                  "[cluster]", source);
    if (!st) return st.err();
  }
  auto cl = t["cluster"];
  c.name = cl["name"].value_or(c.name);
  c.data_dir = cl["data_dir"].value_or(c.data_dir);
  std::string listen = cl["listen"].value_or(std::string("127.0.0.1:7400"));
  auto endpoint = parse_endpoint(listen);
  if (!endpoint) return error{errc::invalid_argument, "cluster.listen: " + endpoint.err().message};
  c.listen_host = endpoint->first;
  c.listen_port = endpoint->second;
  auto chunk = read_size(cl["chunk_size"], c.chunk_size, "cluster.chunk_size");
  if (!chunk) return chunk.err();
  c.chunk_size = *chunk;
  auto frame = read_size(cl["frame_bytes_max"], 0, "cluster.frame_bytes_max");
  if (!frame) return frame.err();
  c.frame_bytes_max = *frame;
  c.min_replicas = static_cast<uint8_t>(cl["min_replicas"].value_or(int64_t{c.min_replicas}));
  c.final_replicas = static_cast<uint8_t>(cl["final_replicas"].value_or(int64_t{c.final_replicas}));
  c.shards = static_cast<uint16_t>(cl["shards"].value_or(int64_t{c.shards}));
  c.request_timeout_ms =
      static_cast<uint32_t>(cl["request_timeout_ms"].value_or(int64_t{c.request_timeout_ms}));
  c.group_commit_max =
      static_cast<uint32_t>(cl["group_commit_max"].value_or(int64_t{c.group_commit_max}));
  c.connections_max =
      static_cast<uint32_t>(cl["connections_max"].value_or(int64_t{c.connections_max}));
  c.log_level = cl["log_level"].value_or(c.log_level);
  for (auto [key, field] :
       {std::pair{"pending_ttl", &c.pending_ttl_ms}, std::pair{"orphan_grace", &c.orphan_grace_ms},
        std::pair{"orphan_scan_interval", &c.orphan_scan_interval_ms},
        std::pair{"heartbeat_interval", &c.heartbeat_interval_ms},
        std::pair{"heartbeat_pause", &c.heartbeat_pause_ms},
        std::pair{"accusation_ttl", &c.accusation_ttl_ms},
        std::pair{"out_interval", &c.out_interval_ms},
        std::pair{"scrub_interval", &c.scrub_interval_ms}}) {
    auto ms = read_duration_ms(cl[key], *field, std::string("cluster.") + key);
    if (!ms) return ms.err();
    *field = *ms;
  }

  c.observers = static_cast<uint32_t>(cl["observers"].value_or(int64_t{c.observers}));
  c.phi_threshold = cl["phi_threshold"].value_or(c.phi_threshold);
  c.repair_inflight =
      static_cast<uint32_t>(cl["repair_inflight"].value_or(int64_t{c.repair_inflight}));
  for (auto [key, field] : {std::pair{"repair_bandwidth", &c.repair_bandwidth},
                            std::pair{"scrub_rate", &c.scrub_rate}}) {
    auto bytes = read_size(cl[key], *field, std::string("cluster.") + key);
    if (!bytes) return bytes.err();
    *field = *bytes;
  }

  std::filesystem::path data(c.data_dir);
  if (data.is_relative()) data = std::filesystem::path(cwd) / data;
  c.data_dir = data.lexically_normal().string();

  if (auto* hosts = t["hosts"].as_array()) {
    for (auto& node : *hosts) {
      auto* ht = node.as_table();
      if (!ht) return error{errc::invalid_argument, "each [[hosts]] entry must be a table"};
      auto st = reject_unknown_keys(*ht, {"id", "name", "roles", "labels", "capacity", "data_dir"},
                                    "[[hosts]]", source);
      if (!st) return st.err();
      host_config h;
      h.id = static_cast<host_id>((*ht)["id"].value_or(int64_t{0}));
      h.name = (*ht)["name"].value_or(std::string{});
      if (auto* roles = (*ht)["roles"].as_array()) {
        h.storage = h.meta = false;
        for (auto& r : *roles) {
          auto role = r.value_or(std::string{});
          if (role == "storage")
            h.storage = true;
          else if (role == "meta")
            h.meta = true;
          else
            return error{errc::invalid_argument, "unknown role \"" + role + "\" on host " + h.name};
        }
      }
      auto labels = (*ht)["labels"];
      h.labels.region = labels["region"].value_or(std::string("default"));
      h.labels.dc = labels["dc"].value_or(std::string("default"));
      h.labels.cluster = labels["cluster"].value_or(std::string("default"));
      h.labels.rack = labels["rack"].value_or(std::string("default"));
      h.labels.host = h.name;
      auto cap = read_size((*ht)["capacity"], 0, "hosts.capacity");
      if (!cap) return cap.err();
      h.capacity_bytes = *cap;
      std::filesystem::path dir((*ht)["data_dir"].value_or(h.name));
      if (dir.is_relative()) dir = data / dir;
      h.data_dir = dir.lexically_normal().string();
      c.hosts.push_back(std::move(h));
    }
  }
  if (auto st = validate(c); !st) return st.err();
  return c;
}

result<cluster_config> load_config(const std::string& path, const std::string& cwd) {
  std::ifstream in(path);
  if (!in) return error{errc::not_found, "cannot read config file " + path};
  std::stringstream buf;
  buf << in.rdbuf();
  return parse_config(buf.str(), path, cwd);
}

}  // namespace cairn
