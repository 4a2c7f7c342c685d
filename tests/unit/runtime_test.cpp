#include <doctest/doctest.h>

#include "cairn/schema/meta.capnp.h"
#include "runtime/config.hpp"
#include "runtime/crc32c.hpp"
#include "runtime/envelope.hpp"
#include "runtime/frame.hpp"
#include "runtime/path.hpp"
#include "runtime/rng.hpp"

using namespace cairn;

TEST_CASE("crc32c matches the standard check value") {
  CHECK(crc32c("123456789", 9) == 0xE3069283u);
  CHECK(crc32c("", 0) == 0u);
  // Continuing over a split gives the same value as one pass.
  CHECK(crc32c("56789", 5, crc32c("1234", 4)) == 0xE3069283u);
}

TEST_CASE("an envelope round-trips through a frame with its header and payload") {
  envelope_header h;
  h.source = {client_host, "client"};
  h.destination = {2, "meta.1"};
  h.correlation_id = 77;
  h.trace_id = 0xABCDEF;
  h.deadline_ms = 123456;
  h.kind = wire::MessageKind::LOOKUP_REQUEST;
  envelope_builder b(h);
  auto p = b.init_payload<wire::LookupRequest>();
  p.setParentId(root_dir_id);
  auto names = p.initNames(2);
  names.set(0, "a");
  names.set(1, "b");
  auto frame = b.finish();
  auto r = envelope_reader::open(frame);
  REQUIRE(r.ok());
  auto& env = *r.value();
  CHECK(env.header().destination == address{2, "meta.1"});
  CHECK(env.header().correlation_id == 77);
  CHECK(env.header().trace_id == 0xABCDEF);
  CHECK(env.kind() == wire::MessageKind::LOOKUP_REQUEST);
  auto req = env.payload<wire::LookupRequest>();
  CHECK(req.getNames().size() == 2);
  CHECK(std::string(req.getNames()[1].cStr()) == "b");
}

TEST_CASE("a frame with garbage, a bad length or trailing bytes is rejected as corrupt") {
  CHECK(envelope_reader::open(std::string(64, 'x')).code() == errc::corrupt);
  envelope_builder b(envelope_header{});
  auto frame = b.finish();
  CHECK(envelope_reader::open(frame.substr(0, frame.size() - 8)).code() == errc::corrupt);
  // Same length header but the body is noise: capnp rejects the segment table.
  std::string noisy = frame;
  for (size_t i = frame_header_bytes; i < noisy.size(); ++i) noisy[i] = static_cast<char>(0xFF);
  auto r = envelope_reader::open(noisy);
  CHECK_FALSE(r.ok());
  CHECK(envelope_reader::open(frame, decode_limits{16}).code() == errc::corrupt);
}

TEST_CASE("the frame splitter reassembles frames cut at any byte and poisons on bad input") {
  envelope_builder b1(envelope_header{});
  envelope_builder b2(envelope_header{{1, "x"}, {2, "y"}, 5, 6, 7, wire::MessageKind::NONE});
  std::string stream = b1.finish() + b2.finish();
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    frame_splitter s(1 << 20);
    REQUIRE(s.feed(std::string_view(stream).substr(0, cut)).ok());
    REQUIRE(s.feed(std::string_view(stream).substr(cut)).ok());
    int n = 0;
    while (s.has_frame()) {
      CHECK(envelope_reader::open(s.pop_frame()).ok());
      ++n;
    }
    CHECK(n == 2);
  }
  frame_splitter bad(1 << 20);
  CHECK(bad.feed("GET / HTTP/1.1\r\n\r\n").code() == errc::corrupt);
  CHECK(bad.feed(stream).code() == errc::corrupt);  // stays poisoned
  frame_splitter small(64);
  std::string big(8, '\0');
  write_frame_header(big.data(), 1024);
  CHECK(small.feed(big).code() == errc::corrupt);
}

TEST_CASE("paths split into validated names") {
  CHECK(split_path("/").value().empty());
  CHECK(split_path("/a//b/").value() == std::vector<std::string>{"a", "b"});
  CHECK(split_path("a/b").code() == errc::invalid_argument);
  CHECK(split_path("/a/../b").code() == errc::invalid_argument);
  CHECK(split_path("/" + std::string(256, 'n')).code() == errc::invalid_argument);
  CHECK(join_path({"a", "b"}) == "/a/b");
}

