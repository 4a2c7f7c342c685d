#include "runtime/config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace cairn {
namespace {

namespace fs = std::filesystem;

// The cluster secret: at least this many bytes after trimming, so it cannot be guessed;
// at most secret_bytes_max, so a wrong path (a log, a disk image) is not read whole.
constexpr size_t secret_bytes_min = 16;
constexpr size_t secret_bytes_max = 4096;

error invalid(std::string message) { return error{errc::invalid_argument, std::move(message)}; }

std::string describe(const toml::source_region& where, const std::string& source) {
  std::ostringstream out;
  out << source << ":" << where.begin.line << ":" << where.begin.column;
  return out.str();
}

result<uint64_t> read_size(toml::node_view<const toml::node> node, uint64_t fallback,
                           const std::string& key) {
  if (!node) return fallback;
  if (auto v = node.value<int64_t>()) {
    if (*v < 0) return invalid(key + " must not be negative");
    return static_cast<uint64_t>(*v);
  }
  if (auto s = node.value<std::string>()) {
    auto r = parse_size(*s);
    if (!r) return invalid(key + ": " + r.err().message);
    return r;
  }
  return invalid(key + " must be a size like \"4MiB\" or a number");
}

// A duration: an integer number of seconds, or a string parse_duration_ms reads.
result<int64_t> read_duration_ms(toml::node_view<const toml::node> node, int64_t fallback,
                                 const std::string& key) {
  if (!node) return fallback;
  if (auto v = node.value<int64_t>()) {
    if (*v < 0) return invalid(key + " must not be negative");
    if (*v > (int64_t{1} << 40)) return invalid(key + " is too long");
    return *v * 1000;
  }
  if (auto s = node.value<std::string>()) {
    auto r = parse_duration_ms(*s);
    if (!r) return invalid(key + ": " + r.err().message);
    return r;
  }
  return invalid(key + " must be a duration like \"15m\" or seconds");
}

// An optional string key: absent is nullopt, any other type an error.
result<std::optional<std::string>> read_string(toml::node_view<const toml::node> node,
                                               const std::string& key) {
  if (!node) return std::optional<std::string>{};
  if (auto s = node.value_exact<std::string>()) return std::optional<std::string>{*s};
  return invalid(key + " must be a string");
}

// An address others connect to: HOST:PORT with a real host and a non-zero port.
result<std::pair<std::string, uint16_t>> parse_advertised(const std::string& text,
                                                          const std::string& key) {
  auto endpoint = parse_endpoint(text);
  if (!endpoint) return invalid(key + ": " + endpoint.err().message);
  const auto& host = endpoint->first;
  if (host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]" || host == "*")
    return invalid(key + ": \"" + text + "\" is a wildcard; give an address peers can reach");
  if (endpoint->second == 0) return invalid(key + ": \"" + text + "\" needs a non-zero port");
  return endpoint;
}

// A relative path names a file beside the config file.
std::string resolve_path(const std::string& text, const fs::path& base) {
  fs::path p(text);
  if (p.is_relative()) p = base / p;
  return p.lexically_normal().string();
}

fs::path config_dir(const std::string& source, const std::string& cwd) {
  fs::path p(source);
  if (p.is_relative()) p = fs::path(cwd) / p;
  return p.lexically_normal().parent_path();
}

// 900000 -> "15m": the largest unit that shows the duration exactly.
std::string format_duration(int64_t ms) {
  for (auto [unit, size] : {std::pair{"d", int64_t{86400000}}, std::pair{"h", int64_t{3600000}},
                            std::pair{"m", int64_t{60000}}, std::pair{"s", int64_t{1000}}})
    if (ms != 0 && ms % size == 0) return std::to_string(ms / size) + unit;
  return std::to_string(ms) + "ms";
}

std::string roles_text(const host_config& h) {
  std::string out;
  for (auto [on, name] : {std::pair{h.storage, "storage"}, std::pair{h.meta, "meta"},
                          std::pair{h.coordinator, "coordinator"}})
    if (on) out += (out.empty() ? "" : ", ") + std::string(name);
  return "[" + out + "]";
}

status validate_orphan_gc(const cluster_config& c) {
  if (c.pending_ttl_ms <= 0) return invalid("cluster.pending_ttl must be positive");
  if (c.orphan_grace_ms <= c.pending_ttl_ms)
    return invalid("cluster.orphan_grace (" + format_duration(c.orphan_grace_ms) +
                   ") must exceed cluster.pending_ttl (" + format_duration(c.pending_ttl_ms) +
                   "): a chunk of a pending inode must not be judged an orphan before its "
                   "inode expired");
  if (c.orphan_scan_interval_ms <= 0)
    return invalid("cluster.orphan_scan_interval must be positive");
  return ok_status();
}

status validate_membership(const cluster_config& c) {
  if (c.heartbeat_interval_ms <= 0) return invalid("cluster.heartbeat_interval must be positive");
  if (c.observers == 0 || c.observers > 16) return invalid("cluster.observers must be 1..16");
  if (!(c.phi_threshold > 0 && c.phi_threshold < 1000))
    return invalid("cluster.phi_threshold must be in (0, 1000)");
  if (c.accusation_ttl_ms <= c.heartbeat_interval_ms)
    return invalid(
        "cluster.accusation_ttl must exceed cluster.heartbeat_interval: observers "
        "repeat their accusations once per heartbeat interval");
  if (c.out_interval_ms <= 0) return invalid("cluster.out_interval must be positive");
  if (c.repair_inflight == 0) return invalid("cluster.repair_inflight must be positive");
  if (c.repair_bandwidth == 0 || c.scrub_rate == 0)
    return invalid("cluster.repair_bandwidth and cluster.scrub_rate must be positive");
  return ok_status();
}

status validate_transport(const cluster_config& c) {
  if (c.connections_per_ip_max < 1)
    return invalid("cluster.connections_per_ip_max must be at least 1");
  for (auto [key, ms] : {std::pair{"handshake_timeout", c.handshake_timeout_ms},
                         std::pair{"idle_timeout", c.idle_timeout_ms},
                         std::pair{"frame_timeout", c.frame_timeout_ms}})
    if (ms <= 0) return invalid(std::string("cluster.") + key + " must be positive");
  if (c.peer_queue_bytes_max == 0) return invalid("cluster.peer_queue_max must be positive");
  return ok_status();
}

status validate(cluster_config& c) {
  if (c.hosts.empty()) return invalid("no [[hosts]] configured");
  std::set<host_id> ids;
  std::set<std::string> names;
  std::vector<std::string> coordinators;
  size_t storage_hosts = 0, meta_hosts = 0;
  for (auto& h : c.hosts) {
    if (h.id == 0 || h.id == client_host) return invalid("host id must be between 1 and 2^32-2");
    if (!ids.insert(h.id).second) return invalid("duplicate host id " + std::to_string(h.id));
    if (h.name.empty() || !names.insert(h.name).second)
      return invalid("host names must be unique and non-empty");
    storage_hosts += h.storage;
    meta_hosts += h.meta;
    if (h.coordinator) coordinators.push_back(h.name);
  }
  if (coordinators.size() > 1)
    return invalid("at most one host may have the coordinator role (" + coordinators[0] + " and " +
                   coordinators[1] + " have it)");
  if (meta_hosts == 0) return invalid("no host has the meta role");
  if (c.min_replicas < 1 || c.min_replicas > c.final_replicas)
    return invalid("need 1 <= min_replicas <= final_replicas");
  if (c.final_replicas > storage_hosts)
    return invalid("final_replicas exceeds the number of storage hosts");
  // A chunk travels in one frame, and clients accept frames up to 64 MiB.
  if (c.chunk_size < 4096 || c.chunk_size > (63u << 20))
    return invalid("chunk_size must be between 4KiB and 63MiB");
  if (c.frame_bytes_max != 0 && c.frame_bytes_max < c.chunk_size + (64u << 10))
    return invalid(
        "frame_bytes_max must exceed chunk_size by at least 64KiB (a chunk and its "
        "envelope travel in one frame)");
  if (c.shards < 1 || c.shards > 1024) return invalid("shards must be between 1 and 1024");
  if (auto st = validate_orphan_gc(c); !st) return st;
  if (auto st = validate_membership(c); !st) return st;
  return validate_transport(c);
}

// A misspelt key would otherwise be ignored silently and its default used.
status reject_unknown_keys(const toml::table& table, std::initializer_list<std::string_view> known,
                           const std::string& where, const std::string& source) {
  for (auto& [key, node] : table) {
    bool ok = false;
    for (auto k : known) ok |= key.str() == k;
    if (!ok)
      return invalid(describe(node.source(), source) + ": unknown key \"" + std::string(key.str()) +
                     "\" in " + where);
  }
  return ok_status();
}

status reject_unknown_cluster_keys(const toml::table& ct, const std::string& source) {
  return reject_unknown_keys(
      ct,
      {"name", "data_dir", "listen", "chunk_size", "frame_bytes_max", "min_replicas",
       "final_replicas", "shards", "request_timeout_ms", "group_commit_max", "connections_max",
       "log_level", "pending_ttl", "orphan_grace", "orphan_scan_interval", "heartbeat_interval",
       "observers", "phi_threshold", "heartbeat_pause", "accusation_ttl", "out_interval",
       "repair_inflight", "repair_bandwidth", "scrub_rate", "scrub_interval",
       // Multi-host (docs/operations.md, "Configure").
       "secret_file", "seeds", "admin_listen", "tls_cert", "tls_key", "tls_ca",
       "connections_per_ip_max", "handshake_timeout", "idle_timeout", "frame_timeout",
       "peer_queue_max"},
      "[cluster]", source);
}

// The keys every cairnd has had: storage, replication, GC, failure detection, repair.
status parse_cluster_core(toml::node_view<const toml::node> cl, cluster_config& c) {
  c.name = cl["name"].value_or(c.name);
  c.data_dir = cl["data_dir"].value_or(c.data_dir);
  std::string listen = cl["listen"].value_or(std::string("127.0.0.1:7400"));
  auto endpoint = parse_endpoint(listen);
  if (!endpoint) return invalid("cluster.listen: " + endpoint.err().message);
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
  return ok_status();
}

status parse_seeds(toml::node_view<const toml::node> node, cluster_config& c) {
  if (!node) return ok_status();
  auto* seeds = node.as_array();
  if (!seeds) return invalid("cluster.seeds must be an array of \"HOST:PORT\" strings");
  for (auto& seed : *seeds) {
    auto text = seed.value_exact<std::string>();
    if (!text) return invalid("cluster.seeds must be an array of \"HOST:PORT\" strings");
    if (auto endpoint = parse_advertised(*text, "cluster.seeds"); !endpoint) return endpoint.err();
    c.seeds.push_back(*text);
  }
  return ok_status();
}

// The keys a cluster spread over hosts adds: who may connect, and the transport's limits.
// Paths stay as written here; parse_config resolves them against the config's directory.
status parse_cluster_multi_host(toml::node_view<const toml::node> cl, cluster_config& c) {
  for (auto [key, field] :
       {std::pair{"secret_file", &c.secret_file}, std::pair{"admin_listen", &c.admin_listen},
        std::pair{"tls_cert", &c.tls.cert_file}, std::pair{"tls_key", &c.tls.key_file},
        std::pair{"tls_ca", &c.tls.ca_file}}) {
    auto text = read_string(cl[key], std::string("cluster.") + key);
    if (!text) return text.err();
    if (*text) *field = **text;
  }
  if (!c.admin_listen.empty())
    if (auto e = parse_endpoint(c.admin_listen); !e)
      return invalid("cluster.admin_listen: " + e.err().message);
  if (auto st = parse_seeds(cl["seeds"], c); !st) return st;
  if (auto node = cl["connections_per_ip_max"]) {
    auto v = node.value_exact<int64_t>();
    if (!v || *v < 1 || *v > int64_t{UINT32_MAX})
      return invalid("cluster.connections_per_ip_max must be an integer of at least 1");
    c.connections_per_ip_max = static_cast<uint32_t>(*v);
  }
  for (auto [key, field] : {std::pair{"handshake_timeout", &c.handshake_timeout_ms},
                            std::pair{"idle_timeout", &c.idle_timeout_ms},
                            std::pair{"frame_timeout", &c.frame_timeout_ms}}) {
    auto ms = read_duration_ms(cl[key], *field, std::string("cluster.") + key);
    if (!ms) return ms.err();
    *field = *ms;
  }
  auto queue = read_size(cl["peer_queue_max"], c.peer_queue_bytes_max, "cluster.peer_queue_max");
  if (!queue) return queue.err();
  c.peer_queue_bytes_max = *queue;
  return ok_status();
}

// Sets h's role flags from a roles array ("storage", "meta", "coordinator").
status parse_roles(toml::node_view<const toml::node> node, host_config& h, const std::string& key) {
  if (!node) return ok_status();
  auto* roles = node.as_array();
  if (!roles) return invalid(key + " must be an array of role names");
  h.storage = h.meta = h.coordinator = false;
  for (auto& r : *roles) {
    auto role = r.value_or(std::string{});
    if (role == "storage")
      h.storage = true;
    else if (role == "meta")
      h.meta = true;
    else if (role == "coordinator")
      h.coordinator = true;
    else
      return invalid("unknown role \"" + role + "\" on host " + h.name +
                     " (use storage, meta, coordinator)");
  }
  return ok_status();
}

// Labels a host's placement uses; missing ones are "default", unknown ones an error
// (a misspelt rack would silently put replicas in one rack).
result<topology_labels> parse_labels(toml::node_view<const toml::node> node,
                                     const std::string& host_name, const std::string& source) {
  topology_labels labels;
  labels.host = host_name;
  const toml::table* lt = node.as_table();
  if (node && !lt) return invalid("labels of host " + host_name + " must be a table");
  if (lt) {
    auto st = reject_unknown_keys(*lt, {"region", "dc", "cluster", "rack"},
                                  "labels of host " + host_name, source);
    if (!st) return st.err();
  }
  for (auto [key, field] :
       {std::pair{"region", &labels.region}, std::pair{"dc", &labels.dc},
        std::pair{"cluster", &labels.cluster}, std::pair{"rack", &labels.rack}}) {
    auto text = read_string(node[key], "labels." + std::string(key) + " of host " + host_name);
    if (!text) return text.err();
    *field = text->value_or("default");
  }
  return labels;
}

bool same_labels(const topology_labels& a, const topology_labels& b) {
  return a.region == b.region && a.dc == b.dc && a.cluster == b.cluster && a.rack == b.rack;
}

result<host_id> parse_host_id(toml::node_view<const toml::node> node, const std::string& key) {
  auto v = node.value_exact<int64_t>();
  if (!v || *v < 1 || *v >= int64_t{client_host})
    return invalid(key + " must be between 1 and 2^32-2");
  return static_cast<host_id>(*v);
}

// One [[hosts]] entry: a founding member.
result<host_config> parse_founding_host(const toml::table& ht, const fs::path& data,
                                        const std::string& source) {
  auto st =
      reject_unknown_keys(ht, {"id", "name", "roles", "labels", "capacity", "data_dir", "address"},
                          "[[hosts]]", source);
  if (!st) return st.err();
  host_config h;
  h.name = ht["name"].value_or(std::string{});
  if (ht["id"]) {
    auto id = parse_host_id(ht["id"], "hosts.id of " + h.name);
    if (!id) return id.err();
    h.id = *id;
  }  // else 0, which validate() rejects
  if (auto roles = parse_roles(ht["roles"], h, "hosts.roles of " + h.name); !roles)
    return roles.err();
  auto labels = parse_labels(ht["labels"], h.name, source);
  if (!labels) return labels.err();
  h.labels = *labels;
  auto cap = read_size(ht["capacity"], 0, "hosts.capacity");
  if (!cap) return cap.err();
  h.capacity_bytes = *cap;
  fs::path dir(ht["data_dir"].value_or(h.name));
  if (dir.is_relative()) dir = data / dir;
  h.data_dir = dir.lexically_normal().string();
  auto address = read_string(ht["address"], "hosts.address of " + h.name);
  if (!address) return address.err();
  if (*address) {
    if (auto e = parse_advertised(**address, "hosts.address of " + h.name); !e) return e.err();
    h.address = **address;
  }
  return h;
}

// [host] names a founding member: it may repeat, never change, what [[hosts]] says.
status adopt_founding_host(const toml::table& ht, const host_config& founding, cluster_config& c,
                           const std::string& source) {
  const std::string entry = founding.name + "'s [[hosts]] entry";
  const std::string why = ": a founding host is defined by its [[hosts]] entry";
  host_config local = founding;
  if (ht["id"]) {
    auto id = parse_host_id(ht["id"], "host.id");
    if (!id) return id.err();
    if (*id != founding.id)
      return invalid("host.id (" + std::to_string(*id) + ") differs from " + entry + " (" +
                     std::to_string(founding.id) + ")" + why);
  }
  if (ht["roles"]) {
    host_config roles = founding;
    if (auto st = parse_roles(ht["roles"], roles, "host.roles"); !st) return st;
    if (roles.storage != founding.storage || roles.meta != founding.meta ||
        roles.coordinator != founding.coordinator)
      return invalid("host.roles " + roles_text(roles) + " differ from " + entry + " " +
                     roles_text(founding) + why);
  }
  if (ht["labels"]) {
    auto labels = parse_labels(ht["labels"], founding.name, source);
    if (!labels) return labels.err();
    if (!same_labels(*labels, founding.labels))
      return invalid("host.labels differ from " + entry + why);
  }
  if (ht["address"]) {
    auto address = read_string(ht["address"], "host.address");
    if (!address) return address.err();
    if (**address != founding.address)
      return invalid("host.address (\"" + **address + "\") differs from " + entry + " (\"" +
                     founding.address + "\")" + why);
  }
  // The quota is this host's own business: the cluster map does not carry it.
  auto cap = read_size(ht["capacity"], founding.capacity_bytes, "host.capacity");
  if (!cap) return cap.err();
  local.capacity_bytes = *cap;
  c.local = std::move(local);
  return ok_status();
}

// [host] names a host not among [[hosts]]: it joins a running cluster through the seeds,
// as a storage host (meta shards and the coordinator stay on founding members).
status admit_new_host(const toml::table& ht, const std::string& name, const fs::path& data,
                      cluster_config& c, const std::string& source) {
  const std::string is_new = " (" + name + " is not among [[hosts]])";
  host_config h;
  h.name = name;
  if (!ht["id"]) return invalid("host.id is required for a new host" + is_new);
  auto id = parse_host_id(ht["id"], "host.id");
  if (!id) return id.err();
  h.id = *id;
  for (auto& f : c.hosts)
    if (f.id == h.id)
      return invalid("host.id " + std::to_string(h.id) + " is already the id of founding host " +
                     f.name);
  h.meta = false;
  if (auto st = parse_roles(ht["roles"], h, "host.roles"); !st) return st;
  if (h.meta || h.coordinator)
    return invalid(
        std::string("host.roles: a new host runs storage only; it holds no meta shard ") +
        "and cannot be the coordinator (remove \"" + (h.meta ? "meta" : "coordinator") + "\")" +
        is_new);
  if (!h.storage) return invalid("host.roles: a new host must have the storage role" + is_new);
  auto labels = parse_labels(ht["labels"], name, source);
  if (!labels) return labels.err();
  h.labels = *labels;
  auto cap = read_size(ht["capacity"], 0, "host.capacity");
  if (!cap) return cap.err();
  h.capacity_bytes = *cap;
  auto address = read_string(ht["address"], "host.address");
  if (!address) return address.err();
  if (!*address)
    return invalid(
        "host.address is required for a new host: the HOST:PORT its peers and "
        "clients reach it at" +
        is_new);
  if (auto e = parse_advertised(**address, "host.address"); !e) return e.err();
  h.address = **address;
  h.data_dir = (data / name).lexically_normal().string();
  if (c.seeds.empty())
    return invalid("cluster.seeds is required for a new host" + is_new +
                   ": list the HOST:PORT of hosts already running");
  c.local = std::move(h);
  return ok_status();
}

// Every host must be reachable at a distinct advertised address.
status validate_addresses(const cluster_config& c) {
  std::map<std::string, std::string> owner;  // address -> host name
  std::vector<const host_config*> all;
  for (auto& h : c.hosts) all.push_back(&h);
  bool local_is_new = std::none_of(c.hosts.begin(), c.hosts.end(),
                                   [&](const host_config& h) { return h.id == c.local->id; });
  if (local_is_new) all.push_back(&*c.local);
  for (auto* h : all) {
    if (h->address.empty())
      return invalid(
          "hosts.address is required for every [[hosts]] entry when [host] is present (" + h->name +
          " has none)");
    auto [it, fresh] = owner.emplace(h->address, h->name);
    if (!fresh)
      return invalid("address " + h->address + " is given to both " + it->second + " and " +
                     h->name);
  }
  return ok_status();
}

// [host]: this process runs one host. Sets c.local and the address it listens on.
status parse_local_host(const toml::table& ht, const fs::path& data, cluster_config& c,
                        const std::string& source) {
  auto st = reject_unknown_keys(
      ht, {"name", "listen", "admin_listen", "id", "roles", "labels", "capacity", "address"},
      "[host]", source);
  if (!st) return st;
  auto name = read_string(ht["name"], "host.name");
  if (!name) return name.err();
  if (!*name || (*name)->empty()) return invalid("host.name is required in [host]");
  auto founding = std::find_if(c.hosts.begin(), c.hosts.end(),
                               [&](const host_config& h) { return h.name == **name; });
  st = founding != c.hosts.end() ? adopt_founding_host(ht, *founding, c, source)
                                 : admit_new_host(ht, **name, data, c, source);
  if (!st) return st;
  if (st = validate_addresses(c); !st) return st;

  auto listen = read_string(ht["listen"], "host.listen");
  if (!listen) return listen.err();
  auto endpoint = parse_endpoint(listen->value_or(c.local->address));
  if (!endpoint) return invalid("host.listen: " + endpoint.err().message);
  c.listen_host = endpoint->first;
  c.listen_port = endpoint->second;
  auto admin = read_string(ht["admin_listen"], "host.admin_listen");
  if (!admin) return admin.err();
  if (*admin) {
    if (auto e = parse_endpoint(**admin); !e)
      return invalid("host.admin_listen: " + e.err().message);
    c.admin_listen = **admin;
  }
  return ok_status();
}

// REQUIRES: path is absolute. The bytes of the file, surrounding whitespace trimmed.
result<std::string> read_secret(const std::string& path) {
  const std::string file = "cluster.secret_file " + path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return invalid("cannot read " + file + ": " + std::strerror(errno));
  struct stat st {};
  std::string text;
  std::string problem;
  if (::fstat(fd, &st) != 0) {
    problem = std::string("cannot stat it: ") + std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    problem = "is not a regular file";
  } else if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(st.st_mode & 0777));
    problem = std::string("is readable or writable by group or others (mode ") + mode +
              "); run chmod 600 " + path;
  } else {
    char buf[secret_bytes_max + 1];
    ssize_t n = 0;
    while (text.size() <= secret_bytes_max && (n = ::read(fd, buf, sizeof buf - text.size())) > 0)
      text.append(buf, static_cast<size_t>(n));
    if (n < 0) problem = std::string("cannot read it: ") + std::strerror(errno);
  }
  ::close(fd);
  if (!problem.empty()) return invalid(file + " " + problem);
  if (text.size() > secret_bytes_max)
    return invalid(file + " is larger than " + std::to_string(secret_bytes_max) + " bytes");
  const char* space = " \t\r\n\v\f";
  auto first = text.find_first_not_of(space);
  text = first == std::string::npos ? ""
                                    : text.substr(first, text.find_last_not_of(space) - first + 1);
  if (text.size() < secret_bytes_min)
    return invalid(file + " holds " + std::to_string(text.size()) +
                   " bytes; a secret needs at least " + std::to_string(secret_bytes_min) +
                   " (head -c 32 /dev/urandom | base64)");
  return text;
}

