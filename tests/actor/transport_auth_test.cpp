// The host port's guard over real TCP (runtime/net/host_port.hpp): the handshake, its
// refusals (wrong secret, replay, garbage first, too slow), the per-IP cap, and a peer
// link that checks which host it reached.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "cairn/schema/transport.capnp.h"
#include "runtime/cluster_map_codec.hpp"
#include "runtime/frame.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/host_port.hpp"
#include "runtime/net/peer_link.hpp"

using namespace cairn;

namespace {

const std::string secret = "transport-test-secret-0123456789";

struct served_port {
  caf::actor_system_config cfg;
  caf::actor_system sys;
  registry reg;
  caf::actor echo;
  host_port_handle port;

  static caf::actor_system_config& configure(caf::actor_system_config& c) {
    c.load<caf::io::middleman>();
    c.set("logger.verbosity", caf::atom("quiet"));
    return c;
  }

  explicit served_port(host_port_config pc) : sys(configure(cfg)) {
    echo = sys.spawn([]() -> caf::behavior {
      return {[](envelope_atom, std::string& frame) -> std::string {
        auto env = envelope_reader::open(std::move(frame));
        return env ? make_map_update_ack(env.value()->header(), 7) : std::string{};
      }};
    });
    reg.put({1, "echo"}, echo);
    pc.port = 0;
    pc.identity = {"test", 1, secret};
    auto p = spawn_host_port(sys, reg, pc);
    REQUIRE(p.ok());
    port = *p;
  }
  ~served_port() {
    caf::anon_send(port.broker, stop_atom::value);
    caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
    reg.clear();
  }
};

int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  timeval tv{10, 0};  // a bound on every read below: a missing close fails, never hangs
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

void send_all(int fd, const std::string& bytes) {
  REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(bytes.size()));
}

// The next frame, or nullopt when the port closed the connection.
std::optional<std::string> next_frame(int fd, frame_splitter& splitter) {
  char buf[65536];
  while (!splitter.has_frame()) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    REQUIRE(n >= 0);  // -1: the 10 s bound passed with the connection still open
    if (n == 0) return std::nullopt;
    REQUIRE(splitter.feed({buf, static_cast<size_t>(n)}).ok());
  }
  return splitter.pop_frame();
}

bool closed_by_port(int fd) {
  frame_splitter splitter(1 << 20);
  while (next_frame(fd, splitter)) {
  }
  return true;
}

std::string echo_request(uint64_t correlation) {
  envelope_builder b({{client_host_id, "t"},
                      {1, "echo"},
                      correlation,
                      0,
                      0,
                      wire::MessageKind::MAP_UPDATE_REQUEST});
  write_cluster_map(b.init_payload<wire::MapUpdateRequest>().initMap(), cluster_map{});
  return b.finish();
}

// Runs the client side of the handshake on fd; returns the proof frame it sent.
std::string handshake(int fd, frame_splitter& splitter, client_handshake& client) {
  send_all(fd, client.hello());
  auto reply = next_frame(fd, splitter);
  REQUIRE(reply);
  auto proof = client.on_hello_reply(*reply, 1 << 20);
  REQUIRE(proof.ok());
  send_all(fd, *proof);
  auto done = next_frame(fd, splitter);
  REQUIRE(done);
  REQUIRE(client.on_proof_reply(*done, 1 << 20).ok());
  return *proof;
}

}  // namespace

TEST_CASE("a client holding the secret is served after the handshake") {
  served_port s({});
  int fd = connect_to(s.port.port);
  frame_splitter splitter(1 << 20);
  client_handshake client({"test", client_host_id, secret}, make_nonce());
  handshake(fd, splitter, client);
  CHECK(client.server_host() == 1);
  send_all(fd, echo_request(5));
  auto reply = next_frame(fd, splitter);
  REQUIRE(reply);
  auto epoch = read_map_update_ack(*reply);
  REQUIRE(epoch.ok());
  CHECK(*epoch == 7);
  CHECK(s.reg.counters().handshakes_ok == 1);
  ::close(fd);
}

TEST_CASE("a request before the handshake, or a wrong proof, is answered with a refusal and cut") {
  served_port s({});
  int fd = connect_to(s.port.port);
  send_all(fd, echo_request(1));
  frame_splitter splitter(1 << 20);
  auto refusal = next_frame(fd, splitter);
  REQUIRE(refusal);
  auto env = envelope_reader::open(*refusal);
  REQUIRE(env.ok());
  CHECK(env.value()->kind() == wire::MessageKind::ERROR_REPLY);
  CHECK(read_error_reply(*env.value()).message.find("authentication failed") == 0);
  CHECK(closed_by_port(fd));
  ::close(fd);

  // A client with the wrong secret that ignores the server's proof and sends its own.
  int liar = connect_to(s.port.port);
  frame_splitter liar_splitter(1 << 20);
  client_handshake wrong({"test", 9, "wrong-secret-wrong-secret-wrong!"}, make_nonce());
  send_all(liar, wrong.hello());
  auto hello_reply = next_frame(liar, liar_splitter);
  REQUIRE(hello_reply);
  auto opened = envelope_reader::open(*hello_reply);
  REQUIRE(opened.ok());
  auto p = opened.value()->payload<wire::AuthHelloReply>();
  std::string server_nonce(reinterpret_cast<const char*>(p.getNonce().begin()),
                           p.getNonce().size());
  envelope_builder b({{9, transport_actor_name},
                      {1, transport_actor_name},
                      0,
                      0,
                      0,
                      wire::MessageKind::AUTH_PROOF_REQUEST});
  auto forged = handshake_proof("wrong-secret-wrong-secret-wrong!", "cairn-client-1", "test", 9, 1,
                                std::string(nonce_bytes, 'x'), server_nonce);
  b.init_payload<wire::AuthProofRequest>().setProof(
      capnp::Data::Reader(reinterpret_cast<const kj::byte*>(forged.data()), forged.size()));
  send_all(liar, b.finish());
  auto verdict = next_frame(liar, liar_splitter);
  REQUIRE(verdict);
  auto verdict_env = envelope_reader::open(*verdict);
  REQUIRE(verdict_env.ok());
  CHECK(verdict_env.value()->kind() == wire::MessageKind::ERROR_REPLY);
  CHECK(closed_by_port(liar));
  CHECK(s.reg.counters().handshakes_failed >= 2);
  ::close(liar);
}

