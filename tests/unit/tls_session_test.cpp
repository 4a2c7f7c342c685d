#include <doctest/doctest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "runtime/net/tls_session.hpp"
#include "storage_test_dir.hpp"

using namespace cairn;

namespace {

using key_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using cert_ptr = std::unique_ptr<X509, decltype(&X509_free)>;

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  REQUIRE(ext != nullptr);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A P-256 key and a certificate for it: a CA (self-signed when issuer is null) or a host
// usable as TLS client and server. Valid from a minute ago for `valid_s` seconds.
struct identity {
  key_ptr key{nullptr, EVP_PKEY_free};
  cert_ptr cert{nullptr, X509_free};
};

identity make_identity(const std::string& name, const identity* issuer, bool is_ca,
                       long valid_s = 86400) {
  static long serial = 1;
  identity out;
  out.key.reset(EVP_EC_gen("P-256"));
  REQUIRE(out.key);
  out.cert.reset(X509_new());
  X509* cert = out.cert.get();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), valid_s);
  X509_set_pubkey(cert, out.key.get());
  X509_NAME* subject = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509* issuer_cert = issuer ? issuer->cert.get() : cert;
  X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert));
  if (is_ca) {
    add_extension(cert, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(cert, issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert, issuer_cert, NID_ext_key_usage, "serverAuth,clientAuth");
    add_extension(cert, issuer_cert, NID_subject_alt_name, ("DNS:" + name).c_str());
  }
  EVP_PKEY* signer = issuer ? issuer->key.get() : out.key.get();
  REQUIRE(X509_sign(cert, signer, EVP_sha256()) > 0);
  return out;
}

void write_pem(const std::string& path, X509* cert) {
  FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f);
  PEM_write_X509(f, cert);
  std::fclose(f);
}

void write_pem(const std::string& path, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f);
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream all;
  all << in.rdbuf();
  return all.str();
}

// Two cluster CAs: "a" signs alpha and beta, "b" signs mallory. Also an expired host of
// CA a, and ab.pem, a bundle of both CAs.
struct test_pki {
  test::temp_dir dir;

  test_pki() {
    auto ca_a = make_identity("cluster CA a", nullptr, true);
    auto ca_b = make_identity("cluster CA b", nullptr, true);
    write_pem(path("a.pem"), ca_a.cert.get());
    write_pem(path("b.pem"), ca_b.cert.get());
    std::ofstream(path("ab.pem")) << read_file(path("a.pem")) << read_file(path("b.pem"));
    write_host("alpha", make_identity("alpha", &ca_a, false));
    write_host("beta", make_identity("beta", &ca_a, false));
    write_host("mallory", make_identity("mallory", &ca_b, false));
    write_host("expired", make_identity("expired", &ca_a, false, -30));
  }

  std::string path(const std::string& file) const { return dir.path() + "/" + file; }

  void write_host(const std::string& name, const identity& id) {
    write_pem(path(name + ".pem"), id.cert.get());
    write_pem(path(name + ".key"), id.key.get());
  }

  tls_config files(const std::string& host, const std::string& ca = "a") const {
    return {path(host + ".pem"), path(host + ".key"), path(ca + ".pem")};
  }

  std::shared_ptr<tls_context> context(const std::string& host, const std::string& ca = "a") const {
    auto ctx = tls_context::load(files(host, ca));
    REQUIRE_MESSAGE(ctx.ok(), ctx.err().to_string());
    return *ctx;
  }
};

// What one side received, and the first error it reported.
struct side {
  std::string received;
  std::optional<error> failure;
};

// Feeds bytes in pieces of odd sizes, so records and handshake messages are cut at
// every kind of boundary.
void deliver(tls_session& to, std::string_view bytes, side& got, bool odd_pieces) {
  static constexpr size_t piece_bytes[] = {1, 7, 333, 4093, 16411, 65537};
  size_t next = 0;
  while (!bytes.empty() && !got.failure) {
    size_t take = odd_pieces ? std::min(piece_bytes[next++ % 6], bytes.size()) : bytes.size();
    auto plaintext = to.feed(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (plaintext)
      got.received += *plaintext;
    else
      got.failure = plaintext.err();
  }
}

// Moves ciphertext both ways until neither session has anything to send.
void pump(tls_session& client, tls_session& server, side& at_client, side& at_server,
          bool odd_pieces = false) {
  for (int round = 0; round < 100; ++round) {
    auto to_server = client.take_output();
    auto to_client = server.take_output();
    if (to_server.empty() && to_client.empty()) return;
    deliver(server, to_server, at_server, odd_pieces);
    deliver(client, to_client, at_client, odd_pieces);
  }
  FAIL("the sessions kept talking for 100 rounds");
}

struct connected_pair {
  tls_session client;
  tls_session server;
  side at_client, at_server;
};

connected_pair connect(const test_pki& pki, const std::string& client_host = "alpha",
                       const std::string& server_host = "beta") {
  auto client = tls_session::client(pki.context(client_host));
  auto server = tls_session::server(pki.context(server_host));
  REQUIRE(client.ok());
  REQUIRE(server.ok());
  connected_pair out{std::move(*client), std::move(*server), {}, {}};
  pump(out.client, out.server, out.at_client, out.at_server);
  return out;
}

std::string pattern_bytes(size_t n, unsigned seed) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>((i * 131 + seed * 7 + i / 251) & 0xFF);
  return out;
}

}  // namespace

