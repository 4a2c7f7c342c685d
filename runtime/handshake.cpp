#include "runtime/handshake.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "cairn/schema/transport.capnp.h"
#include "runtime/assert.hpp"

namespace cairn {
namespace {

constexpr const char* server_label = "cairn-server-1";
constexpr const char* client_label = "cairn-client-1";

error refused(const std::string& why) {
  return error{errc::invalid_argument, "authentication failed: " + why};
}

void put_field(std::string& out, std::string_view field) {
  auto n = static_cast<uint32_t>(field.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  out.append(field);
}

std::string host_bytes(host_id h) {
  std::string out;
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((h >> (8 * i)) & 0xFF));
  return out;
}

bool same_bytes(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string bytes_of(capnp::Data::Reader d) {
  return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}

capnp::Data::Reader data_of(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}

envelope_header transport_header(host_id from, host_id to, wire::MessageKind kind) {
  return envelope_header{{from, transport_actor_name}, {to, transport_actor_name}, 0, 0, 0, kind};
}

}  // namespace

std::string make_nonce() {
  std::string out(nonce_bytes, '\0');
  CAIRN_ASSERT(
      RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size())) == 1);
  return out;
}

std::string handshake_proof(const std::string& secret, const std::string& label,
                            const std::string& cluster, host_id prover, host_id verifier,
                            const std::string& client_nonce, const std::string& server_nonce) {
  std::string msg;
  put_field(msg, label);
  put_field(msg, cluster);
  put_field(msg, host_bytes(prover));
  put_field(msg, host_bytes(verifier));
  put_field(msg, client_nonce);
  put_field(msg, server_nonce);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  CAIRN_ASSERT(HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
                    reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac,
                    &len) != nullptr);
  return std::string(reinterpret_cast<char*>(mac), len);
}

client_handshake::client_handshake(auth_identity me, std::string nonce)
    : me_(std::move(me)), nonce_(std::move(nonce)) {}

std::string client_handshake::hello() const {
  envelope_builder b(transport_header(me_.host, 0, wire::MessageKind::AUTH_HELLO_REQUEST));
  auto p = b.init_payload<wire::AuthHelloRequest>();
  p.setVersion(transport_version);
  p.setCluster(me_.cluster);
  p.setHost(me_.host);
  p.setNonce(data_of(nonce_));
  return b.finish();
}

result<std::string> client_handshake::on_hello_reply(std::string frame, size_t frame_bytes_max) {
  auto env = open_reply(std::move(frame), wire::MessageKind::AUTH_HELLO_REPLY, "handshake",
                        {frame_bytes_max});
  if (!env) {
    if (env.err().message.rfind("authentication failed", 0) == 0) return env.err();
    return refused(env.err().message);
  }
  return guarded([&]() -> result<std::string> {
    auto p = (*env)->payload<wire::AuthHelloReply>();
    server_cluster_ = p.getCluster();
    server_host_ = p.getHost();
    server_nonce_ = bytes_of(p.getNonce());
    if (!me_.cluster.empty() && server_cluster_ != me_.cluster)
      return refused("the server belongs to cluster '" + server_cluster_ + "', not '" +
                     me_.cluster + "'");
    if (server_nonce_.size() != nonce_bytes) return refused("the server's nonce is malformed");
    auto expected = handshake_proof(me_.secret, server_label, server_cluster_, server_host_,
                                    me_.host, nonce_, server_nonce_);
    if (!same_bytes(expected, bytes_of(p.getProof())))
      return refused("the server's proof does not match this secret (another cluster's secret?)");
    envelope_builder b(
        transport_header(me_.host, server_host_, wire::MessageKind::AUTH_PROOF_REQUEST));
    b.init_payload<wire::AuthProofRequest>().setProof(data_of(handshake_proof(
        me_.secret, client_label, server_cluster_, me_.host, server_host_, nonce_, server_nonce_)));
    return b.finish();
  });
}

status client_handshake::on_proof_reply(std::string frame, size_t frame_bytes_max) {
  auto env = open_reply(std::move(frame), wire::MessageKind::AUTH_PROOF_REPLY, "handshake",
                        {frame_bytes_max});
  if (!env) {
    if (env.err().message.rfind("authentication failed", 0) == 0) return env.err();
    return refused(env.err().message);
  }
  return ok_status();
}

server_handshake::server_handshake(auth_identity me, std::string nonce)
    : me_(std::move(me)), nonce_(std::move(nonce)) {}

result<std::string> server_handshake::on_hello(const envelope_reader& env) {
  if (hello_seen_ || env.kind() != wire::MessageKind::AUTH_HELLO_REQUEST)
    return refused("the first frame must be a handshake hello (this cluster has a secret)");
  hello_seen_ = true;
  hello_header_ = env.header();
  return guarded([&]() -> result<std::string> {
    auto p = env.payload<wire::AuthHelloRequest>();
    if (p.getVersion() != transport_version)
      return refused("transport version " + std::to_string(p.getVersion()) + ", this host speaks " +
                     std::to_string(transport_version));
    std::string cluster = p.getCluster();
    if (!cluster.empty() && cluster != me_.cluster)
      return refused("this host belongs to cluster '" + me_.cluster + "', not '" + cluster + "'");
    client_host_ = p.getHost();
    client_nonce_ = bytes_of(p.getNonce());
    if (client_nonce_.size() != nonce_bytes) return refused("the client's nonce is malformed");
    envelope_builder b(reply_header(hello_header_, wire::MessageKind::AUTH_HELLO_REPLY));
    auto r = b.init_payload<wire::AuthHelloReply>();
    r.setCluster(me_.cluster);
    r.setHost(me_.host);
    r.setNonce(data_of(nonce_));
    r.setProof(data_of(handshake_proof(me_.secret, server_label, me_.cluster, me_.host,
                                       client_host_, client_nonce_, nonce_)));
    return b.finish();
  });
}

result<std::string> server_handshake::on_proof(const envelope_reader& env) {
  if (!hello_seen_ || env.kind() != wire::MessageKind::AUTH_PROOF_REQUEST)
    return refused("expected the handshake proof");
  return guarded([&]() -> result<std::string> {
    auto expected = handshake_proof(me_.secret, client_label, me_.cluster, client_host_, me_.host,
                                    client_nonce_, nonce_);
    if (!same_bytes(expected, bytes_of(env.payload<wire::AuthProofRequest>().getProof())))
      return refused("the client's proof does not match the cluster secret");
    envelope_builder b(reply_header(env.header(), wire::MessageKind::AUTH_PROOF_REPLY));
    b.init_payload<wire::AuthProofReply>();
    return b.finish();
  });
}

}  // namespace cairn