TEST_CASE("a proof recorded on one connection is refused on the next (replay)") {
  served_port s({});
  std::string nonce = make_nonce();
  int first = connect_to(s.port.port);
  frame_splitter splitter(1 << 20);
  client_handshake honest({"test", 3, secret}, nonce);
  auto recorded = handshake(first, splitter, honest);
  ::close(first);

  // The attacker replays the same hello (same nonce) and the recorded proof.
  int second = connect_to(s.port.port);
  frame_splitter replay_splitter(1 << 20);
  client_handshake replayer({"test", 3, secret}, nonce);
  send_all(second, replayer.hello());
  REQUIRE(next_frame(second, replay_splitter));  // a fresh server nonce
  send_all(second, recorded);
  auto verdict = next_frame(second, replay_splitter);
  REQUIRE(verdict);
  auto env = envelope_reader::open(*verdict);
  REQUIRE(env.ok());
  CHECK(env.value()->kind() == wire::MessageKind::ERROR_REPLY);
  CHECK(closed_by_port(second));
  CHECK(s.reg.counters().handshakes_ok == 1);
  ::close(second);
}

TEST_CASE("garbage first is cut as a bad frame; other connections are unaffected") {
  served_port s({});
  int bad = connect_to(s.port.port);
  send_all(bad, std::string("\x16\x03\x01 not a frame at all, and more bytes to be sure"));
  CHECK(closed_by_port(bad));
  CHECK(s.reg.counters().connections_closed_bad_frame == 1);
  ::close(bad);
  int good = connect_to(s.port.port);
  frame_splitter splitter(1 << 20);
  client_handshake client({"", client_host_id, secret}, make_nonce());
  handshake(good, splitter, client);
  ::close(good);
}

TEST_CASE("a connection that does not finish its handshake in time is cut") {
  host_port_config pc;
  pc.handshake_timeout_ms = 200;
  pc.sweep_interval_ms = 50;
  served_port s(pc);
  int fd = connect_to(s.port.port);
  CHECK(closed_by_port(fd));  // nothing sent: closed by the sweep, well within the bound
  CHECK(s.reg.counters().handshakes_failed == 1);
  ::close(fd);
}

TEST_CASE("connections beyond the per-IP cap are refused at once") {
  host_port_config pc;
  pc.connections_per_ip_max = 2;
  served_port s(pc);
  int a = connect_to(s.port.port), b = connect_to(s.port.port);
  int c = connect_to(s.port.port);
  CHECK(closed_by_port(c));
  CHECK(s.reg.counters().connections_refused_per_ip == 1);
  ::close(a);
  ::close(b);
  ::close(c);
}

TEST_CASE("a peer link opens to the host it expects and refuses another") {
  served_port s({});
  auto link_to = [&](host_id expect, const std::string& key) {
    peer_link_config lc;
    lc.port = s.port.port;
    lc.identity = {"test", 2, key};
    lc.expect_host = expect;
    lc.reconnect = false;
    return spawn_peer_link(s.sys, lc);
  };
  caf::scoped_actor self{s.sys};
  auto good = link_to(1, secret);
  bool open = false;
  self->request(good, std::chrono::seconds(10), caf::get_atom::value)
      .receive([&] { open = true; }, [&](caf::error&) {});
  REQUIRE(open);
  std::string reply;
  self->request(good, std::chrono::seconds(10), envelope_atom::value, echo_request(11))
      .receive([&](std::string& r) { reply = std::move(r); }, [&](caf::error&) {});
  auto epoch = read_map_update_ack(reply);
  REQUIRE(epoch.ok());
  CHECK(*epoch == 7);
  caf::anon_send(good, stop_atom::value);

  for (auto [expect, key] :
       {std::pair<host_id, std::string>{5, secret},
        std::pair<host_id, std::string>{1, "another-secret-another-secret-00"}}) {
    auto bad = link_to(expect, key);
    std::string why;
    self->request(bad, std::chrono::seconds(10), caf::get_atom::value)
        .receive([] {}, [&](caf::error& err) { why = s.sys.render(err); });
    CHECK(why.find(expect == 5 ? "expected host 5" : "authentication failed") != std::string::npos);
  }
}
