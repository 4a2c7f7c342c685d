// The admin HTTP server over real TCP (/livez, /readyz, /metrics, anything else), and
// cairnd's /metrics reading the stats of an in-process cluster's roles.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <atomic>
#include <filesystem>

#include "actors/client/cluster_client.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/local_link.hpp"
#include "tests/unit/exposition_text.hpp"
#include "tools/cairnd/admin.hpp"
#include "tools/cairnd/local_cluster.hpp"

using namespace cairn;
using cairn::testing::series_of;
using cairn::testing::sum_of;
using cairn::testing::value_of;

namespace {

struct http_answer {
  int status = 0;
  std::string body;
};

// One request on a fresh connection, read until the server closes it (no keep-alive).
http_answer http(uint16_t port, const std::string& method, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  timeval limit{10, 0};  // a server that never answers fails the test, not hangs it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  std::string request =
      method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  REQUIRE(::send(fd, request.data(), request.size(), 0) == ssize_t(request.size()));
  std::string raw;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) raw.append(buf, size_t(n));
  ::close(fd);
  http_answer out;
  REQUIRE(raw.rfind("HTTP/1.1 ", 0) == 0);
  out.status = std::atoi(raw.c_str() + 9);
  auto end = raw.find("\r\n\r\n");
  REQUIRE(end != std::string::npos);
  out.body = raw.substr(end + 4);
  return out;
}

}  // namespace

TEST_CASE("the admin server answers livez, readyz as its predicate says, metrics and 404") {
  metrics m;
  m.observe_request(static_cast<uint16_t>(wire::MessageKind::CHUNK_GET_REQUEST), 0.001, false);
  std::atomic<bool> joined{false};
  admin_handlers h;
  h.metrics = [&m] { return m.render(); };
  h.ready = [&joined]() -> std::pair<bool, std::string> {
    if (joined) return {true, "serving"};
    return {false, "joining the cluster"};
  };
  auto server = start_admin_http("127.0.0.1:0", h);
  REQUIRE(server.ok());
  REQUIRE(server->serving());
  uint16_t port = server->port();
  REQUIRE(port != 0);

  auto live = http(port, "GET", "/livez");
  CHECK(live.status == 200);
  CHECK(live.body == "ok\n");
  auto not_ready = http(port, "GET", "/readyz");
  CHECK(not_ready.status == 503);
  CHECK(not_ready.body == "joining the cluster\n");
  joined = true;
  auto ready = http(port, "GET", "/readyz");
  CHECK(ready.status == 200);
  CHECK(ready.body == "serving\n");

  auto scraped = http(port, "GET", "/metrics");
  CHECK(scraped.status == 200);
  CHECK(scraped.body.find("# TYPE cairn_requests_total counter") != std::string::npos);
  CHECK(value_of(scraped.body, R"(cairn_requests_total{kind="chunkGetRequest",outcome="ok"})") ==
        1);
  CHECK(http(port, "GET", "/metrics?x=1").status == 200);

  CHECK(http(port, "GET", "/nope").status == 404);
  CHECK(http(port, "GET", "/").status == 404);
  CHECK(http(port, "POST", "/livez").status == 405);
  auto head = http(port, "HEAD", "/livez");
  CHECK(head.status == 200);
  CHECK(head.body.empty());

  server->stop();
  CHECK_FALSE(server->serving());
  CHECK(server->port() == 0);
}

TEST_CASE("an admin address that is taken or malformed is refused with the address") {
  admin_handlers h{[] { return std::string(); },
                   []() -> std::pair<bool, std::string> {
                     return {true, ""};
                   }};
  auto first = start_admin_http("127.0.0.1:0", h);
  REQUIRE(first.ok());
  auto taken = "127.0.0.1:" + std::to_string(first->port());
  auto second = start_admin_http(taken, h);
  REQUIRE_FALSE(second.ok());
  CHECK(second.code() == errc::unavailable);
  CHECK(second.err().message.find(taken) != std::string::npos);
  CHECK(start_admin_http("no-port", h).code() == errc::invalid_argument);
  CHECK(start_admin_http("127.0.0.1:0", admin_handlers{}).code() == errc::invalid_argument);
  // The first server still serves.
  CHECK(http(first->port(), "GET", "/livez").status == 200);
}

namespace {

// Holds every request it gets and never answers.
struct silent_state {
  std::vector<caf::response_promise> held;
};

caf::behavior silent_role(caf::stateful_actor<silent_state>* self) {
  return {[self](envelope_atom, std::string&) -> caf::result<std::string> {
    auto promise = self->make_response_promise();
    self->state.held.push_back(promise);
    return caf::delegated<std::string>();
  }};
}

}  // namespace

TEST_CASE("a role that does not answer in time is reported down and loses its series") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  registry reg;
  auto silent = sys.spawn(silent_role);
  reg.put(storage_address(1), silent);
  local_roles roles;
  roles.storage_hosts = {1, 2};  // 2: nothing registered there
  metrics_collector collector(sys, reg, roles, 200);
  auto snapshot = collector.collect();
  CHECK(snapshot.nodes.empty());
  REQUIRE(snapshot.probes.size() == 2);
  for (auto& p : snapshot.probes) {
    CHECK(p.actor == "storage");
    CHECK_FALSE(p.answered);
  }
  metrics m;
  m.set_role_stats(snapshot);
  auto text = m.render();
  CHECK(value_of(text, R"(cairn_role_stats_up{actor="storage",host="1"})") == 0);
  CHECK(value_of(text, R"(cairn_role_stats_up{actor="storage",host="2"})") == 0);
  CHECK(series_of(text, "cairn_chunk_bytes").empty());
  caf::anon_send_exit(silent, caf::exit_reason::user_shutdown);
  silent = {};
  reg.clear();
}

