// cairn-bench-transport: the round trip of one small request and its reply between two
// processes on loopback, measured several ways one after the other in one run, so their
// ratios compare on a noisy machine (docs/benchmarks.md, "Transport"):
//   raw TCP       64-byte ping-pong over blocking sockets with TCP_NODELAY: the floor;
//   CAF remote    CAF 0.17 remote actors (publish / remote_actor), a 64-byte string;
//   cairn         a peer link to a host port, handshake on, an event-based actor sending
//                 envelopes one at a time with request(...).then, as a role does;
//   cairn scoped  the same link driven by a scoped_actor's request(...).receive.
// Each server runs in a child process of its own, forked when no actor system exists in
// this one; it binds port 0 on 127.0.0.1, reports the port through a pipe, and exits
// when this process closes the other pipe or dies (PR_SET_PDEATHSIG).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <stdexcept>
#include <thread>

#include "cairn/schema/cluster.capnp.h"
#include "runtime/cluster_map_codec.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/host_port.hpp"
#include "runtime/net/peer_link.hpp"
#include "runtime/net/registry.hpp"

namespace {

using namespace cairn;
using clock_type = std::chrono::steady_clock;
using done_atom = caf::atom_constant<caf::atom("done")>;

constexpr size_t payload_bytes = 64;
constexpr int server_start_timeout_ms = 10000;
constexpr int server_exit_timeout_ms = 5000;
constexpr auto request_timeout = std::chrono::seconds(10);
const std::string secret = "bench-secret-bench-secret-bench!";
const address pinger_address{1, "bench"};
const address echo_address{2, "echo"};

struct fail : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The actor system settings of cairnd (tools/cairnd/main.cpp, configure_scheduler).
void configure(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman>();
  cfg.set("work-stealing.aggressive-poll-attempts", 0);
  cfg.set("work-stealing.moderate-poll-attempts", 0);
  cfg.set("logger.verbosity", caf::atom("quiet"));
}

double micros_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::micro>(clock_type::now() - t).count();
}

// --- CPU placement -------------------------------------------------------------------

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> out;
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return out;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) out.push_back(cpu);
  return out;
}

void pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (::sched_setaffinity(0, sizeof set, &set) != 0)
    throw fail("cannot pin to CPU " + std::to_string(cpu));
}

// Pins the calling thread to one CPU while it lives, then restores its previous set.
struct pinned_scope {
  explicit pinned_scope(int cpu) {
    CPU_ZERO(&saved);
    ::sched_getaffinity(0, sizeof saved, &saved);
    pin_to_cpu(cpu);
  }
  ~pinned_scope() { ::sched_setaffinity(0, sizeof saved, &saved); }
  cpu_set_t saved;
};

// --- server processes -----------------------------------------------------------------

struct server {
  pid_t pid = -1;
  int hold = -1;  // the child serves while this stays open
  uint16_t port = 0;
};

// Blocks until the parent closes its end of `hold` (or dies).
void wait_for_parent(int hold) {
  char c;
  while (::read(hold, &c, 1) > 0) {
  }
}

// Forks a child that runs serve(report_fd, hold_fd); serve writes the port it bound to
// report_fd (report_port) and returns when it should exit. Throws `fail` if the child
// reports no port within server_start_timeout_ms.
template <class Serve>
server fork_server(const char* what, Serve serve) {
  int report[2], hold[2];
  if (::pipe(report) != 0 || ::pipe(hold) != 0) throw fail("pipe() failed");
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw fail("fork() failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    ::close(report[0]);
    ::close(hold[1]);
    serve(report[1], hold[0]);
    ::_exit(0);
  }
  ::close(report[1]);
  ::close(hold[0]);
  server s{pid, hold[1], 0};
  pollfd p{report[0], POLLIN, 0};
  bool got = ::poll(&p, 1, server_start_timeout_ms) == 1 &&
             ::read(report[0], &s.port, sizeof s.port) == sizeof s.port && s.port != 0;
  ::close(report[0]);
  if (!got) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    ::close(s.hold);
    throw fail(std::string(what) + ": the server process did not start");
  }
  return s;
}

void report_port(int fd, uint16_t port) {
  if (::write(fd, &port, sizeof port) != sizeof port) ::_exit(1);
  ::close(fd);
}

