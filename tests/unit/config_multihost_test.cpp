// Multi-host configuration: [host], the founding [[hosts]] with addresses, the cluster
// secret, TLS files, transport limits, and the example configs in examples/.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/config.hpp"
#include "storage_test_dir.hpp"

using namespace cairn;

namespace {

namespace fs = std::filesystem;

// Writes `text` to dir/name with `mode`; returns the path.
std::string write_file(const std::string& dir, const std::string& name, const std::string& text,
                       mode_t mode = 0600) {
  std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::trunc) << text;
  ::chmod(path.c_str(), mode);
  return path;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Three founding hosts with addresses; host-a coordinates. `cluster_extra` goes into
// [cluster], `tail` after the [[hosts]] (usually a [host] section).
std::string cluster_text(const std::string& cluster_extra, const std::string& tail) {
  return "[cluster]\nname = \"prod\"\ndata_dir = \"data\"\n" + cluster_extra + R"(
[[hosts]]
id = 1
name = "host-a"
roles = ["storage", "meta", "coordinator"]
labels = { region = "eu", dc = "dc1", cluster = "c1", rack = "r1" }
address = "10.0.0.1:7400"
[[hosts]]
id = 2
name = "host-b"
roles = ["storage", "meta"]
labels = { region = "eu", dc = "dc1", cluster = "c1", rack = "r2" }
address = "10.0.0.2:7400"
[[hosts]]
id = 3
name = "host-c"
labels = { region = "eu", dc = "dc1", cluster = "c1", rack = "r3" }
address = "10.0.0.3:7400"
)" + tail;
}

// A config directory holding a good secret ("secret", relative to the config file).
struct config_dir {
  test::temp_dir dir;
  config_dir() { write_file(dir.path(), "secret", "  0123456789abcdef0123\n", 0600); }
  std::string source() const { return dir.path() + "/host.toml"; }
  result<cluster_config> parse(const std::string& cluster_extra, const std::string& tail) const {
    return parse_config(cluster_text(cluster_extra, tail), source(), "/srv");
  }
  // Multi-host with the secret: `cluster_extra` and a [host] section body.
  result<cluster_config> host(const std::string& host_body,
                              const std::string& cluster_extra = "") const {
    return parse("secret_file = \"secret\"\n" + cluster_extra, "[host]\n" + host_body);
  }
};

// Replaces the value of `key = ...` on its own line; returns how many lines changed.
int replace_value(std::string& text, const std::string& key, const std::string& value) {
  std::istringstream in(text);
  std::string line, out;
  int changed = 0;
  while (std::getline(in, line)) {
    if (line.rfind(key + " = ", 0) == 0) {
      line = key + " = " + value;
      ++changed;
    }
    out += line + "\n";
  }
  text = out;
  return changed;
}

fs::path source_root() { return fs::path(__FILE__).parent_path().parent_path().parent_path(); }

}  // namespace

TEST_CASE("a founding host's [host] selects its [[hosts]] entry and listens on its address") {
  config_dir d;
  auto c = d.host("name = \"host-b\"\n");
  REQUIRE(c.ok());
  CHECK(c->multi_host());
  REQUIRE(c->hosts.size() == 3);
  CHECK(c->local->id == 2);
  CHECK(c->local->name == "host-b");
  CHECK(c->local->data_dir == "/srv/data/host-b");
  CHECK(c->local->address == "10.0.0.2:7400");
  CHECK(c->local->labels.rack == "r2");
  CHECK(c->local->meta);
  CHECK_FALSE(c->local->coordinator);
  CHECK(c->hosts[0].address == "10.0.0.1:7400");  // kept: peers dial it
  CHECK(c->listen_host == "10.0.0.2");
  CHECK(c->listen_port == 7400);
  CHECK(c->secret == "0123456789abcdef0123");  // surrounding whitespace trimmed
  CHECK(c->secret_file == d.dir.path() + "/secret");
  CHECK(c->admin_listen.empty());
  CHECK(c->seeds.empty());  // founding hosts need none

  auto bound =
      d.host("name = \"host-b\"\nlisten = \"0.0.0.0:7500\"\nadmin_listen = \"127.0.0.1:9500\"\n",
             "admin_listen = \"127.0.0.1:9400\"\n");
  REQUIRE(bound.ok());
  CHECK(bound->listen_host == "0.0.0.0");
  CHECK(bound->listen_port == 7500);
  CHECK(bound->admin_listen == "127.0.0.1:9500");  // [host] overrides [cluster]
  auto cluster_admin = d.host("name = \"host-b\"\n", "admin_listen = \"127.0.0.1:9400\"\n");
  REQUIRE(cluster_admin.ok());
  CHECK(cluster_admin->admin_listen == "127.0.0.1:9400");
  auto bad_listen = d.host("name = \"host-b\"\nlisten = \"nowhere\"\n");
  CHECK(bad_listen.code() == errc::invalid_argument);
  CHECK(contains(bad_listen.err().message, "host.listen"));
  auto bad_admin = d.host("name = \"host-b\"\n", "admin_listen = \"9400\"\n");
  CHECK(bad_admin.code() == errc::invalid_argument);
  CHECK(contains(bad_admin.err().message, "cluster.admin_listen"));
  auto no_name = d.host("listen = \"0.0.0.0:7400\"\n");
  CHECK(no_name.code() == errc::invalid_argument);
  CHECK(no_name.err().message == "host.name is required in [host]");
}

