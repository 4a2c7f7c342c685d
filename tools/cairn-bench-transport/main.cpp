// cairn-bench-transport: the round trip of one small request and its reply between two
// processes on loopback, three ways, one after the other in one run:
//   raw   TCP ping-pong of 64 bytes (blocking sockets, TCP_NODELAY): the floor;
//   caf   CAF 0.17 remote actors (publish / remote_actor), a 64-byte string;
//   cairn a peer link to a host port, handshake on, an actor sending envelopes one at a
//         time as a role does, answered by an actor registered on the other side.
// Each server runs in a child process forked before any actor system exists in this one.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>

#include "cairn/schema/cluster.capnp.h"
#include "runtime/cluster_map_codec.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/host_port.hpp"
#include "runtime/net/peer_link.hpp"
#include "runtime/net/registry.hpp"

namespace {

using namespace cairn;
using clock_type = std::chrono::steady_clock;
constexpr size_t payload_bytes = 64;
const std::string secret = "bench-secret-bench-secret-bench!";

void configure(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman>();
  // As cairnd does (tools/cairnd/main.cpp).
  cfg.set("work-stealing.aggressive-poll-attempts", 0);
  cfg.set("work-stealing.moderate-poll-attempts", 0);
  cfg.set("logger.verbosity", caf::atom("quiet"));
}

struct summary {
  std::string mode;
  double p50 = 0, p99 = 0, mean = 0;  // microseconds
};

summary summarize(std::string mode, std::vector<double> us) {
  std::sort(us.begin(), us.end());
  summary s{std::move(mode)};
  s.p50 = us[us.size() / 2];
  s.p99 = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  s.mean = std::accumulate(us.begin(), us.end(), 0.0) / static_cast<double>(us.size());
  return s;
}

double micros_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::micro>(clock_type::now() - t).count();
}

// A child process serving until its parent closes `hold`; it reports its port on `out`.
template <class Serve>
pid_t fork_server(Serve serve, uint16_t& port) {
  int to_parent[2], hold[2];
  if (::pipe(to_parent) != 0 || ::pipe(hold) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(to_parent[0]);
    ::close(hold[1]);
    serve(to_parent[1], hold[0]);
    ::_exit(0);
  }
  ::close(to_parent[1]);
  ::close(hold[0]);
  if (::read(to_parent[0], &port, sizeof port) != sizeof port)
    throw std::runtime_error("the server process did not start");
  ::close(to_parent[0]);
  // The child exits once this end closes: kept open until the parent is done.
  static std::vector<int> holds;
  holds.push_back(hold[1]);
  return pid;
}

void release_server(pid_t pid) {
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
}

void wait_for_parent(int hold) {
  char c;
  while (::read(hold, &c, 1) > 0) {
  }
}

void report_port(int fd, uint16_t port) {
  if (::write(fd, &port, sizeof port) != sizeof port) ::_exit(1);
  ::close(fd);
}

// --- raw TCP ---------------------------------------------------------------------------

bool full_io(int fd, char* buf, size_t n, bool writing) {
  size_t done = 0;
  while (done < n) {
    auto r = writing ? ::send(fd, buf + done, n - done, MSG_NOSIGNAL)
                     : ::recv(fd, buf + done, n - done, 0);
    if (r <= 0) return false;
    done += static_cast<size_t>(r);
  }
  return true;
}

std::vector<double> run_raw(size_t warmup, size_t count) {
  uint16_t port = 0;
  auto pid = fork_server(
      [](int out, int) {
        int ls = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        ::bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a);
        ::listen(ls, 1);
        ::getsockname(ls, reinterpret_cast<sockaddr*>(&a), &len);
        report_port(out, ntohs(a.sin_port));
        int fd = ::accept(ls, nullptr, nullptr);
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        char buf[payload_bytes];
        while (full_io(fd, buf, sizeof buf, false) && full_io(fd, buf, sizeof buf, true)) {
        }
      },
      port);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    throw std::runtime_error("raw: cannot connect");
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char buf[payload_bytes] = {};
  std::vector<double> us;
  for (size_t i = 0; i < warmup + count; ++i) {
    auto t = clock_type::now();
    if (!full_io(fd, buf, sizeof buf, true) || !full_io(fd, buf, sizeof buf, false))
      throw std::runtime_error("raw: connection lost");
    if (i >= warmup) us.push_back(micros_since(t));
  }
  ::close(fd);
  release_server(pid);
  return us;
}

// --- ping actors (CAF and cairn) ------------------------------------------------------

using done_atom = caf::atom_constant<caf::atom("done")>;

// Sends `total` requests one after the other, as roles do (request(...).then), and hands
// the round trips to `report`.
template <class MakeRequest>
caf::behavior pinger(caf::event_based_actor* self, caf::actor target, size_t warmup, size_t count,
                     MakeRequest make, caf::actor report) {
  auto us = std::make_shared<std::vector<double>>();
  auto next = std::make_shared<std::function<void(size_t)>>();
  *next = [=](size_t i) {
    if (i == warmup + count) {
      self->send(report, done_atom::value, *us);
      self->quit();
      return;
    }
    auto t = clock_type::now();
    make(self, target, i)
        .then(
            [=](const std::string&) {
              if (i >= warmup) us->push_back(micros_since(t));
              (*next)(i + 1);
            },
            [=](caf::error& err) {
              std::cerr << "cairn-bench-transport: " << self->system().render(err) << "\n";
              self->send(report, done_atom::value, std::vector<double>{});
              self->quit();
            });
  };
  (*next)(0);
  return {[](caf::unit_t) {}};
}