status resolve_tls(tls_config& tls, const fs::path& base) {
  std::vector<std::pair<const char*, std::string*>> files = {
      {"tls_cert", &tls.cert_file}, {"tls_key", &tls.key_file}, {"tls_ca", &tls.ca_file}};
  size_t given = 0;
  for (auto& [key, file] : files) given += !file->empty();
  if (given == 0) return ok_status();
  for (auto& [key, file] : files) {
    if (given != files.size() && file->empty())
      return invalid(std::string("cluster.tls_cert, cluster.tls_key and cluster.tls_ca go ") +
                     "together: all three or none (" + key + " is missing)");
    *file = resolve_path(*file, base);
    std::error_code ec;
    if (!fs::is_regular_file(*file, ec) || ::access(file->c_str(), R_OK) != 0)
      return invalid(std::string("cluster.") + key + ": cannot read " + *file);
  }
  return ok_status();
}

// The secret and TLS files, relative to the config file's directory.
status load_credentials(cluster_config& c, const fs::path& base) {
  if (c.secret_file.empty()) {
    if (c.multi_host()) return invalid("cluster.secret_file is required when [host] is present");
  } else {
    c.secret_file = resolve_path(c.secret_file, base);
    auto secret = read_secret(c.secret_file);
    if (!secret) return secret.err();
    c.secret = std::move(*secret);
  }
  return resolve_tls(c.tls, base);
}

}  // namespace

