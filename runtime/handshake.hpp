#pragma once
// The transport handshake (schema/transport.capnp, docs/protocols.md "Transport"), pure:
// no CAF, no sockets. Nonces are passed in (make_nonce() in the transport, fixed bytes
// in tests), so the same inputs give the same frames.
//
//   client                                   server
//   authHelloRequest {version, cluster, host, nonceC}  ->
//        <-  authHelloReply {cluster, host, nonceS, proof_server}
//   (client checks proof_server)
//   authProofRequest {proof_client}  ->
//        <-  authProofReply {}               (server checked proof_client)
//
// proof = HMAC-SHA256(secret, label | cluster | prover host | verifier host | nonceC |
// nonceS), every field length-prefixed, labels "cairn-server-1" and "cairn-client-1".
// Both nonces are fresh per connection, so a recorded proof fails on any other
// connection (replay), and the cluster name and both host ids are bound in. Failures
// are errc::invalid_argument with a message starting "authentication failed".
#include <cstdint>
#include <string>

#include "runtime/envelope.hpp"
#include "runtime/ids.hpp"
#include "runtime/result.hpp"

namespace cairn {

inline constexpr uint32_t transport_version = 1;
inline constexpr host_id client_host_id = 0xFFFFFFFFu;  // the CLI and other clients
inline constexpr size_t nonce_bytes = 32;
inline constexpr const char* transport_actor_name = "transport";

struct auth_identity {
  std::string cluster;  // our cluster name; a client may leave it empty (whichever answers)
  host_id host = client_host_id;
  std::string secret;
};

// nonce_bytes from the operating system's CSPRNG (OpenSSL RAND_bytes).
std::string make_nonce();

// HMAC-SHA256 over the length-prefixed fields (exposed for tests).
std::string handshake_proof(const std::string& secret, const std::string& label,
                            const std::string& cluster, host_id prover, host_id verifier,
                            const std::string& client_nonce, const std::string& server_nonce);

class client_handshake {
 public:
  client_handshake(auth_identity me, std::string nonce);

  // The first frame on the connection.
  std::string hello() const;
  // The server's helloReply (or errorReply). Checks the server's proof and returns the
  // authProofRequest frame to send. Errors say why, prefixed "authentication failed".
  result<std::string> on_hello_reply(std::string frame, size_t frame_bytes_max);
  // The server's authProofReply: the connection is open. An errorReply: refused.
  status on_proof_reply(std::string frame, size_t frame_bytes_max);

  host_id server_host() const { return server_host_; }
  const std::string& server_cluster() const { return server_cluster_; }

 private:
  auth_identity me_;
  std::string nonce_, server_nonce_, server_cluster_;
  host_id server_host_ = 0;
};

class server_handshake {
 public:
  server_handshake(auth_identity me, std::string nonce);

  // The first frame from the client: must be an authHelloRequest of our version and
  // cluster. Returns the helloReply frame.
  result<std::string> on_hello(const envelope_reader& env);
  // The client's authProofRequest. Returns the authProofReply frame: the client is in.
  result<std::string> on_proof(const envelope_reader& env);

  host_id client_host() const { return client_host_; }

 private:
  auth_identity me_;
  std::string nonce_, client_nonce_;
  host_id client_host_ = 0;
  envelope_header hello_header_;
  bool hello_seen_ = false;
};

}  // namespace cairn
