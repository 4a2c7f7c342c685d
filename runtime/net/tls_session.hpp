#pragma once
// TLS 1.3 as a pure byte transformer: ciphertext in, plaintext out, and the reverse. No
// sockets and no CAF: the owner (an io broker) moves bytes between the socket and the
// session, so the same code runs under a test that pumps two sessions into each other.
//
// Trust model (docs/tls.md). Both ends present a certificate and each verifies the
// other's chain against the cluster CA (mutual TLS). Host names and IP addresses in
// the certificates are NOT checked: peers are addressed by IP:port, which may change
// without reissuing certificates, and any certificate the cluster CA signed is a member.
// Which member it is gets bound by the HMAC handshake that runs on top of TLS (host ids
// and the cluster secret); peer_subject() is for logs only. TLS adds confidentiality
// and integrity of the stream, and keeps hosts without a CA-signed certificate out.
//
// Every failure is final: once feed() or write() returns an error the session refuses
// all further calls, and take_output() may still hold an alert to send before closing.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/config.hpp"
#include "runtime/result.hpp"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX
struct ssl_st;      // OpenSSL's SSL

namespace cairn {

// The largest TLS 1.3 record on the wire: 5-byte header, 2^14 bytes of plaintext, 256 of
// expansion. A session never holds more than one unfinished record of input.
inline constexpr size_t tls_record_bytes_max = 5 + (1u << 14) + 256;
// Intermediate CAs allowed between a peer's certificate and a CA of tls_config::ca_file.
inline constexpr int tls_verify_depth_max = 4;

// The certificates of one process, shared by all its sessions (sessions on different
// threads may share it): TLS 1.3 only, no session resumption, peer certificate
// required and verified against the CA.
class tls_context {
 public:
  // REQUIRES: all three paths set (absolute, or relative to the working directory).
  // cert_file: this host's certificate, optionally followed by intermediates.
  // ca_file: one or more CA certificates (a bundle: several CAs are trusted during a
  // CA rotation). Checks that the key matches the certificate and that the certificate
  // verifies against ca_file now (so a misconfigured host fails at start, not at its
  // first peer). Errors: invalid_argument, naming the file and OpenSSL's reason.
  static result<std::shared_ptr<tls_context>> load(const tls_config& files);

  ~tls_context();
  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;

 private:
  friend class tls_session;
  explicit tls_context(ssl_ctx_st* ctx) : ctx_(ctx) {}
  ssl_ctx_st* ctx_;
};

struct tls_limits {
  // Plaintext written before the handshake completes plus ciphertext not yet taken
  // by take_output(). A write past it fails with overloaded (the session stays usable).
  size_t buffered_bytes_max = 64u << 20;
};

// One connection's TLS state. Not thread-safe: one owner (a broker) calls it. A
// moved-from session may only be destroyed or assigned to.
class tls_session {
 public:
  // Errors: internal when OpenSSL cannot allocate the session.
  static result<tls_session> client(std::shared_ptr<tls_context> ctx, tls_limits limits = {});
  static result<tls_session> server(std::shared_ptr<tls_context> ctx, tls_limits limits = {});

  tls_session(tls_session&&) noexcept = default;
  tls_session& operator=(tls_session&&) noexcept = default;
  tls_session(const tls_session&) = delete;
  tls_session& operator=(const tls_session&) = delete;

  // Bytes read from the socket, in any pieces. Returns the plaintext of every record
  // completed by them (possibly empty: handshake records, or a record still partial;
  // only authenticated whole records are ever returned). May queue output (handshake
  // replies, key updates, alerts): call take_output() after every feed().
  // Errors (final): corrupt, with OpenSSL's reason: a failed handshake or certificate
  // verification, an alert from the peer, bytes that are not TLS, a record that fails
  // to decrypt, data after the peer's close_notify.
  result<std::string> feed(std::string_view ciphertext);

  // Queues plaintext. Before the handshake completes it is held and encrypted as soon
  // as it does; order is kept. Errors: overloaded past tls_limits (not final);
  // corrupt after a failure; invalid_argument after close().
  status write(std::string_view plaintext);

  // The ciphertext to put on the socket now; empties the buffer.
  std::string take_output();

  // Queues close_notify (after everything already written) so the peer can tell a
  // complete stream from a cut one. Plaintext held for an unfinished handshake is
  // dropped. Later writes fail.
  void close();

  // Call when the socket reports end of stream. ok when the peer sent close_notify;
  // corrupt otherwise: the connection was cut and what came before may be truncated.
  status end_of_input() const;

  // True once this side finished the handshake. A TLS 1.3 client finishes before the
  // server has checked its certificate: a refusal then arrives as an error from feed().
  bool handshake_done() const { return handshake_done_; }
  bool failed() const { return !failure_.empty(); }
  bool peer_closed() const { return peer_closed_; }
  // The verified peer certificate's subject (RFC 2253, e.g. "CN=10.0.0.7"), or ""
  // before the handshake. For logs: identity is bound by the HMAC handshake.
  std::string peer_subject() const;

 private:
  struct ssl_free {
    void operator()(ssl_st* ssl) const;
  };

  tls_session(std::shared_ptr<tls_context> ctx, ssl_st* ssl, tls_limits limits);
  static result<tls_session> make(std::shared_ptr<tls_context> ctx, tls_limits limits,
                                  bool is_server);
  status advance_handshake();
  status encrypt(std::string_view plaintext);
  status read_records(std::string& out);
  error fail(std::string_view during);
  size_t buffered_bytes() const;

  std::shared_ptr<tls_context> ctx_;
  std::unique_ptr<ssl_st, ssl_free> ssl_;  // owns the two memory BIOs
  tls_limits limits_;
  std::string pending_plaintext_;  // written before the handshake completed
  std::string failure_;            // the first error; non-empty: the session is dead
  bool handshake_done_ = false;
  bool peer_closed_ = false;
  bool closed_ = false;
};

}  // namespace cairn