TEST_CASE("one process accepts addresses and ignores them, and needs no secret") {
  config_dir d;
  auto c = d.parse("admin_listen = \"127.0.0.1:9400\"\n", "");
  REQUIRE(c.ok());
  CHECK_FALSE(c->multi_host());
  CHECK(c->hosts[1].address.empty());
  CHECK(c->secret.empty());
  CHECK(c->admin_listen == "127.0.0.1:9400");
  CHECK(c->listen_port == 7400);  // [cluster] listen's default
  // A secret named in one process is still read and checked.
  auto with_secret = d.parse("secret_file = \"secret\"\n", "");
  REQUIRE(with_secret.ok());
  CHECK(with_secret->secret == "0123456789abcdef0123");
  // A malformed address is caught even where it is not used: the file may be shared.
  auto bad = parse_config(
      "[[hosts]]\nid = 1\nname = \"a\"\naddress = \"10.0.0.1\"\n[cluster]\nmin_replicas = 1\n"
      "final_replicas = 1\n",
      "t.toml", "/");
  CHECK(bad.code() == errc::invalid_argument);
  CHECK(contains(bad.err().message, "hosts.address of a"));
}

TEST_CASE("the coordinator role is held by at most one host, else the first host coordinates") {
  config_dir d;
  auto c = d.parse("", "");
  REQUIRE(c.ok());
  CHECK(c->hosts[0].coordinator);
  CHECK(c->coordinator_host().name == "host-a");
  auto text = cluster_text("", "");
  REQUIRE(replace_value(text, "roles", "[\"storage\", \"meta\"]") == 2);
  auto first = parse_config(text, "t.toml", "/");
  REQUIRE(first.ok());
  CHECK(first->coordinator_host().name == "host-a");
  REQUIRE(replace_value(text, "roles", "[\"storage\", \"meta\", \"coordinator\"]") == 2);
  auto two = parse_config(text, "t.toml", "/");
  CHECK(two.code() == errc::invalid_argument);
  CHECK(two.err().message ==
        "at most one host may have the coordinator role (host-a and host-b have it)");
  auto bad_role = parse_config("[[hosts]]\nid = 1\nname = \"a\"\nroles = [\"leader\"]\n", "t", "/");
  CHECK(bad_role.code() == errc::invalid_argument);
  CHECK(contains(bad_role.err().message, "unknown role \"leader\""));
}

