// The transport handshake (runtime/handshake.hpp): both sides prove the secret, and a
// proof is bound to its connection's nonces, cluster and hosts.
#include <doctest/doctest.h>

#include "cairn/schema/transport.capnp.h"
#include "runtime/handshake.hpp"

using namespace cairn;

namespace {

const std::string secret = "0123456789abcdef0123456789abcdef";
std::string nonce(char c) { return std::string(nonce_bytes, c); }

std::unique_ptr<envelope_reader> open_frame(std::string frame) {
  auto env = envelope_reader::open(std::move(frame));
  REQUIRE(env.ok());
  return std::move(*env);
}

// Runs a whole handshake; returns the server's verdict on the client's proof.
struct run {
  client_handshake client;
  server_handshake server;
  result<std::string> hello_reply = error{errc::internal, "unset"};
  result<std::string> proof = error{errc::internal, "unset"};
  result<std::string> proof_reply = error{errc::internal, "unset"};

  run(auth_identity c, auth_identity s, char cn = 'c', char sn = 's')
      : client(std::move(c), nonce(cn)), server(std::move(s), nonce(sn)) {
    hello_reply = server.on_hello(*open_frame(client.hello()));
    if (!hello_reply) return;
    proof = client.on_hello_reply(*hello_reply, 1 << 20);
    if (!proof) return;
    proof_reply = server.on_proof(*open_frame(*proof));
  }
};

}  // namespace

TEST_CASE("two holders of the secret complete the handshake and learn each other's host") {
  run r({"prod", 2, secret}, {"prod", 1, secret});
  REQUIRE(r.proof_reply.ok());
  CHECK(r.client.on_proof_reply(*r.proof_reply, 1 << 20).ok());
  CHECK(r.client.server_host() == 1);
  CHECK(r.client.server_cluster() == "prod");
  CHECK(r.server.client_host() == 2);
}

TEST_CASE("a client may leave the cluster name empty and still must prove the secret") {
  run ok({"", client_host_id, secret}, {"prod", 1, secret});
  CHECK(ok.proof_reply.ok());
  run bad({"", client_host_id, "a-different-secret-of-32-bytes!!"}, {"prod", 1, secret});
  // The client notices first: the server's proof does not match its secret.
  REQUIRE_FALSE(bad.proof.ok());
  CHECK(bad.proof.err().message.find("the server's proof does not match") != std::string::npos);
}

TEST_CASE("a server refuses a client with the wrong secret") {
  // A client that skips checking the server (an attacker) still cannot pass.
  client_handshake liar({"prod", 2, "wrong-secret-wrong-secret-wrong!"}, nonce('c'));
  server_handshake server({"prod", 1, secret}, nonce('s'));
  auto reply = server.on_hello(*open_frame(liar.hello()));
  REQUIRE(reply.ok());
  envelope_builder b({{2, transport_actor_name},
                      {1, transport_actor_name},
                      0,
                      0,
                      0,
                      wire::MessageKind::AUTH_PROOF_REQUEST});
  auto forged = handshake_proof("wrong-secret-wrong-secret-wrong!", "cairn-client-1", "prod", 2, 1,
                                nonce('c'), nonce('s'));
  b.init_payload<wire::AuthProofRequest>().setProof(
      capnp::Data::Reader(reinterpret_cast<const kj::byte*>(forged.data()), forged.size()));
  auto verdict = server.on_proof(*open_frame(b.finish()));
  REQUIRE_FALSE(verdict.ok());
  CHECK(verdict.err().message.find("authentication failed") == 0);
}

TEST_CASE("a proof recorded on one connection is refused on another (replay)") {
  run first({"prod", 2, secret}, {"prod", 1, secret}, 'c', 's');
  REQUIRE(first.proof.ok());
  // Same client nonce even; the server's fresh nonce differs.
  server_handshake second({"prod", 1, secret}, nonce('t'));
  client_handshake replayer({"prod", 2, secret}, nonce('c'));
  REQUIRE(second.on_hello(*open_frame(replayer.hello())).ok());
  auto verdict = second.on_proof(*open_frame(*first.proof));
  REQUIRE_FALSE(verdict.ok());
  CHECK(verdict.err().message.find("the client's proof does not match") != std::string::npos);
}

TEST_CASE("the proof binds cluster and hosts") {
  auto base = handshake_proof(secret, "cairn-client-1", "prod", 2, 1, nonce('c'), nonce('s'));
  CHECK(base != handshake_proof(secret, "cairn-client-1", "prod2", 2, 1, nonce('c'), nonce('s')));
  CHECK(base != handshake_proof(secret, "cairn-client-1", "prod", 3, 1, nonce('c'), nonce('s')));
  CHECK(base != handshake_proof(secret, "cairn-client-1", "prod", 2, 4, nonce('c'), nonce('s')));
  CHECK(base != handshake_proof(secret, "cairn-server-1", "prod", 2, 1, nonce('c'), nonce('s')));
  CHECK(base == handshake_proof(secret, "cairn-client-1", "prod", 2, 1, nonce('c'), nonce('s')));
}

TEST_CASE("a server of another cluster refuses the hello; anything but a hello first is refused") {
  server_handshake server({"prod", 1, secret}, nonce('s'));
  client_handshake other({"staging", 2, secret}, nonce('c'));
  auto reply = server.on_hello(*open_frame(other.hello()));
  REQUIRE_FALSE(reply.ok());
  CHECK(reply.err().message.find("cluster 'prod', not 'staging'") != std::string::npos);

  server_handshake fresh({"prod", 1, secret}, nonce('s'));
  envelope_builder b({{2, "x"}, {1, "storage"}, 7, 0, 0, wire::MessageKind::CHUNK_GET_REQUEST});
  CHECK_FALSE(fresh.on_hello(*open_frame(b.finish())).ok());
  server_handshake no_hello({"prod", 1, secret}, nonce('s'));
  run proof_source({"prod", 2, secret}, {"prod", 1, secret});
  CHECK_FALSE(no_hello.on_proof(*open_frame(*proof_source.proof)).ok());
}

TEST_CASE("nonces are fresh") {
  auto a = make_nonce(), b = make_nonce();
  CHECK(a.size() == nonce_bytes);
  CHECK(a != b);
}