TEST_CASE("sizes parse with binary units and reject unknown ones") {
  CHECK(parse_size("4096").value() == 4096);
  CHECK(parse_size("4KiB").value() == 4096);
  CHECK(parse_size("1MiB").value() == (1u << 20));
  CHECK(parse_size("2GiB").value() == (uint64_t{2} << 30));
  CHECK(parse_size("4kb").code() == errc::invalid_argument);
  CHECK(parse_size("MiB").code() == errc::invalid_argument);
}

TEST_CASE("a config resolves data dirs, assigns shards and rejects impossible replica counts") {
  const char* text = R"(
[cluster]
data_dir = "d"
listen = "127.0.0.1:7999"
chunk_size = "1MiB"
shards = 4
[[hosts]]
id = 1
name = "a"
[[hosts]]
id = 2
name = "b"
roles = ["storage"]
[[hosts]]
id = 3
name = "c"
)";
  auto c = parse_config(text, "t.toml", "/tmp/x");
  REQUIRE(c.ok());
  CHECK(c->data_dir == "/tmp/x/d");
  CHECK(c->hosts[1].data_dir == "/tmp/x/d/b");
  CHECK(c->listen_port == 7999);
  CHECK(c->chunk_size == (1u << 20));
  CHECK(c->shard_host(0) == 1);
  CHECK(c->shard_host(1) == 3);  // b has no meta role
  CHECK(c->shard_host(2) == 1);
  auto bad = parse_config("[cluster]\nfinal_replicas = 5\n[[hosts]]\nid=1\nname=\"a\"\n", "t", "/");
  CHECK(bad.code() == errc::invalid_argument);
  auto typo = parse_config("[cluster]\nchunk_sise = \"1MiB\"\n[[hosts]]\nid=1\nname=\"a\"\n",
                           "t.toml", "/");
  CHECK(typo.code() == errc::invalid_argument);
  CHECK(typo.err().message.find("chunk_sise") != std::string::npos);
  CHECK(typo.err().message.find("t.toml:2") != std::string::npos);
  auto host_typo = parse_config("[[hosts]]\nid=1\nname=\"a\"\nrack=\"r1\"\n", "t.toml", "/");
  CHECK(host_typo.code() == errc::invalid_argument);
  auto bad_port = parse_config(
      "[cluster]\nlisten = \"127.0.0.1:http\"\n[[hosts]]\nid=1\nname=\"a\"\n", "t", "/");
  CHECK(bad_port.code() == errc::invalid_argument);
  auto big_chunk =
      parse_config("[cluster]\nchunk_size = \"128MiB\"\n[[hosts]]\nid=1\nname=\"a\"\n", "t", "/");
  CHECK(big_chunk.code() == errc::invalid_argument);
  auto small_frame = parse_config(
      "[cluster]\nchunk_size = \"4MiB\"\nframe_bytes_max = \"4MiB\"\n[[hosts]]\nid=1\nname=\"a\"\n",
      "t", "/");
  CHECK(small_frame.code() == errc::invalid_argument);
  CHECK(parse_endpoint("127.0.0.1:7400").value().second == 7400);
  CHECK(parse_endpoint("127.0.0.1:99999").code() == errc::invalid_argument);
  CHECK(parse_endpoint("nonsense").code() == errc::invalid_argument);
  auto syntax = parse_config("[cluster\n", "t.toml", "/");
  CHECK(syntax.code() == errc::invalid_argument);
  CHECK(syntax.err().message.find("t.toml:1") != std::string::npos);
}

TEST_CASE("durations parse with ms, s, m, h and d; a bare number is seconds") {
  CHECK(parse_duration_ms("500ms").value() == 500);
  CHECK(parse_duration_ms("90s").value() == 90000);
  CHECK(parse_duration_ms("90").value() == 90000);
  CHECK(parse_duration_ms("15m").value() == 900000);
  CHECK(parse_duration_ms("2h").value() == 7200000);
  CHECK(parse_duration_ms("1d").value() == 86400000);
  CHECK(parse_duration_ms("15min").code() == errc::invalid_argument);
  CHECK(parse_duration_ms("m").code() == errc::invalid_argument);
  CHECK(parse_duration_ms("-5s").code() == errc::invalid_argument);
  CHECK(parse_duration_ms("99999999999999999999s").code() == errc::invalid_argument);
}