TEST_CASE("a founding host's [host] may repeat but not change its id, roles, labels or address") {
  config_dir d;
  auto same = d.host(
      "name = \"host-a\"\nid = 1\nroles = [\"coordinator\", \"storage\", \"meta\"]\n"
      "labels = { region = \"eu\", dc = \"dc1\", cluster = \"c1\", rack = \"r1\" }\n"
      "address = \"10.0.0.1:7400\"\ncapacity = \"1GiB\"\n");
  REQUIRE(same.ok());
  CHECK(same->local->id == 1);
  CHECK(same->local->coordinator);
  CHECK(same->local->capacity_bytes == (uint64_t{1} << 30));  // a local quota
  CHECK(same->hosts[0].capacity_bytes == 0);

  auto id = d.host("name = \"host-a\"\nid = 7\n");
  CHECK(id.code() == errc::invalid_argument);
  CHECK(id.err().message ==
        "host.id (7) differs from host-a's [[hosts]] entry (1): a founding host is defined by "
        "its [[hosts]] entry");
  auto roles = d.host("name = \"host-a\"\nroles = [\"storage\", \"meta\"]\n");
  CHECK(roles.code() == errc::invalid_argument);
  CHECK(contains(roles.err().message,
                 "host.roles [storage, meta] differ from host-a's [[hosts]] entry "
                 "[storage, meta, coordinator]"));
  auto labels = d.host("name = \"host-a\"\nlabels = { rack = \"r1\" }\n");
  CHECK(labels.code() == errc::invalid_argument);
  CHECK(contains(labels.err().message, "host.labels differ from host-a's [[hosts]] entry"));
  auto address = d.host("name = \"host-a\"\naddress = \"10.0.0.9:7400\"\n");
  CHECK(address.code() == errc::invalid_argument);
  CHECK(contains(address.err().message,
                 "host.address (\"10.0.0.9:7400\") differs from host-a's [[hosts]] entry "
                 "(\"10.0.0.1:7400\")"));
}

TEST_CASE("a new host joins through the seeds as a storage host with its own id and address") {
  config_dir d;
  const std::string seeds = "seeds = [\"10.0.0.1:7400\", \"10.0.0.2:7400\"]\n";
  const std::string new_host =
      "name = \"host-d\"\nid = 4\nlabels = { rack = \"r4\" }\naddress = \"10.0.0.4:7400\"\n";
  auto c = d.host(new_host + "capacity = \"2GiB\"\n", seeds);
  REQUIRE(c.ok());
  CHECK(c->hosts.size() == 3);  // founding members only
  CHECK(c->local->id == 4);
  CHECK(c->local->storage);
  CHECK_FALSE(c->local->meta);
  CHECK_FALSE(c->local->coordinator);
  CHECK(c->local->labels.rack == "r4");
  CHECK(c->local->labels.region == "default");
  CHECK(c->local->labels.host == "host-d");
  CHECK(c->local->capacity_bytes == (uint64_t{2} << 30));
  CHECK(c->local->data_dir == "/srv/data/host-d");
  CHECK(c->local->address == "10.0.0.4:7400");
  CHECK(c->listen_host == "10.0.0.4");
  CHECK(c->seeds.size() == 2);
  CHECK(d.host(new_host + "roles = [\"storage\"]\n", seeds).ok());

  auto expect = [&](const std::string& body, const std::string& cluster, const std::string& msg) {
    auto r = d.host(body, cluster);
    CHECK(r.code() == errc::invalid_argument);
    if (!r.ok()) CHECK_MESSAGE(contains(r.err().message, msg), r.err().message);
  };
  expect("name = \"host-d\"\naddress = \"10.0.0.4:7400\"\n", seeds,
         "host.id is required for a new host (host-d is not among [[hosts]])");
  expect("name = \"host-d\"\nid = 2\naddress = \"10.0.0.4:7400\"\n", seeds,
         "host.id 2 is already the id of founding host host-b");
  expect("name = \"host-d\"\nid = 0\naddress = \"10.0.0.4:7400\"\n", seeds,
         "host.id must be between 1 and 2^32-2");
  expect(new_host + "roles = [\"storage\", \"meta\"]\n", seeds,
         "host.roles: a new host runs storage only; it holds no meta shard and cannot be the "
         "coordinator (remove \"meta\")");
  expect(new_host + "roles = [\"storage\", \"coordinator\"]\n", seeds, "(remove \"coordinator\")");
  expect(new_host + "roles = []\n", seeds, "host.roles: a new host must have the storage role");
  expect("name = \"host-d\"\nid = 4\n", seeds, "host.address is required for a new host");
  expect(new_host, "", "cluster.seeds is required for a new host (host-d is not among [[hosts]])");
  expect("name = \"host-d\"\nid = 4\naddress = \"10.0.0.1:7400\"\n", seeds,
         "address 10.0.0.1:7400 is given to both host-a and host-d");
}

