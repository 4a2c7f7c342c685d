// The storage node actor in a real actor system, driven through envelope frames.
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "../unit/storage_test_dir.hpp"
#include "actors/storage_node/storage_codec.hpp"
#include "actors/storage_node/storage_node_actor.hpp"
#include "cairn/schema/storage.capnp.h"
#include "runtime/crc32c.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/registry.hpp"

using namespace cairn;

namespace {

constexpr auto reply_timeout = std::chrono::seconds(30);
constexpr host_id node_host = 4;

caf::actor_system_config& with_middleman(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman>();
  return cfg;
}

// What came back for one request: a reply frame, or a CAF error.
struct answer {
  std::unique_ptr<envelope_reader> reply;
  caf::error err;
};

struct storage_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{with_middleman(cfg)};
  registry reg;
  caf::scoped_actor self{sys};
  test::temp_dir dir;
  std::vector<caf::actor> spawned;
  uint64_t next_id = 1;

  ~storage_fixture() {
    for (auto& a : spawned) stop(a);
  }

  caf::actor spawn(uint64_t capacity_bytes = 0, bool detached = true) {
    storage_node_options opt;
    opt.host = node_host;
    opt.data_dir = dir.path() + "/node";
    opt.capacity_bytes = capacity_bytes;
    opt.detached = detached;
    auto node = spawn_storage_node(sys, reg, opt);
    REQUIRE_MESSAGE(node.ok(), (node.ok() ? "" : node.err().to_string()));
    spawned.push_back(*node);
    return *node;
  }

  void stop(const caf::actor& a) {
    self->send_exit(a, caf::exit_reason::user_shutdown);
    self->wait_for(a);
  }

  envelope_header header() {
    envelope_header h;
    h.source = {client_host, "test"};
    h.destination = {node_host, storage_actor_name};
    h.correlation_id = next_id;
    h.trace_id = 0x5700000000000000ull + next_id;
    ++next_id;
    return h;
  }

  answer ask(const caf::actor& node, std::string frame) {
    answer out;
    self->request(node, reply_timeout, envelope_atom::value, std::move(frame))
        .receive([&](std::string& reply) { out.reply = open_reply(std::move(reply)); },
                 [&](caf::error& err) { out.err = std::move(err); });
    return out;
  }

  static std::unique_ptr<envelope_reader> open_reply(std::string frame) {
    auto opened = envelope_reader::open(std::move(frame));
    REQUIRE(opened.ok());
    return std::move(opened.value());
  }
};

std::string chunk_bytes(uint32_t i) {
  std::string out(4096, '\0');
  for (size_t j = 0; j < out.size(); ++j) out[j] = static_cast<char>((i * 31 + j * 7) & 0xFF);
  return out;
}

errc error_code_of(const answer& a) {
  REQUIRE(a.reply);
  REQUIRE(a.reply->kind() == wire::MessageKind::ERROR_REPLY);
  return read_error_reply(*a.reply).code;
}

}  // namespace

TEST_CASE_FIXTURE(storage_fixture,
                  "a storage node acknowledges 50 concurrent puts and returns each chunk intact") {
  auto node = spawn();
  CHECK(reg.find({node_host, storage_actor_name}) == node);
  constexpr uint32_t n = 50;
  const uint64_t file = 0x0001000000000042ull;
  // All requests are sent before any reply is awaited, so they share batches.
  std::vector<decltype(self->request(node, reply_timeout, envelope_atom::value, std::string{}))>
      inflight;
  for (uint32_t i = 0; i < n; ++i)
    inflight.push_back(self->request(node, reply_timeout, envelope_atom::value,
                                     make_chunk_put_request(header(), {file, i}, chunk_bytes(i))));
  std::vector<std::unique_ptr<envelope_reader>> acks(n);
  for (uint32_t i = 0; i < n; ++i)
    inflight[i].receive([&](std::string& reply) { acks[i] = open_reply(std::move(reply)); },
                        [&](caf::error& err) { FAIL("put failed: " << sys.render(err)); });
  for (uint32_t i = 0; i < n; ++i) {
    REQUIRE(acks[i]);
    REQUIRE(acks[i]->kind() == wire::MessageKind::CHUNK_PUT_REPLY);
    auto p = acks[i]->payload<wire::ChunkPutReply>();
    auto bytes = chunk_bytes(i);
    CHECK(p.getCrc() == crc32c(bytes.data(), bytes.size()));
    CHECK(p.getLength() == 4096);
  }
  for (uint32_t i = 0; i < n; ++i) {
    auto got = ask(node, make_chunk_get_request(header(), {file, i}));
    REQUIRE(got.reply);
    REQUIRE(got.reply->kind() == wire::MessageKind::CHUNK_GET_REPLY);
    auto data = got.reply->payload<wire::ChunkGetReply>().getData();
    CHECK(std::string(reinterpret_cast<const char*>(data.begin()), data.size()) == chunk_bytes(i));
  }

  auto stats = ask(node, make_node_stats_request(header()));
  REQUIRE(stats.reply);
  REQUIRE(stats.reply->kind() == wire::MessageKind::NODE_STATS_REPLY);
  auto s = stats.reply->payload<wire::NodeStatsReply>().getStats();
  CHECK(s.getHost() == node_host);
  CHECK(s.getChunks() == n);
  CHECK(s.getBytes() == n * 4096);
  CHECK(s.getFreeBytes() > 0);
  CHECK(s.getReachable());
}