result<std::string> read_secret_file(const std::string& path) { return read_secret(path); }

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
    return invalid("\"" + text + "\" is not HOST:PORT");
  return std::make_pair(text.substr(0, colon), static_cast<uint16_t>(std::stoul(port_text)));
}

result<uint64_t> parse_size(const std::string& text) {
  size_t i = 0;
  uint64_t n = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (n > (uint64_t{1} << 53)) return invalid("size too large");
    n = n * 10 + static_cast<uint64_t>(text[i++] - '0');
  }
  if (i == 0) return invalid("size \"" + text + "\" has no number");
  std::string unit = text.substr(i);
  if (unit.empty() || unit == "B") return n;
  if (unit == "KiB" || unit == "K") return n << 10;
  if (unit == "MiB" || unit == "M") return n << 20;
  if (unit == "GiB" || unit == "G") return n << 30;
  return invalid("unknown size unit \"" + unit + "\" (use B, KiB, MiB or GiB)");
}

result<int64_t> parse_duration_ms(const std::string& text) {
  size_t i = 0;
  int64_t n = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (n > (int64_t{1} << 40)) return invalid("duration too long");
    n = n * 10 + (text[i++] - '0');
  }
  if (i == 0) return invalid("duration \"" + text + "\" has no number");
  std::string unit = text.substr(i);
  if (unit == "ms") return n;
  if (unit.empty() || unit == "s") return n * 1000;
  if (unit == "m") return n * 60 * 1000;
  if (unit == "h") return n * 3600 * 1000;
  if (unit == "d") return n * 24 * 3600 * 1000;
  return invalid("unknown duration unit \"" + unit + "\" (use ms, s, m, h or d)");
}