TEST_CASE("multi-host addresses and seeds are reachable endpoints, one address per host") {
  config_dir d;
  auto same = cluster_text("secret_file = \"secret\"\n", "[host]\nname = \"host-a\"\n");
  REQUIRE(replace_value(same, "address", "\"10.0.0.3:7400\"") == 3);
  auto dup = parse_config(same, d.source(), "/");
  CHECK(dup.code() == errc::invalid_argument);
  CHECK(dup.err().message == "address 10.0.0.3:7400 is given to both host-a and host-b");

  std::string text = cluster_text("secret_file = \"secret\"\n", "[host]\nname = \"host-a\"\n");
  const std::string line_c = "address = \"10.0.0.3:7400\"\n";
  text.erase(text.rfind(line_c), line_c.size());
  auto none = parse_config(text, d.source(), "/");
  CHECK(none.code() == errc::invalid_argument);
  CHECK(none.err().message ==
        "hosts.address is required for every [[hosts]] entry when [host] is present (host-c has "
        "none)");

  for (auto [seeds, msg] :
       {std::pair{"seeds = [\"10.0.0.1\"]", "cluster.seeds: \"10.0.0.1\" is not HOST:PORT"},
        std::pair{"seeds = [\"10.0.0.1:0\"]", "needs a non-zero port"},
        std::pair{"seeds = [\"0.0.0.0:7400\"]", "is a wildcard"},
        std::pair{"seeds = \"10.0.0.1:7400\"", "cluster.seeds must be an array"},
        std::pair{"seeds = [7400]", "cluster.seeds must be an array"}}) {
    auto r = d.host("name = \"host-a\"\n", std::string(seeds) + "\n");
    CHECK(r.code() == errc::invalid_argument);
    if (!r.ok()) CHECK_MESSAGE(contains(r.err().message, msg), r.err().message);
  }
  auto wildcard = cluster_text("secret_file = \"secret\"\n", "[host]\nname = \"host-a\"\n");
  REQUIRE(replace_value(wildcard, "address", "\"0.0.0.0:7400\"") == 3);
  auto w = parse_config(wildcard, d.source(), "/");
  CHECK(w.code() == errc::invalid_argument);
  CHECK(contains(w.err().message, "hosts.address of host-a: \"0.0.0.0:7400\" is a wildcard"));
}

TEST_CASE("the cluster secret is a private file of at least 16 bytes beside the config") {
  config_dir d;
  auto required = d.parse("", "[host]\nname = \"host-a\"\n");
  CHECK(required.code() == errc::invalid_argument);
  CHECK(required.err().message == "cluster.secret_file is required when [host] is present");

  auto with_secret = [&](const std::string& file) {
    return d.parse("secret_file = \"" + file + "\"\n", "[host]\nname = \"host-a\"\n");
  };
  auto missing = with_secret("nope");
  CHECK(missing.code() == errc::invalid_argument);
  CHECK(missing.err().message ==
        "cannot read cluster.secret_file " + d.dir.path() + "/nope: No such file or directory");

  auto open = write_file(d.dir.path(), "open", "0123456789abcdef0123\n", 0644);
  auto shared = with_secret("open");
  CHECK(shared.code() == errc::invalid_argument);
  CHECK(shared.err().message == "cluster.secret_file " + open +
                                    " is readable or writable by group or others (mode 644); run "
                                    "chmod 600 " +
                                    open);
  write_file(d.dir.path(), "group", "0123456789abcdef0123\n", 0640);
  CHECK(with_secret("group").code() == errc::invalid_argument);

  auto short_path = write_file(d.dir.path(), "short", "\n 0123456789abcde \n");  // 15 bytes
  auto too_short = with_secret("short");
  CHECK(too_short.code() == errc::invalid_argument);
  CHECK(too_short.err().message == "cluster.secret_file " + short_path +
                                       " holds 15 bytes; a secret needs at least 16 (head -c 32 "
                                       "/dev/urandom | base64)");
  write_file(d.dir.path(), "exact", "0123456789abcdef");
  auto exact = with_secret("exact");
  REQUIRE(exact.ok());
  CHECK(exact->secret == "0123456789abcdef");
  write_file(d.dir.path(), "inner", "\t0123456789 abcdef\r\n");  // inner space is kept
  auto inner = with_secret("inner");
  REQUIRE(inner.ok());
  CHECK(inner->secret == "0123456789 abcdef");

  write_file(d.dir.path(), "huge", std::string(5000, 'x'));
  auto huge = with_secret("huge");
  CHECK(huge.code() == errc::invalid_argument);
  CHECK(contains(huge.err().message, "is larger than 4096 bytes"));
  fs::create_directory(d.dir.path() + "/dir");
  ::chmod((d.dir.path() + "/dir").c_str(), 0700);
  auto dir = with_secret("dir");
  CHECK(dir.code() == errc::invalid_argument);
  CHECK(contains(dir.err().message, "is not a regular file"));

  auto absolute = with_secret(d.dir.path() + "/exact");
  REQUIRE(absolute.ok());
  CHECK(absolute->secret_file == d.dir.path() + "/exact");
  // Relative to the config file's directory, not the working directory.
  fs::create_directories(d.dir.path() + "/run/etc");
  write_file(d.dir.path() + "/run", "secret", "fedcba9876543210\n");
  auto relative_source =
      parse_config(cluster_text("secret_file = \"../secret\"\n", "[host]\nname = \"host-a\"\n"),
                   "etc/host.toml", d.dir.path() + "/run");
  REQUIRE(relative_source.ok());
  CHECK(relative_source->secret_file == d.dir.path() + "/run/secret");
  CHECK(relative_source->secret == "fedcba9876543210");
}