TEST_CASE("tls: a client and a server finish a mutual handshake and exchange data both ways") {
  test_pki pki;
  auto c = connect(pki);
  REQUIRE_FALSE(c.at_client.failure);
  REQUIRE_FALSE(c.at_server.failure);
  CHECK(c.client.handshake_done());
  CHECK(c.server.handshake_done());
  CHECK(c.client.peer_subject() == "CN=beta");
  CHECK(c.server.peer_subject() == "CN=alpha");

  REQUIRE(c.client.write("ping").ok());
  REQUIRE(c.server.write("pong").ok());
  pump(c.client, c.server, c.at_client, c.at_server);
  CHECK(c.at_server.received == "ping");
  CHECK(c.at_client.received == "pong");
}

TEST_CASE("tls: a 1 MiB message cut into odd-sized pieces arrives whole, in both directions") {
  test_pki pki;
  auto c = connect(pki);
  auto up = pattern_bytes(1u << 20, 1);
  auto down = pattern_bytes((1u << 20) + 13, 2);
  // Written in odd pieces too, so records do not line up with the writes.
  for (size_t at = 0; at < up.size(); at += 10007)
    REQUIRE(c.client.write(std::string_view(up).substr(at, 10007)).ok());
  REQUIRE(c.server.write(down).ok());
  pump(c.client, c.server, c.at_client, c.at_server, true);
  REQUIRE_FALSE(c.at_client.failure);
  REQUIRE_FALSE(c.at_server.failure);
  CHECK(c.at_server.received == up);
  CHECK(c.at_client.received == down);
}

TEST_CASE("tls: writes made before the handshake completes arrive after it, in order") {
  test_pki pki;
  auto client = tls_session::client(pki.context("alpha"));
  auto server = tls_session::server(pki.context("beta"));
  REQUIRE(client.ok());
  REQUIRE(server.ok());
  REQUIRE(client->write("first ").ok());
  REQUIRE(client->write("second").ok());
  REQUIRE(server->write("hello early").ok());
  CHECK_FALSE(client->handshake_done());
  side at_client, at_server;
  pump(*client, *server, at_client, at_server, true);
  CHECK(at_server.received == "first second");
  CHECK(at_client.received == "hello early");
}

TEST_CASE(
    "tls: a client refuses a server whose certificate another CA signed, naming verification") {
  test_pki pki;
  auto client = tls_session::client(pki.context("alpha"));
  auto server = tls_session::server(pki.context("mallory", "b"));
  REQUIRE(client->write("secret").ok());
  side at_client, at_server;
  pump(*client, *server, at_client, at_server);
  REQUIRE(at_client.failure);
  CHECK(at_client.failure->code == errc::corrupt);
  CHECK(at_client.failure->message.find("certificate verify failed") != std::string::npos);
  CHECK(at_client.failure->message.find("unable to get local issuer certificate") !=
        std::string::npos);
  // The client's alert reached the server, which fails too; no plaintext crossed.
  REQUIRE(at_server.failure);
  CHECK(at_server.failure->message.find("alert") != std::string::npos);
  CHECK(at_server.received.empty());
  CHECK_FALSE(client->handshake_done());
  // The failure is final.
  CHECK(client->feed("more").code() == errc::corrupt);
  CHECK(client->write("more").code() == errc::corrupt);
}

TEST_CASE("tls: a server refuses a client whose certificate another CA signed") {
  test_pki pki;
  // mallory trusts both CAs, so its side of the handshake finishes first (TLS 1.3); beta
  // trusts only CA a, and its refusal reaches mallory as an alert.
  auto client = tls_session::client(pki.context("mallory", "ab"));
  auto server = tls_session::server(pki.context("beta"));
  REQUIRE(client->write("let me in").ok());
  side at_client, at_server;
  pump(*client, *server, at_client, at_server);
  REQUIRE(at_server.failure);
  CHECK(at_server.failure->message.find("certificate verify failed") != std::string::npos);
  CHECK(at_server.received.empty());
  REQUIRE(at_client.failure);
  CHECK(at_client.failure->message.find("alert") != std::string::npos);
  CHECK_FALSE(server->handshake_done());
  CHECK(server->peer_subject().empty());
}