result<cluster_config> parse_config(const std::string& text, const std::string& source,
                                    const std::string& cwd) {
  toml::table t;
  try {
    t = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return invalid(describe(e.source(), source) + ": " + std::string(e.description()));
  }
  cluster_config c;
  if (auto st = reject_unknown_keys(t, {"cluster", "hosts", "host"}, "the file", source); !st)
    return st.err();
  const toml::table& root = t;
  if (auto* ct = root["cluster"].as_table())
    if (auto st = reject_unknown_cluster_keys(*ct, source); !st) return st.err();
  if (auto st = parse_cluster_core(root["cluster"], c); !st) return st.err();
  if (auto st = parse_cluster_multi_host(root["cluster"], c); !st) return st.err();

  fs::path data(c.data_dir);
  if (data.is_relative()) data = fs::path(cwd) / data;
  c.data_dir = data.lexically_normal().string();

  if (auto* hosts = root["hosts"].as_array()) {
    for (auto& node : *hosts) {
      auto* ht = node.as_table();
      if (!ht) return invalid("each [[hosts]] entry must be a table");
      auto h = parse_founding_host(*ht, data, source);
      if (!h) return h.err();
      c.hosts.push_back(std::move(*h));
    }
  }
  if (auto st = validate(c); !st) return st.err();

  if (auto host = root["host"]) {
    auto* ht = host.as_table();
    if (!ht) return invalid("[host] must be a table");
    if (auto st = parse_local_host(*ht, data, c, source); !st) return st.err();
  } else {
    // One process: every host is local, so addresses are not used (a file may be shared).
    for (auto& h : c.hosts) h.address.clear();
  }
  if (auto st = load_credentials(c, config_dir(source, cwd)); !st) return st.err();
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