TEST_CASE("the roles a config runs here: all of them in one process, the local host's else") {
  cluster_config c;
  for (host_id h = 1; h <= 3; ++h) {
    host_config hc;
    hc.id = h;
    hc.name = "h" + std::to_string(h);
    hc.storage = h != 2;
    c.hosts.push_back(hc);
  }
  c.shards = 3;
  auto all = local_roles_of(c);
  CHECK(all.storage_hosts == std::vector<host_id>{1, 3});
  REQUIRE(all.shards.size() == 3);
  for (shard_id s = 0; s < 3; ++s) CHECK(all.shards[s] == std::make_pair(s, c.shard_host(s)));
  c.local = c.hosts[1];
  auto mine = local_roles_of(c);
  CHECK(mine.storage_hosts.empty());
  for (auto [s, h] : mine.shards) CHECK(h == 2);
  CHECK(mine.shards.size() == 1);
}

namespace {

// Three hosts in one actor system, as cairnd runs them, with a client on a local link.
struct cluster_with_admin {
  std::string dir;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  registry reg;
  metrics m;
  cluster_config config;
  local_cluster roles;
  caf::actor link;
  std::unique_ptr<cluster_client> client;

  cluster_with_admin() {
    char tmpl[] = "/tmp/cairn-admin-test.XXXXXX";
    dir = ::mkdtemp(tmpl);
    cfg.load<caf::io::middleman>();
    sys = std::make_unique<caf::actor_system>(cfg);
    config.data_dir = dir;
    config.listen_port = 0;
    config.chunk_size = 64 * 1024;
    config.admin_listen = "127.0.0.1:0";
    for (host_id h = 1; h <= 3; ++h) {
      host_config hc;
      hc.id = h;
      hc.name = "h" + std::to_string(h);
      hc.labels.rack = "r" + std::to_string(h);
      hc.data_dir = dir + "/" + hc.name;
      config.hosts.push_back(hc);
    }
    auto started = start_local_cluster(*sys, reg, config, 42);
    REQUIRE(started.ok());
    roles = std::move(*started);
    link = spawn_local_link(*sys, reg, {});
    auto attached = cluster_client::attach(*sys, link, client_options{});
    REQUIRE(attached.ok());
    client = std::move(*attached);
  }
  ~cluster_with_admin() {
    client.reset();
    caf::anon_send_exit(link, caf::exit_reason::user_shutdown);
    link = {};
    stop_local_cluster(roles);
    roles = {};
    reg.clear();
    sys->await_all_actors_done();
    sys.reset();
    std::filesystem::remove_all(dir);
  }
};

}  // namespace

TEST_CASE("cairnd's /metrics shows the chunk bytes, files and repair state of its roles") {
  cluster_with_admin cl;
  auto admin = start_admin(*cl.sys, cl.reg, cl.m, cl.config, local_roles_of(cl.config), [] {
    return std::pair<bool, std::string>{true, "serving"};
  });
  REQUIRE(admin.ok());
  REQUIRE(admin->serving());

  auto before = http(admin->port(), "GET", "/metrics");
  REQUIRE(before.status == 200);
  CHECK(sum_of(before.body, "cairn_chunk_bytes") == 0);
  CHECK(sum_of(before.body, "cairn_files") == 0);

  std::string content(100000, 'x');  // two chunks of at most 64 KiB
  REQUIRE(cl.client->mkdir("/m", false).ok());
  REQUIRE(cl.client->put("/m/f", memory_source(content), {}).ok());

  auto after = http(admin->port(), "GET", "/metrics");
  REQUIRE(after.status == 200);
  auto& text = after.body;
  // Every chunk is durable on at least min_replicas (2) nodes once the put returns.
  CHECK(series_of(text, "cairn_chunk_bytes").size() == 3);
  CHECK(sum_of(text, "cairn_chunk_bytes") >= 2 * content.size());
  CHECK(sum_of(text, "cairn_chunks") >= 4);
  CHECK(sum_of(text, "cairn_files") == 1);
  CHECK(series_of(text, "cairn_files").size() == 3);
  CHECK(series_of(text, "cairn_disk_free_bytes").size() == 3);
  CHECK(series_of(text, "cairn_scrub_passes_total").size() == 3);
  CHECK(series_of(text, "cairn_repair_queued_chunks").size() == 3);
  CHECK(series_of(text, "cairn_repair_copies_done_total").size() == 3);
  // Every storage node, meta shard and repairer answered.
  auto up = series_of(text, "cairn_role_stats_up");
  CHECK(up.size() == 9);
  for (auto& [series, value] : up) CHECK_MESSAGE(value == 1, series);
  CHECK(series_of(text, "cairn_mailbox_depth").size() == 9);
  CHECK(value_of(text, R"(cairn_role_stats_up{actor="repair.0",host="1"})") == 1);
  // The transport's counters are there, whatever their values.
  CHECK(value_of(text, "cairn_transport_frames_received_total").has_value());
  CHECK(http(admin->port(), "GET", "/readyz").status == 200);
  admin->stop();
}