TEST_CASE("orphan GC settings default sensibly and orphan_grace must exceed pending_ttl") {
  auto with = [](const std::string& lines) {
    return parse_config("[cluster]\nmin_replicas = 1\nfinal_replicas = 1\n" + lines +
                            "[[hosts]]\nid = 1\nname = \"a\"\n",
                        "t", "/");
  };
  auto defaults = with("");
  REQUIRE(defaults.ok());
  CHECK(defaults->pending_ttl_ms == 10 * 60 * 1000);
  CHECK(defaults->orphan_grace_ms == 15 * 60 * 1000);
  CHECK(defaults->orphan_scan_interval_ms == 60 * 1000);

  auto set = with("pending_ttl = \"2m\"\norphan_grace = 300\norphan_scan_interval = \"10s\"\n");
  REQUIRE(set.ok());
  CHECK(set->pending_ttl_ms == 120000);
  CHECK(set->orphan_grace_ms == 300000);
  CHECK(set->orphan_scan_interval_ms == 10000);

  auto equal = with("pending_ttl = \"15m\"\norphan_grace = \"15m\"\n");
  CHECK(equal.code() == errc::invalid_argument);
  CHECK(equal.err().message ==
        "cluster.orphan_grace (15m) must exceed cluster.pending_ttl (15m): a chunk of a pending "
        "inode must not be judged an orphan before its inode expired");
  CHECK(with("orphan_grace = \"5m\"\n").code() == errc::invalid_argument);  // < default ttl
  CHECK(with("pending_ttl = 0\n").code() == errc::invalid_argument);
  CHECK(with("orphan_scan_interval = \"0s\"\n").code() == errc::invalid_argument);
  auto bad_unit = with("orphan_grace = \"1w\"\n");
  CHECK(bad_unit.code() == errc::invalid_argument);
  CHECK(bad_unit.err().message.find("cluster.orphan_grace") != std::string::npos);
  CHECK(with("orphan_grace = 1.5\n").code() == errc::invalid_argument);
  CHECK(with("orphan_grace = -1\n").code() == errc::invalid_argument);
}

TEST_CASE("derived rng streams are deterministic and independent of each other") {
  rng root(42);
  auto a1 = root.derive("host-1"), a2 = root.derive("host-1"), b = root.derive("host-2");
  uint64_t x = a1.next();
  CHECK(x == a2.next());
  CHECK(x != b.next());
  for (int i = 0; i < 1000; ++i) CHECK(a1.below(7) < 7);
}

TEST_CASE("mutated and truncated frames never crash the decoder, they fail as corrupt") {
  envelope_header h{{client_host, "client"},          {1, "meta.0"}, 1, 2, 3,
                    wire::MessageKind::LOOKUP_REQUEST};
  envelope_builder b(h);
  auto p = b.init_payload<wire::LookupRequest>();
  auto names = p.initNames(3);
  for (unsigned i = 0; i < 3; ++i) names.set(i, "component");
  const std::string good = b.finish();
  rng r(7);
  int opened = 0, rejected = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string bad = good;
    int flips = 1 + static_cast<int>(r.below(4));
    for (int f = 0; f < flips; ++f)
      bad[frame_header_bytes + r.below(bad.size() - frame_header_bytes)] ^=
          static_cast<char>(1 + r.below(255));
    if (r.below(4) == 0)
      bad.resize(frame_header_bytes + 8 * r.below((bad.size() - frame_header_bytes) / 8));
    auto env = envelope_reader::open(bad);
    if (!env) {
      CHECK(env.code() == errc::corrupt);
      ++rejected;
      continue;
    }
    ++opened;
    // Reading every field of the payload either works or fails as corrupt.
    auto read = guarded([&]() -> status {
      auto req = env.value()->payload<wire::LookupRequest>();
      size_t total = 0;
      for (auto n : req.getNames()) total += n.size();
      (void)total;
      return ok_status();
    });
    if (!read) CHECK(read.code() == errc::corrupt);
  }
  CHECK(opened + rejected == 20000);
  CHECK(rejected > 0);
}