TEST_CASE_FIXTURE(storage_fixture, "a storage node answers a missing chunk with not_found") {
  auto node = spawn();
  auto got = ask(node, make_chunk_get_request(header(), {77, 3}));
  CHECK(error_code_of(got) == errc::not_found);
  CHECK(got.reply->header().trace_id == 0x5700000000000001ull);  // the request's trace
}

TEST_CASE_FIXTURE(storage_fixture, "a storage node survives garbage frames and payloads") {
  auto node = spawn();
  auto garbage = ask(node, std::string(64, 'x'));
  CHECK_FALSE(garbage.reply);
  CHECK(garbage.err == caf::sec::unexpected_message);

  // A valid envelope whose payload is a text where a ChunkPutRequest struct belongs.
  auto h = header();
  h.kind = wire::MessageKind::CHUNK_PUT_REQUEST;
  envelope_builder b(h);
  b.message().getRoot<wire::Envelope>().getPayload().setAs<capnp::Text>("not a struct");
  CHECK(error_code_of(ask(node, b.finish())) == errc::corrupt);

  auto unknown = header();
  unknown.kind = wire::MessageKind::LOOKUP_REQUEST;
  CHECK(error_code_of(ask(node, envelope_builder(unknown).finish())) == errc::invalid_argument);

  // Still serving.
  auto stats = ask(node, make_node_stats_request(header()));
  REQUIRE(stats.reply);
  CHECK(stats.reply->kind() == wire::MessageKind::NODE_STATS_REPLY);
}

TEST_CASE_FIXTURE(storage_fixture, "a storage node deletes a chunk and says whether it existed") {
  auto node = spawn();
  REQUIRE(ask(node, make_chunk_put_request(header(), {9, 0}, "bytes")).reply->kind() ==
          wire::MessageKind::CHUNK_PUT_REPLY);
  auto first = ask(node, make_chunk_delete_request(header(), {9, 0}));
  REQUIRE(first.reply->kind() == wire::MessageKind::CHUNK_DELETE_REPLY);
  CHECK(first.reply->payload<wire::ChunkDeleteReply>().getExisted());
  auto second = ask(node, make_chunk_delete_request(header(), {9, 0}));
  REQUIRE(second.reply->kind() == wire::MessageKind::CHUNK_DELETE_REPLY);
  CHECK_FALSE(second.reply->payload<wire::ChunkDeleteReply>().getExisted());
  CHECK(error_code_of(ask(node, make_chunk_get_request(header(), {9, 0}))) == errc::not_found);
}

TEST_CASE_FIXTURE(storage_fixture, "a storage node refuses a put past its capacity with no_space") {
  // A 4 KiB chunk's record takes two 4 KiB blocks once its batch is padded; a second
  // one would need a third.
  auto node = spawn(10000);
  auto first = ask(node, make_chunk_put_request(header(), {2, 0}, chunk_bytes(0)));
  REQUIRE(first.reply);
  CHECK(first.reply->kind() == wire::MessageKind::CHUNK_PUT_REPLY);
  auto second = ask(node, make_chunk_put_request(header(), {2, 1}, chunk_bytes(1)));
  CHECK(error_code_of(second) == errc::no_space);
  CHECK(error_code_of(ask(node, make_chunk_get_request(header(), {2, 1}))) == errc::not_found);
}

TEST_CASE_FIXTURE(storage_fixture,
                  "acknowledged chunks are served by a new node on the same data dir") {
  auto node = spawn();
  REQUIRE(ask(node, make_chunk_put_request(header(), {5, 5}, chunk_bytes(5))).reply->kind() ==
          wire::MessageKind::CHUNK_PUT_REPLY);
  stop(node);
  auto again = spawn();
  auto got = ask(again, make_chunk_get_request(header(), {5, 5}));
  REQUIRE(got.reply->kind() == wire::MessageKind::CHUNK_GET_REPLY);
  auto data = got.reply->payload<wire::ChunkGetReply>().getData();
  CHECK(std::string(reinterpret_cast<const char*>(data.begin()), data.size()) == chunk_bytes(5));
}

TEST_CASE_FIXTURE(storage_fixture, "a storage node on the shared scheduler serves puts and gets") {
  auto node = spawn(0, false);
  auto put = ask(node, make_chunk_put_request(header(), {6, 1}, chunk_bytes(6)));
  REQUIRE(put.reply);
  CHECK(put.reply->kind() == wire::MessageKind::CHUNK_PUT_REPLY);
  auto got = ask(node, make_chunk_get_request(header(), {6, 1}));
  REQUIRE(got.reply->kind() == wire::MessageKind::CHUNK_GET_REPLY);
  CHECK(got.reply->payload<wire::ChunkGetReply>().getCrc() ==
        put.reply->payload<wire::ChunkPutReply>().getCrc());
}

TEST_CASE_FIXTURE(storage_fixture,
                  "spawning a storage node on an unusable data dir fails with io_error") {
  storage_node_options opt;
  opt.host = node_host;
  opt.data_dir = "/proc/cairn-no-such-place";
  auto node = spawn_storage_node(sys, reg, opt);
  REQUIRE_FALSE(node.ok());
  CHECK(node.code() == errc::io_error);
  CHECK_FALSE(reg.find({node_host, storage_actor_name}).has_value());
}
