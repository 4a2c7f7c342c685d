#include "runtime/net/tls_session.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

namespace cairn {
namespace {

// Drains this thread's OpenSSL error queue into one line, the root cause first. Generic
// "<library> lib" entries, which only say where an error passed through, are left out.
std::string openssl_errors() {
  std::vector<std::string> reasons;
  const char* data = nullptr;
  int flags = 0;
  while (unsigned long code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
    const char* text = ERR_SYSTEM_ERROR(code) ? std::strerror(ERR_GET_REASON(code))
                                              : ERR_reason_error_string(code);
    std::string reason = text ? text : "OpenSSL error " + std::to_string(code);
    if ((flags & ERR_TXT_STRING) && data && *data) reason += " (" + std::string(data) + ")";
    if (reason.ends_with(" lib") && !reasons.empty()) continue;
    if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end())
      reasons.push_back(std::move(reason));
  }
  std::string out;
  for (auto& reason : reasons) out += (out.empty() ? "" : "; ") + reason;
  return out;
}

// "TLS key /etc/cairn/a.key: key values mismatch (expected: ...)"
error bad_file(std::string_view what, const std::string& path, std::string_view expected) {
  auto why = openssl_errors();
  return error{errc::invalid_argument, "TLS " + std::string(what) + " " + path + ": " +
                                           (why.empty() ? "unusable" : why) +
                                           " (expected: " + std::string(expected) + ")"};
}

// A key protected by a passphrase would make OpenSSL prompt on the terminal: refuse it.
int no_passphrase(char*, int, int, void*) { return 0; }

// Checks this host's certificate the way its peers will: against the CA, as a TLS client
// and as a TLS server (a host is both), valid now.
status verify_own_certificate(SSL_CTX* ctx, const tls_config& files) {
  X509* leaf = SSL_CTX_get0_certificate(ctx);
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(ctx, &chain);
  for (auto [purpose, role] : {std::pair{X509_PURPOSE_SSL_CLIENT, "client"},
                               std::pair{X509_PURPOSE_SSL_SERVER, "server"}}) {
    X509_STORE_CTX* check = X509_STORE_CTX_new();
    if (!check) return error{errc::internal, "cannot allocate a certificate check"};
    int verified = X509_STORE_CTX_init(check, SSL_CTX_get_cert_store(ctx), leaf, chain) == 1 &&
                   X509_STORE_CTX_set_purpose(check, purpose) == 1 && X509_verify_cert(check) == 1;
    int code = X509_STORE_CTX_get_error(check);
    X509_STORE_CTX_free(check);
    ERR_clear_error();
    if (!verified)
      return error{errc::invalid_argument, "TLS certificate " + files.cert_file +
                                               " does not verify against " + files.ca_file +
                                               " for use as a TLS " + role + ": " +
                                               X509_verify_cert_error_string(code)};
  }
  return ok_status();
}

}  // namespace