TEST_CASE("tls files go together, resolve beside the config and must exist") {
  config_dir d;
  for (auto name : {"cert.pem", "key.pem", "ca.pem"}) write_file(d.dir.path(), name, "pem\n");
  const std::string all =
      "tls_cert = \"cert.pem\"\ntls_key = \"key.pem\"\ntls_ca = \"" + d.dir.path() + "/ca.pem\"\n";
  auto c = d.host("name = \"host-a\"\n", all);
  REQUIRE(c.ok());
  CHECK(c->tls.enabled());
  CHECK(c->tls.cert_file == d.dir.path() + "/cert.pem");
  CHECK(c->tls.key_file == d.dir.path() + "/key.pem");
  CHECK(c->tls.ca_file == d.dir.path() + "/ca.pem");
  auto plain = d.host("name = \"host-a\"\n");
  REQUIRE(plain.ok());
  CHECK_FALSE(plain->tls.enabled());

  auto partial = d.host("name = \"host-a\"\n", "tls_cert = \"cert.pem\"\ntls_ca = \"ca.pem\"\n");
  CHECK(partial.code() == errc::invalid_argument);
  CHECK(partial.err().message ==
        "cluster.tls_cert, cluster.tls_key and cluster.tls_ca go together: all three or none "
        "(tls_key is missing)");
  auto absent = d.host("name = \"host-a\"\n",
                       "tls_cert = \"cert.pem\"\ntls_key = \"nokey.pem\"\ntls_ca = \"ca.pem\"\n");
  CHECK(absent.code() == errc::invalid_argument);
  CHECK(absent.err().message == "cluster.tls_key: cannot read " + d.dir.path() + "/nokey.pem");
  auto not_string = d.host("name = \"host-a\"\n", "tls_cert = 5\n");
  CHECK(not_string.code() == errc::invalid_argument);
  CHECK(not_string.err().message == "cluster.tls_cert must be a string");
}

TEST_CASE("transport limits read durations and sizes and must be positive") {
  config_dir d;
  auto defaults = d.host("name = \"host-a\"\n");
  REQUIRE(defaults.ok());
  CHECK(defaults->connections_per_ip_max == 64);
  CHECK(defaults->handshake_timeout_ms == 5000);
  CHECK(defaults->idle_timeout_ms == 600000);
  CHECK(defaults->frame_timeout_ms == 30000);
  CHECK(defaults->peer_queue_bytes_max == (uint64_t{64} << 20));

  auto set = d.host("name = \"host-a\"\n",
                    "connections_per_ip_max = 8\nhandshake_timeout = \"2s\"\nidle_timeout = 90\n"
                    "frame_timeout = \"500ms\"\npeer_queue_max = \"16MiB\"\n");
  REQUIRE(set.ok());
  CHECK(set->connections_per_ip_max == 8);
  CHECK(set->handshake_timeout_ms == 2000);
  CHECK(set->idle_timeout_ms == 90000);
  CHECK(set->frame_timeout_ms == 500);
  CHECK(set->peer_queue_bytes_max == (uint64_t{16} << 20));

  for (auto [line, msg] :
       {std::pair{"connections_per_ip_max = 0",
                  "cluster.connections_per_ip_max must be an integer of at least 1"},
        std::pair{"connections_per_ip_max = \"8\"", "cluster.connections_per_ip_max"},
        std::pair{"handshake_timeout = \"0s\"", "cluster.handshake_timeout must be positive"},
        std::pair{"idle_timeout = \"10 min\"", "cluster.idle_timeout: unknown duration unit"},
        std::pair{"frame_timeout = -1", "cluster.frame_timeout must not be negative"},
        std::pair{"peer_queue_max = 0", "cluster.peer_queue_max must be positive"},
        std::pair{"peer_queue_max = \"64MB\"", "cluster.peer_queue_max: unknown size unit"}}) {
    auto r = d.host("name = \"host-a\"\n", std::string(line) + "\n");
    CHECK(r.code() == errc::invalid_argument);
    if (!r.ok()) CHECK_MESSAGE(contains(r.err().message, msg), r.err().message);
  }
}