TEST_CASE("tls: a server refuses a client that presents no certificate") {
  test_pki pki;
  auto server = tls_session::server(pki.context("beta"));
  REQUIRE(server.ok());
  // A plain OpenSSL client with no certificate (tls_context always has one).
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  SSL* ssl = SSL_new(ctx);
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, in, out);
  SSL_set_connect_state(ssl);
  side at_server;
  for (int round = 0; round < 10 && !at_server.failure; ++round) {
    SSL_do_handshake(ssl);
    char buf[1 << 14];
    std::string to_server;
    for (int n; (n = BIO_read(out, buf, sizeof buf)) > 0;) to_server.append(buf, n);
    deliver(*server, to_server, at_server, false);
    auto to_client = server->take_output();
    BIO_write(in, to_client.data(), static_cast<int>(to_client.size()));
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  REQUIRE(at_server.failure);
  CHECK(at_server.failure->message.find("peer did not return a certificate") != std::string::npos);
  CHECK_FALSE(server->handshake_done());
}

TEST_CASE("tls: bytes that are not TLS fail the server at once, and it stays failed") {
  test_pki pki;
  SUBCASE("an HTTP request") {
    auto server = tls_session::server(pki.context("beta"));
    auto got = server->feed("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE_FALSE(got.ok());
    CHECK(got.code() == errc::corrupt);
    CHECK(got.err().message.find("TLS handshake failed") != std::string::npos);
    CHECK(server->failed());
    CHECK(server->feed("\x16\x03\x01").code() == errc::corrupt);
  }
  SUBCASE("a megabyte of noise is refused without being buffered") {
    auto server = tls_session::server(pki.context("beta"));
    auto noise = pattern_bytes(1u << 20, 3);
    noise[0] = 0x16;  // a handshake record header announcing an oversized record
    noise[1] = 0x03;
    noise[2] = 0x01;
    noise[3] = 0x7F;
    side at_server;
    deliver(*server, noise, at_server, true);
    REQUIRE(at_server.failure);
    CHECK(at_server.received.empty());
  }
  SUBCASE("a record altered in flight fails to decrypt") {
    auto c = connect(pki);
    REQUIRE(c.client.write("payload").ok());
    auto record = c.client.take_output();
    record[record.size() - 3] ^= 0x01;
    auto got = c.server.feed(record);
    REQUIRE_FALSE(got.ok());
    CHECK(got.err().message.find("TLS read failed") != std::string::npos);
    CHECK_FALSE(c.server.take_output().empty());  // the alert to send before closing
  }
}

TEST_CASE("tls: a cut stream yields only whole records, and end_of_input reports the cut") {
  test_pki pki;
  auto c = connect(pki);
  auto message = pattern_bytes(100000, 4);
  REQUIRE(c.server.write(message).ok());
  c.server.close();
  CHECK(c.server.write("late").code() == errc::invalid_argument);
  auto wire = c.server.take_output();

  // One byte short of the first record: nothing at all; its last byte: all of it.
  std::string_view rest = wire;
  size_t first_record =
      5 + ((static_cast<unsigned char>(wire[3]) << 8) | static_cast<unsigned char>(wire[4]));
  auto almost = c.client.feed(rest.substr(0, first_record - 1));
  REQUIRE(almost.ok());
  CHECK(almost->empty());
  auto received = *c.client.feed(rest.substr(first_record - 1, 1));
  CHECK(received.size() == (1u << 14));
  rest.remove_prefix(first_record);
  // Up to the middle: a prefix made of whole 16 KiB records, never a partial one.
  auto middle = c.client.feed(rest.substr(0, wire.size() / 2));
  rest.remove_prefix(wire.size() / 2);
  REQUIRE(middle.ok());
  received += *middle;
  CHECK(received.size() < message.size());
  CHECK(received.size() % (1u << 14) == 0);
  CHECK(message.compare(0, received.size(), received) == 0);
  auto cut = c.client.end_of_input();
  CHECK(cut.code() == errc::corrupt);
  CHECK(cut.err().message.find("truncated") != std::string::npos);
  CHECK(cut.err().message.find("unfinished record") != std::string::npos);

  // The rest, with close_notify: the whole message, and a clean end.
  auto last = c.client.feed(rest);
  REQUIRE(last.ok());
  CHECK(received + *last == message);
  CHECK(c.client.peer_closed());
  CHECK(c.client.end_of_input().ok());
  CHECK(c.client.feed("after close").code() == errc::corrupt);
}

TEST_CASE("tls: writes past the buffer limit are refused as overloaded, and the session goes on") {
  test_pki pki;
  auto client = tls_session::client(pki.context("alpha"), tls_limits{64 * 1024});
  auto server = tls_session::server(pki.context("beta"));
  REQUIRE(client->write(std::string(40000, 'x')).ok());
  CHECK(client->write(std::string(40000, 'y')).code() == errc::overloaded);
  side at_client, at_server;
  pump(*client, *server, at_client, at_server);
  REQUIRE(client->write(std::string(20000, 'z')).ok());
  pump(*client, *server, at_client, at_server);
  CHECK(at_server.received == std::string(40000, 'x') + std::string(20000, 'z'));
}

TEST_CASE("tls: a session moved mid-handshake carries on") {
  test_pki pki;
  auto client = tls_session::client(pki.context("alpha"));
  auto server = tls_session::server(pki.context("beta"));
  auto hello = client->take_output();
  REQUIRE(server->feed(hello).ok());
  tls_session moved = std::move(*server);
  side at_client, at_server;
  pump(*client, moved, at_client, at_server);
  CHECK(moved.handshake_done());
  CHECK(client->handshake_done());
}

TEST_CASE(
    "tls: loading refuses missing files, a mismatched key and certificates the CA would refuse") {
  test_pki pki;
  auto refused = [](tls_config files, std::string_view expected) {
    auto ctx = tls_context::load(files);
    REQUIRE_FALSE(ctx.ok());
    CHECK(ctx.code() == errc::invalid_argument);
    INFO(ctx.err().message);
    CHECK(ctx.err().message.find(expected) != std::string::npos);
  };
  refused({}, "all three");
  auto files = pki.files("alpha");
  files.cert_file = pki.path("nope.pem");
  refused(files, "nope.pem");
  files = pki.files("alpha");
  files.key_file = pki.path("beta.key");
  refused(files, "key values mismatch");
  refused(pki.files("mallory", "a"), "unable to get local issuer certificate");
  refused(pki.files("expired"), "certificate has expired");
  files = pki.files("alpha");
  files.ca_file = pki.path("alpha.key");
  refused(files, "CA file");
}

TEST_CASE("tls: with both CAs in the CA file, hosts of either CA connect (CA rotation)") {
  test_pki pki;
  auto client = tls_session::client(pki.context("alpha", "ab"));
  auto server = tls_session::server(pki.context("mallory", "ab"));
  side at_client, at_server;
  pump(*client, *server, at_client, at_server);
  REQUIRE_FALSE(at_client.failure);
  REQUIRE_FALSE(at_server.failure);
  CHECK(client->peer_subject() == "CN=mallory");
  CHECK(server->peer_subject() == "CN=alpha");
}

TEST_CASE("tls: certificates made by scripts/make-certs.sh connect two hosts") {
  namespace fs = std::filesystem;
  auto script =
      fs::path(__FILE__).parent_path().parent_path().parent_path() / "scripts" / "make-certs.sh";
  if (!fs::exists(script) || std::system("command -v openssl >/dev/null 2>&1") != 0) {
    MESSAGE("skipped: needs the openssl command and " << script.string());
    return;
  }
  test::temp_dir dir;
  auto run = "bash '" + script.string() + "' '" + dir.path() + "' alpha 127.0.0.1 >/dev/null";
  REQUIRE(std::system(run.c_str()) == 0);
  auto perms = fs::status(dir.path() + "/alpha.key").permissions();
  CHECK((perms & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
  auto load = [&](const std::string& host) {
    auto ctx = tls_context::load({dir.path() + "/" + host + ".pem",
                                  dir.path() + "/" + host + ".key", dir.path() + "/ca.pem"});
    REQUIRE_MESSAGE(ctx.ok(), ctx.err().to_string());
    return *ctx;
  };
  auto client = tls_session::client(load("alpha"));
  auto server = tls_session::server(load("127.0.0.1"));
  REQUIRE(client->write("over the script's certificates").ok());
  side at_client, at_server;
  pump(*client, *server, at_client, at_server);
  CHECK(at_server.received == "over the script's certificates");
  CHECK(client->peer_subject() == "CN=127.0.0.1");
  // Running it again keeps the CA: the hosts made before still verify.
  auto ca_before = read_file(dir.path() + "/ca.pem");
  REQUIRE(std::system(
              ("bash '" + script.string() + "' '" + dir.path() + "' beta >/dev/null").c_str()) ==
          0);
  CHECK(read_file(dir.path() + "/ca.pem") == ca_before);
  load("beta");
}