// Closes the hold pipe and reaps the child; kills it if it outstays the timeout.
void stop_server(server& s) {
  if (s.pid < 0) return;
  ::close(s.hold);
  auto deadline = clock_type::now() + std::chrono::milliseconds(server_exit_timeout_ms);
  while (::waitpid(s.pid, nullptr, WNOHANG) == 0) {
    if (clock_type::now() > deadline) {
      std::cerr << "cairn-bench-transport: a server process did not exit; killed\n";
      ::kill(s.pid, SIGKILL);
      ::waitpid(s.pid, nullptr, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  s.pid = -1;
}

// Stops the server however the measurement ends.
struct server_guard {
  server& s;
  ~server_guard() { stop_server(s); }
};

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

void set_nodelay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// The child: echoes 64-byte messages on one connection until it closes.
void serve_raw(int report, int hold, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (::sched_setaffinity(0, sizeof set, &set) != 0) ::_exit(1);
  int ls = ::socket(AF_INET, SOCK_STREAM, 0);
  auto a = loopback(0);
  socklen_t len = sizeof a;
  if (ls < 0 || ::bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(ls, 1) != 0 || ::getsockname(ls, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    ::_exit(1);
  report_port(report, ntohs(a.sin_port));
  pollfd p[2] = {{ls, POLLIN, 0}, {hold, POLLIN, 0}};
  if (::poll(p, 2, -1) < 1 || !(p[0].revents & POLLIN)) return;  // the parent gave up
  int fd = ::accept(ls, nullptr, nullptr);
  set_nodelay(fd);
  char buf[payload_bytes];
  while (full_io(fd, buf, sizeof buf, false) && full_io(fd, buf, sizeof buf, true)) {
  }
}

// The server process runs on server_cpu, this thread on client_cpu: the same CPU
// measures the system calls and a wake-up on one CPU; two CPUs add a cross-CPU wake-up
// each way (on a VM, waking an idle virtual CPU through the hypervisor).
std::vector<double> run_raw(size_t warmup, size_t count, int server_cpu, int client_cpu) {
  auto srv = fork_server(
      "raw TCP", [server_cpu](int report, int hold) { serve_raw(report, hold, server_cpu); });
  server_guard guard{srv};
  pinned_scope pinned{client_cpu};
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  auto a = loopback(srv.port);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    throw fail("raw TCP: cannot connect to the server process");
  set_nodelay(fd);
  char buf[payload_bytes] = {};
  std::vector<double> us;
  us.reserve(count);
  for (size_t i = 0; i < warmup + count; ++i) {
    auto t = clock_type::now();
    if (!full_io(fd, buf, sizeof buf, true) || !full_io(fd, buf, sizeof buf, false)) {
      ::close(fd);
      throw fail("raw TCP: connection lost");
    }
    if (i >= warmup) us.push_back(micros_since(t));
  }
  ::close(fd);
  return us;
}

// --- actors sending one request at a time -------------------------------------------------

// What a ping loop needs from a mode: request i's message, and a check of its reply.
struct ping_plan {
  std::function<caf::message(size_t)> request;
  std::function<bool(size_t, std::string&)> reply_ok;
};

struct ping_result {
  std::vector<double> us;
  std::string error;  // empty: every round trip succeeded
};

// Sends warmup + count requests one after the other with request(...).then, as roles
// do, and reports (done_atom, round trips in µs, error) to `report`.
caf::behavior pinger(caf::event_based_actor* self, caf::actor target, size_t warmup, size_t count,
                     ping_plan plan, caf::actor report) {
  auto us = std::make_shared<std::vector<double>>();
  us->reserve(count);
  auto finish = [self, report, us](std::string error) {
    self->send(report, done_atom::value, std::move(*us), std::move(error));
    self->quit();
  };
  // The behavior owns `next`; the handlers hold it weakly, so nothing leaks in a cycle.
  auto next = std::make_shared<std::function<void(size_t)>>();
  std::weak_ptr<std::function<void(size_t)>> weak_next = next;
  *next = [=](size_t i) {
    auto msg = plan.request(i);
    auto t = clock_type::now();
    self->request(target, request_timeout, std::move(msg))
        .then(
            [=](std::string& reply) {
              auto took = micros_since(t);
              if (!plan.reply_ok(i, reply)) return finish("unexpected reply");
              if (i >= warmup) us->push_back(took);
              if (i + 1 == warmup + count) return finish({});
              if (auto n = weak_next.lock()) (*n)(i + 1);
            },
            [=](caf::error& err) { finish(self->system().render(err)); });
  };
  (*next)(0);
  return {[next](caf::unit_t) {}};
}

ping_result ping_event_based(caf::actor_system& sys, caf::actor target, size_t warmup, size_t count,
                             ping_plan plan) {
  caf::scoped_actor self{sys};
  sys.spawn(pinger, target, warmup, count, std::move(plan), caf::actor{self});
  ping_result out;
  self->receive([&](done_atom, std::vector<double>& us, std::string& error) {
    out = {std::move(us), std::move(error)};
  });
  return out;
}

// The same loop from a scoped_actor: request(...).receive blocks this thread.
ping_result ping_scoped(caf::actor_system& sys, caf::actor target, size_t warmup, size_t count,
                        const ping_plan& plan) {
  caf::scoped_actor self{sys};
  ping_result out;
  out.us.reserve(count);
  for (size_t i = 0; i < warmup + count && out.error.empty(); ++i) {
    auto msg = plan.request(i);
    auto t = clock_type::now();
    self->request(target, request_timeout, std::move(msg))
        .receive(
            [&](std::string& reply) {
              auto took = micros_since(t);
              if (!plan.reply_ok(i, reply)) out.error = "unexpected reply";
              if (i >= warmup) out.us.push_back(took);
            },
            [&](caf::error& err) { out.error = sys.render(err); });
  }
  return out;
}

std::vector<double> checked(const char* mode, ping_result r, size_t count) {
  if (!r.error.empty()) throw fail(std::string(mode) + ": " + r.error);
  if (r.us.size() != count) throw fail(std::string(mode) + ": round trips missing");
  return std::move(r.us);
}

// --- CAF remote actors -------------------------------------------------------------------

void serve_caf(int report, int hold) {
  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  auto echo = sys.spawn([]() -> caf::behavior { return {[](const std::string& s) { return s; }}; });
  auto bound = sys.middleman().publish(echo, 0, "127.0.0.1");
  if (!bound) ::_exit(1);
  report_port(report, *bound);
  wait_for_parent(hold);
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
}

std::vector<double> run_caf(size_t warmup, size_t count) {
  auto srv = fork_server("CAF remote actors", serve_caf);
  server_guard guard{srv};
  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  auto remote = sys.middleman().remote_actor("127.0.0.1", srv.port);
  if (!remote) throw fail("CAF remote actors: " + sys.render(remote.error()));
  ping_plan plan{
      [](size_t) { return caf::make_message(std::string(payload_bytes, 'x')); },
      [](size_t, std::string& reply) { return reply.size() == payload_bytes; },
  };
  return checked("CAF remote actors", ping_event_based(sys, *remote, warmup, count, plan), count);
}

// --- cairn transport ---------------------------------------------------------------------

envelope_header request_header(size_t i) {
  return {pinger_address, echo_address, i + 1, 0, 0, wire::MessageKind::HEARTBEAT_REQUEST};
}

// A small envelope: a heartbeatRequest (observer, seq).
std::string request_frame(size_t i) {
  envelope_builder b(request_header(i));
  auto p = b.init_payload<wire::HeartbeatRequest>();
  p.setObserver(1);
  p.setSeq(i);
  return b.finish();
}

// A small reply: a mapUpdateReply (reply_header + one epoch), as make_map_update_ack builds.
std::string reply_frame(size_t i) { return make_map_update_ack(request_header(i), 1); }

bool reply_ok(size_t i, std::string& frame) {
  auto env = envelope_reader::open(frame);
  return env && env.value()->header().correlation_id == i + 1 &&
         env.value()->kind() == wire::MessageKind::MAP_UPDATE_REPLY;
}

// The child: a host (2) with an echo actor registered, behind a host port.
void serve_cairn(int report, int hold) {
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
  reg.put(echo_address, echo);
  host_port_config pc;
  pc.port = 0;
  pc.identity = {"bench", echo_address.host, secret};
  auto served = spawn_host_port(sys, reg, pc);
  if (!served) ::_exit(1);
  report_port(report, served->port);
  wait_for_parent(hold);
  caf::anon_send(served->broker, stop_atom::value);
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
  reg.clear();
}

caf::actor open_link(caf::actor_system& sys, uint16_t port) {
  peer_link_config lc;
  lc.port = port;
  lc.identity = {"bench", pinger_address.host, secret};
  lc.expect_host = echo_address.host;
  lc.reconnect = false;
  lc.name = "bench link";
  auto link = spawn_peer_link(sys, lc);
  caf::scoped_actor self{sys};
  std::string why;
  self->request(link, request_timeout, caf::get_atom::value)
      .receive([] {}, [&](caf::error& err) { why = sys.render(err); });
  if (!why.empty()) throw fail("cairn transport: the peer link did not open: " + why);
  return link;
}

struct cairn_runs {
  std::vector<double> event_based, scoped;
};

cairn_runs run_cairn(size_t warmup, size_t count) {
  auto srv = fork_server("cairn transport", serve_cairn);
  server_guard guard{srv};
  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  auto link = open_link(sys, srv.port);
  ping_plan plan{
      [](size_t i) { return caf::make_message(envelope_atom::value, request_frame(i)); },
      reply_ok,
  };
  cairn_runs out;
  try {
    out.event_based =
        checked("cairn transport", ping_event_based(sys, link, warmup, count, plan), count);
    out.scoped = checked("cairn transport (scoped_actor)",
                         ping_scoped(sys, link, warmup, count, plan), count);
  } catch (...) {
    caf::anon_send(link, stop_atom::value);
    throw;
  }
  caf::anon_send(link, stop_atom::value);
  return out;
}

// --- report ------------------------------------------------------------------------------

const std::string raw_one_cpu = "raw TCP, one CPU";
const std::string raw_two_cpus = "raw TCP, two CPUs";

struct summary {
  std::string mode;
  size_t request_bytes = 0, reply_bytes = 0;  // on the wire, per message
  double p50 = 0, p99 = 0, mean = 0;          // microseconds
};

summary summarize(std::string mode, size_t request_bytes, size_t reply_bytes,
                  std::vector<double> us) {
  std::sort(us.begin(), us.end());
  summary s{std::move(mode), request_bytes, reply_bytes};
  s.p50 = us[us.size() / 2];
  s.p99 = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  s.mean = std::accumulate(us.begin(), us.end(), 0.0) / static_cast<double>(us.size());
  return s;
}

// The floors: raw TCP on one CPU always; on two CPUs when this process may use two.
struct floors {
  const summary* one_cpu = nullptr;
  const summary* two_cpus = nullptr;
};

floors find_floors(const std::vector<summary>& results) {
  floors f;
  for (auto& r : results) {
    if (r.mode == raw_one_cpu) f.one_cpu = &r;
    if (r.mode == raw_two_cpus) f.two_cpus = &r;
  }
  return f;
}

nlohmann::json ratios(const summary& r, const summary* floor) {
  if (!floor) return nullptr;
  return {{"p50", r.p50 / floor->p50}, {"mean", r.mean / floor->mean}};
}

void print_json(const std::vector<summary>& results, size_t count, size_t warmup, int pin_cpu) {
  auto f = find_floors(results);
  nlohmann::json j;
  j["count"] = count;
  j["warmup"] = warmup;
  j["pin_cpu"] = pin_cpu < 0 ? nlohmann::json() : nlohmann::json(pin_cpu);
  for (auto& r : results)
    j["modes"].push_back({{"mode", r.mode},
                          {"request_bytes", r.request_bytes},
                          {"reply_bytes", r.reply_bytes},
                          {"p50_us", r.p50},
                          {"p99_us", r.p99},
                          {"mean_us", r.mean},
                          {"vs_raw_one_cpu", ratios(r, f.one_cpu)},
                          {"vs_raw_two_cpus", ratios(r, f.two_cpus)}});
  std::cout << j.dump(2) << "\n";
}

std::string ratio_cell(double value, const summary* floor) {
  if (!floor) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fx", value / floor->p50);
  return buf;
}

void print_table(const std::vector<summary>& results, size_t count, int pin_cpu) {
  auto f = find_floors(results);
  std::printf(
      "%zu round trips per mode, %s\n", count,
      pin_cpu < 0 ? "no CPU pinning" : ("every thread on CPU " + std::to_string(pin_cpu)).c_str());
  std::printf("%-30s %9s %8s %8s %8s %10s %10s\n", "mode", "bytes", "p50 us", "p99 us", "mean us",
              "p50/raw1", "p50/raw2");
  for (auto& r : results) {
    auto bytes = std::to_string(r.request_bytes) + "/" + std::to_string(r.reply_bytes);
    std::printf("%-30s %9s %8.1f %8.1f %8.1f %10s %10s\n", r.mode.c_str(), bytes.c_str(), r.p50,
                r.p99, r.mean, ratio_cell(r.p50, f.one_cpu).c_str(),
                ratio_cell(r.p50, f.two_cpus).c_str());
  }
  std::printf(
      "bytes: request/reply on the wire; raw1, raw2: the raw TCP p50 on one CPU, on two CPUs\n");
}

// `cpus`: the CPUs this process may use (one when pinned).
std::vector<summary> run_all(size_t warmup, size_t count, const std::vector<int>& cpus) {
  std::vector<summary> out;
  out.push_back(summarize(raw_one_cpu, payload_bytes, payload_bytes,
                          run_raw(warmup, count, cpus[0], cpus[0])));
  if (cpus.size() > 1)
    out.push_back(summarize(raw_two_cpus, payload_bytes, payload_bytes,
                            run_raw(warmup, count, cpus[0], cpus[1])));
  out.push_back(
      summarize("CAF remote actors", payload_bytes, payload_bytes, run_caf(warmup, count)));
  auto cairn = run_cairn(warmup, count);
  auto req = request_frame(count).size(), rep = reply_frame(count).size();
  out.push_back(summarize("cairn transport", req, rep, std::move(cairn.event_based)));
  out.push_back(summarize("cairn transport, scoped_actor", req, rep, std::move(cairn.scoped)));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "cairn-bench-transport: the round trip of one small request and its reply between two "
      "processes on loopback, measured one after the other in one run:\n"
      "  raw TCP        64-byte ping-pong, blocking sockets, TCP_NODELAY (the floor),\n"
      "                 both processes on one CPU, then on two CPUs (each pinned)\n"
      "  CAF remote     CAF remote actors (publish / remote_actor), a 64-byte string\n"
      "  cairn          a peer link to a host port (handshake on, no TLS): an actor sends\n"
      "                 envelopes one at a time with request(...).then, as roles do, to an\n"
      "                 actor registered on the other side, which answers each\n"
      "  cairn scoped   the same link, driven by a scoped_actor's request(...).receive\n"
      "Each server is a child process on a free port; both sides use cairnd's actor system\n"
      "settings. Reports p50, p99 and mean in microseconds and the p50 ratios to raw TCP\n"
      "on one CPU (raw1) and on two (raw2).\n"
      "See docs/benchmarks.md, \"Transport\"."};
  size_t count = 20000, warmup = 1000;
  int pin_cpu = -1;
  std::string output = "table";
  app.add_option("--count", count, "round trips measured per mode")
      ->check(CLI::Range(size_t{1}, size_t{100000000}))
      ->capture_default_str();
  app.add_option("--warmup", warmup, "round trips per mode before measuring")
      ->capture_default_str();
  app.add_option("--pin-cpu", pin_cpu,
                 "run every process and thread on this one CPU (the cost of the hand-offs "
                 "without cross-CPU wake-ups); default: no pinning");
  app.add_option("-o,--output", output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::vector<summary> results;
  try {
    if (pin_cpu >= 0) pin_to_cpu(pin_cpu);
    auto cpus = allowed_cpus();
    if (cpus.empty()) throw fail("cannot read this process's CPU affinity");
    results = run_all(warmup, count, cpus);
  } catch (const std::exception& e) {
    std::cerr << "cairn-bench-transport: " << e.what() << "\n";
    return 1;
  }
  if (output == "json")
    print_json(results, count, warmup, pin_cpu);
  else
    print_table(results, count, pin_cpu);
  return 0;
}