result<std::shared_ptr<tls_context>> tls_context::load(const tls_config& files) {
  if (files.cert_file.empty() || files.key_file.empty() || files.ca_file.empty())
    return error{errc::invalid_argument,
                 "TLS needs all three of a certificate, its key and the CA file"};
  ERR_clear_error();
  SSL_CTX* raw = SSL_CTX_new(TLS_method());
  if (!raw) return error{errc::internal, "cannot create a TLS context: " + openssl_errors()};
  std::shared_ptr<tls_context> out(new tls_context(raw));
  SSL_CTX_set_min_proto_version(raw, TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(raw, TLS1_3_VERSION);
  // Connections are long-lived: resumption would save little and adds state to reason about.
  SSL_CTX_set_session_cache_mode(raw, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(raw, 0);
  // Idle connections hand their record buffers back. Only cert_file's chain is sent:
  // every peer already holds the CA.
  SSL_CTX_set_mode(raw, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_NO_AUTO_CHAIN);
  SSL_CTX_set_verify(raw, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_verify_depth(raw, tls_verify_depth_max);
  SSL_CTX_set_default_passwd_cb(raw, no_passphrase);

  if (SSL_CTX_use_certificate_chain_file(raw, files.cert_file.c_str()) != 1)
    return bad_file("certificate", files.cert_file,
                    "PEM, this host's certificate first, then any intermediate CAs");
  if (SSL_CTX_use_PrivateKey_file(raw, files.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(raw) != 1)
    return bad_file("key", files.key_file, "the unencrypted PEM private key of " + files.cert_file);
  // Every certificate in the file is trusted: a bundle of two CAs during a rotation.
  if (SSL_CTX_load_verify_locations(raw, files.ca_file.c_str(), nullptr) != 1)
    return bad_file("CA file", files.ca_file, "PEM, one or more CA certificates");
  if (auto st = verify_own_certificate(raw, files); !st) return st.err();
  return out;
}

tls_context::~tls_context() { SSL_CTX_free(ctx_); }

void tls_session::ssl_free::operator()(ssl_st* ssl) const { SSL_free(ssl); }

tls_session::tls_session(std::shared_ptr<tls_context> ctx, ssl_st* ssl, tls_limits limits)
    : ctx_(std::move(ctx)), ssl_(ssl), limits_(limits) {}

result<tls_session> tls_session::client(std::shared_ptr<tls_context> ctx, tls_limits limits) {
  return make(std::move(ctx), limits, false);
}

result<tls_session> tls_session::server(std::shared_ptr<tls_context> ctx, tls_limits limits) {
  return make(std::move(ctx), limits, true);
}

result<tls_session> tls_session::make(std::shared_ptr<tls_context> ctx, tls_limits limits,
                                      bool is_server) {
  CAIRN_ASSERT(ctx != nullptr);
  ERR_clear_error();
  SSL* ssl = SSL_new(ctx->ctx_);
  if (!ssl) return error{errc::internal, "cannot create a TLS session: " + openssl_errors()};
  tls_session session(std::move(ctx), ssl, limits);
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  if (!in || !out) {
    BIO_free(in);
    BIO_free(out);
    return error{errc::internal, "cannot create TLS buffers: " + openssl_errors()};
  }
  // An empty buffer means "no bytes yet", never end of stream.
  BIO_set_mem_eof_return(in, -1);
  BIO_set_mem_eof_return(out, -1);
  SSL_set_bio(ssl, in, out);
  if (is_server) {
    SSL_set_accept_state(ssl);
  } else {
    SSL_set_connect_state(ssl);
    // Queues the ClientHello for the first take_output().
    if (auto st = session.advance_handshake(); !st) return st.err();
  }
  return session;
}

error tls_session::fail(std::string_view during) {
  std::string why = openssl_errors();
  long verify = SSL_get_verify_result(ssl_.get());
  if (verify != X509_V_OK) {
    why += why.empty() ? "" : ": ";
    why += X509_verify_cert_error_string(verify);
  }
  if (why.empty()) why = "unexpected state";
  failure_ = "TLS " + std::string(during) + " failed: " + why;
  pending_plaintext_.clear();
  return error{errc::corrupt, failure_};
}

status tls_session::advance_handshake() {
  ERR_clear_error();
  int done = SSL_do_handshake(ssl_.get());
  if (done != 1) {
    if (SSL_get_error(ssl_.get(), done) == SSL_ERROR_WANT_READ) return ok_status();
    return fail("handshake");
  }
  handshake_done_ = true;
  std::string held = std::move(pending_plaintext_);
  pending_plaintext_.clear();
  return encrypt(held);
}

status tls_session::encrypt(std::string_view plaintext) {
  if (plaintext.empty()) return ok_status();
  ERR_clear_error();
  size_t written = 0;
  // A memory BIO takes everything: SSL_write never stops half way.
  if (SSL_write_ex(ssl_.get(), plaintext.data(), plaintext.size(), &written) != 1 ||
      written != plaintext.size())
    return fail("write");
  return ok_status();
}

// Decrypts every whole record buffered. Plaintext never exceeds the ciphertext it came
// from, so one allocation of the buffered size normally suffices.
status tls_session::read_records(std::string& out) {
  size_t used = 0;
  out.resize(BIO_ctrl_pending(SSL_get_rbio(ssl_.get())) + 1);
  while (true) {
    if (used == out.size()) out.resize(out.size() + (1u << 14));
    ERR_clear_error();
    size_t got = 0;
    int ok = SSL_read_ex(ssl_.get(), out.data() + used, out.size() - used, &got);
    if (ok == 1) {
      used += got;
      continue;
    }
    int why = SSL_get_error(ssl_.get(), ok);
    if (why == SSL_ERROR_WANT_READ) break;
    if (why == SSL_ERROR_ZERO_RETURN) {
      peer_closed_ = true;
      break;
    }
    return fail(handshake_done_ ? "read" : "handshake");
  }
  out.resize(used);
  return ok_status();
}

result<std::string> tls_session::feed(std::string_view ciphertext) {
  CAIRN_ASSERT(ssl_ != nullptr);
  if (failed()) return error{errc::corrupt, failure_};
  if (ciphertext.empty()) return std::string{};
  if (peer_closed_) {
    failure_ = "TLS read failed: data after the peer's close_notify";
    return error{errc::corrupt, failure_};
  }
  BIO* in = SSL_get_rbio(ssl_.get());
  size_t written = 0;
  if (BIO_write_ex(in, ciphertext.data(), ciphertext.size(), &written) != 1 ||
      written != ciphertext.size())
    return fail("read");
  if (!handshake_done_) {
    if (auto st = advance_handshake(); !st) return st.err();
    if (!handshake_done_) return std::string{};
  }
  std::string plaintext;
  if (auto st = read_records(plaintext); !st) return st.err();
  // OpenSSL consumes records as they complete; more left over would be unbounded growth.
  if (!peer_closed_ && BIO_ctrl_pending(in) > tls_record_bytes_max) {
    failure_ =
        "TLS read failed: " + std::to_string(BIO_ctrl_pending(in)) + " bytes of input not consumed";
    return error{errc::corrupt, failure_};
  }
  return plaintext;
}

size_t tls_session::buffered_bytes() const {
  return pending_plaintext_.size() + BIO_ctrl_pending(SSL_get_wbio(ssl_.get()));
}

status tls_session::write(std::string_view plaintext) {
  CAIRN_ASSERT(ssl_ != nullptr);
  if (failed()) return error{errc::corrupt, failure_};
  if (closed_) return error{errc::invalid_argument, "TLS write after close"};
  if (buffered_bytes() + plaintext.size() > limits_.buffered_bytes_max)
    return error{errc::overloaded, "TLS output buffer full: " + std::to_string(buffered_bytes()) +
                                       " bytes waiting, limit " +
                                       std::to_string(limits_.buffered_bytes_max)};
  if (!handshake_done_) {
    pending_plaintext_.append(plaintext);
    return ok_status();
  }
  return encrypt(plaintext);
}

std::string tls_session::take_output() {
  CAIRN_ASSERT(ssl_ != nullptr);
  BIO* out = SSL_get_wbio(ssl_.get());
  std::string bytes(BIO_ctrl_pending(out), '\0');
  size_t got = 0;
  if (!bytes.empty()) BIO_read_ex(out, bytes.data(), bytes.size(), &got);
  CAIRN_ASSERT(got == bytes.size());
  return bytes;
}

void tls_session::close() {
  CAIRN_ASSERT(ssl_ != nullptr);
  if (closed_ || failed()) return;
  closed_ = true;
  pending_plaintext_.clear();
  if (!handshake_done_) return;
  ERR_clear_error();
  SSL_shutdown(ssl_.get());  // 0: close_notify queued, the peer's not yet seen; both fine
  ERR_clear_error();
}

status tls_session::end_of_input() const {
  if (peer_closed_) return ok_status();
  if (failed()) return error{errc::corrupt, failure_};
  std::string why = "TLS connection ended without close_notify: the stream may be truncated";
  if (ssl_ && (SSL_has_pending(ssl_.get()) || BIO_ctrl_pending(SSL_get_rbio(ssl_.get()))))
    why += " (an unfinished record was dropped)";
  return error{errc::corrupt, why};
}

std::string tls_session::peer_subject() const {
  if (!ssl_ || !handshake_done_) return {};
  X509* cert = SSL_get0_peer_certificate(ssl_.get());
  if (!cert) return {};
  BIO* text = BIO_new(BIO_s_mem());
  if (!text) return {};
  X509_NAME_print_ex(text, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long size = BIO_get_mem_data(text, &data);
  std::string out(data, size > 0 ? static_cast<size_t>(size) : 0);
  BIO_free(text);
  return out;
}

}  // namespace cairn