template <class MakeRequest>
std::vector<double> ping(caf::actor_system& sys, caf::actor target, size_t warmup, size_t count,
                         MakeRequest make) {
  caf::scoped_actor self{sys};
  sys.spawn(pinger<MakeRequest>, target, warmup, count, make, caf::actor{self});
  std::vector<double> out;
  self->receive([&](done_atom, std::vector<double>& us) { out = std::move(us); });
  return out;
}

std::vector<double> run_caf(size_t warmup, size_t count) {
  uint16_t port = 0;
  auto pid = fork_server(
      [](int out, int hold) {
        caf::actor_system_config cfg;
        configure(cfg);
        caf::actor_system sys{cfg};
        auto echo =
            sys.spawn([]() -> caf::behavior { return {[](const std::string& s) { return s; }}; });
        auto bound = sys.middleman().publish(echo, 0, "127.0.0.1");
        if (!bound) ::_exit(1);
        report_port(out, *bound);
        wait_for_parent(hold);
        caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
      },
      port);
  std::vector<double> us;
  {
    caf::actor_system_config cfg;
    configure(cfg);
    caf::actor_system sys{cfg};
    auto remote = sys.middleman().remote_actor("127.0.0.1", port);
    if (!remote) throw std::runtime_error("caf: " + sys.render(remote.error()));
    us = ping(
        sys, *remote, warmup, count, [](caf::event_based_actor* self, caf::actor target, size_t) {
          return self->request(target, std::chrono::seconds(10), std::string(payload_bytes, 'x'));
        });
  }
  release_server(pid);
  return us;
}

std::vector<double> run_cairn(size_t warmup, size_t count) {
  uint16_t port = 0;
  auto pid = fork_server(
      [](int out, int hold) {
        caf::actor_system_config cfg;
        configure(cfg);
        caf::actor_system sys{cfg};
        registry reg;
        auto echo = sys.spawn([]() -> caf::behavior {
          return {[](envelope_atom, std::string& frame) -> std::string {
            auto env = envelope_reader::open(std::move(frame));
            return env ? make_map_update_ack(env.value()->header(), 1) : std::string{};
          }};
        });
        reg.put({2, "echo"}, echo);
        host_port_config pc;
        pc.port = 0;
        pc.identity = {"bench", 2, secret};
        auto served = spawn_host_port(sys, reg, pc);
        if (!served) ::_exit(1);
        report_port(out, served->port);
        wait_for_parent(hold);
        caf::anon_send(served->broker, stop_atom::value);
        caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
        reg.clear();
      },
      port);
  std::vector<double> us;
  {
    caf::actor_system_config cfg;
    configure(cfg);
    caf::actor_system sys{cfg};
    peer_link_config lc;
    lc.port = port;
    lc.identity = {"bench", 1, secret};
    lc.expect_host = 2;
    lc.reconnect = false;
    lc.name = "bench";
    auto link = spawn_peer_link(sys, lc);
    caf::scoped_actor self{sys};
    bool open = false;
    self->request(link, std::chrono::seconds(10), caf::get_atom::value)
        .receive([&] { open = true; }, [&](caf::error&) {});
    if (!open) throw std::runtime_error("cairn: the peer link did not open");
    us = ping(
        sys, link, warmup, count, [](caf::event_based_actor* self, caf::actor target, size_t i) {
          envelope_header h{
              {1, "bench"}, {2, "echo"}, i + 1, 0, 0, wire::MessageKind::HEARTBEAT_REQUEST};
          envelope_builder b(h);
          auto p = b.init_payload<wire::HeartbeatRequest>();
          p.setObserver(1);
          p.setSeq(i);
          return self->request(target, std::chrono::seconds(10), envelope_atom::value, b.finish());
        });
    caf::anon_send(link, stop_atom::value);
  }
  release_server(pid);
  return us;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "cairn-bench-transport: round trips of a small request between two processes on "
      "loopback — raw TCP ping-pong, CAF remote actors, and cairn's transport (a peer "
      "link to a host port, handshake on) — one after the other in one run, so their "
      "ratios are comparable on a noisy machine (docs/benchmarks.md, \"Transport\")."};
  size_t count = 20000, warmup = 1000;
  std::string output = "table";
  app.add_option("--count", count, "round trips measured per mode")->capture_default_str();
  app.add_option("--warmup", warmup, "round trips before measuring")->capture_default_str();
  app.add_option("-o,--output", output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (count == 0) {
    std::cerr << "cairn-bench-transport: --count must be > 0\n";
    return 1;
  }
  std::vector<summary> results;
  try {
    results.push_back(summarize("raw TCP", run_raw(warmup, count)));
    results.push_back(summarize("CAF remote actors", run_caf(warmup, count)));
    auto cairn_us = run_cairn(warmup, count);
    if (cairn_us.size() != count) throw std::runtime_error("cairn: round trips failed");
    results.push_back(summarize("cairn transport", std::move(cairn_us)));
  } catch (const std::exception& e) {
    std::cerr << "cairn-bench-transport: " << e.what() << "\n";
    return 1;
  }
  double raw = results[0].p50;
  if (output == "json") {
    nlohmann::json j;
    j["count"] = count;
    for (auto& r : results)
      j["modes"].push_back({{"mode", r.mode},
                            {"p50_us", r.p50},
                            {"p99_us", r.p99},
                            {"mean_us", r.mean},
                            {"p50_vs_raw", r.p50 / raw}});
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::printf("%-20s %9s %9s %9s %10s\n", "mode", "p50 us", "p99 us", "mean us", "p50 / raw");
  for (auto& r : results)
    std::printf("%-20s %9.1f %9.1f %9.1f %9.2fx\n", r.mode.c_str(), r.p50, r.p99, r.mean,
                r.p50 / raw);
  return 0;
}