TEST_CASE("unknown keys in [host] and in labels are rejected with their position") {
  config_dir d;
  auto host_key = d.host("name = \"host-a\"\nseeds = []\n");
  CHECK(host_key.code() == errc::invalid_argument);
  CHECK(contains(host_key.err().message, "unknown key \"seeds\" in [host]"));
  CHECK(contains(host_key.err().message, d.source() + ":"));
  auto label =
      d.host("name = \"host-d\"\nid = 4\naddress = \"10.0.0.4:7400\"\nlabels = { rak = \"r4\" }\n",
             "seeds = [\"10.0.0.1:7400\"]\n");
  CHECK(label.code() == errc::invalid_argument);
  CHECK(contains(label.err().message, "unknown key \"rak\" in labels of host host-d"));
  auto founding_label =
      parse_config("[[hosts]]\nid = 1\nname = \"a\"\nlabels = { Rack = \"r1\" }\n", "t.toml", "/");
  CHECK(founding_label.code() == errc::invalid_argument);
  CHECK(contains(founding_label.err().message, "t.toml:4"));
  auto array = d.parse("secret_file = \"secret\"\n", "[[host]]\nname = \"host-a\"\n");
  CHECK(array.code() == errc::invalid_argument);
  CHECK(array.err().message == "[host] must be a table");
}

// The examples are what operators copy: each must load as shipped, with only the secret's
// path swapped for a file this test can create.
TEST_CASE("every example config loads") {
  auto examples = source_root() / "examples";
  REQUIRE_MESSAGE(fs::is_directory(examples / "cluster-3host"), examples.string());
  test::temp_dir d;
  auto secret = write_file(d.path(), "secret", "c2VjcmV0IHNlY3JldCBzZWNyZXQgc2VjcmV0IQ==\n");

  std::vector<std::string> names;
  std::string shared_part;
  for (auto& entry : fs::directory_iterator(examples / "cluster-3host")) {
    if (entry.path().extension() != ".toml") continue;
    auto name = entry.path().stem().string();
    names.push_back(name);
    auto text = read_text(entry.path());
    // Everything above [host] is the same in every host's file.
    auto split = text.find("\n[host]\n");
    REQUIRE_MESSAGE(split != std::string::npos, name);
    auto above = text.substr(0, text.rfind("\n\n", split));
    if (shared_part.empty()) shared_part = above;
    CHECK_MESSAGE(above == shared_part, (name + ": the part above [host] differs"));

    REQUIRE_MESSAGE(replace_value(text, "secret_file", "\"" + secret + "\"") == 1, name);
    auto copy = write_file(d.path(), name + ".toml", text, 0644);
    auto c = load_config(copy, "/");
    REQUIRE_MESSAGE(c.ok(), (name + ": " + (c.ok() ? "" : c.err().to_string())));
    CHECK(c->multi_host());
    CHECK(c->local->name == name);
    CHECK(c->name == "prod");
    CHECK(c->hosts.size() == 3);
    CHECK(c->coordinator_host().name == "host-a");
    CHECK(c->secret.size() >= 16);
    CHECK(c->listen_port == 7400);
    CHECK(c->admin_listen == "127.0.0.1:9400");
    CHECK(c->local->data_dir == "/var/lib/cairn/" + name);
    bool founding = name != "host-d";
    CHECK(c->local->meta == founding);
    CHECK(c->local->address == "10.0.0." + std::to_string(name.back() - 'a' + 1) + ":7400");
  }
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"host-a", "host-b", "host-c", "host-d"});

  auto local = load_config((examples / "local.toml").string(), "/srv");
  REQUIRE_MESSAGE(local.ok(), (local.ok() ? "" : local.err().to_string()));
  CHECK_FALSE(local->multi_host());
  CHECK(local->hosts.size() == 3);
  CHECK(local->data_dir == "/srv/data/local");
}
