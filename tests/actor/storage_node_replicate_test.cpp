// chunkReplicate under CAF's test coordinator: real storage nodes on simulated disks
// copy chunks from each other; a stand-in source counts the fetches it serves.
#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/storage_node/storage_codec.hpp"
#include "actors/storage_node/storage_node_actor.hpp"
#include "cairn/schema/storage.capnp.h"
#include "runtime/cluster_map.hpp"
#include "runtime/crc32c.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/registry.hpp"
#include "sim/sim_disk.hpp"

using namespace cairn;
using namespace std::chrono_literals;

namespace {

constexpr host_id target_host = 2;
constexpr host_id fake_host = 9;  // the stand-in source

// What the stand-in source serves, and how often it was asked.
struct source_script {
  std::map<chunk_key, std::string> chunks;  // served with the crc of the bytes as held
  std::optional<uint32_t> claimed_crc;      // answer this crc instead (a lying source)
  bool silent = false;
  int gets = 0;
  std::vector<caf::response_promise> unanswered;
};

caf::behavior fake_source(caf::event_based_actor* self, std::shared_ptr<source_script> script) {
  return {
      [self, script](envelope_atom, std::string& frame) -> caf::result<std::string> {
        auto env = envelope_reader::open(std::move(frame));
        REQUIRE(env.ok());
        REQUIRE((*env)->kind() == wire::MessageKind::CHUNK_GET_REQUEST);
        auto key = read_chunk_get_request(**env);
        REQUIRE(key.ok());
        ++script->gets;
        if (script->silent) {
          script->unanswered.push_back(self->make_response_promise());
          return script->unanswered.back();
        }
        auto it = script->chunks.find(*key);
        if (it == script->chunks.end())
          return make_error_reply((*env)->header(), {errc::not_found, "no such chunk"});
        uint32_t crc = script->claimed_crc.value_or(crc32c(it->second.data(), it->second.size()));
        return make_chunk_get_reply((*env)->header(), chunk_data{crc, it->second});
      },
  };
}

// The reply to one request sent from inside the actor system.
struct reply_box {
  std::optional<std::string> frame;
  std::optional<caf::error> err;
};

caf::behavior asker(caf::event_based_actor* self, caf::actor target, std::string frame,
                    std::shared_ptr<reply_box> box) {
  self->request(target, 10min, envelope_atom::value, std::move(frame))
      .then([box](std::string& reply) { box->frame = std::move(reply); },
            [box](caf::error& err) { box->err = std::move(err); });
  return {[](const std::string&) {}};  // stays alive until the fixture stops it
}

caf::actor_system_config& with_test_coordinator(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  return cfg;
}

std::string bytes_of(uint32_t seed, size_t size = 4096) {
  std::string out(size, '\0');
  for (size_t j = 0; j < size; ++j) out[j] = static_cast<char>((seed * 131 + j * 7) & 0xFF);
  return out;
}

uint32_t crc_of(const std::string& bytes) { return crc32c(bytes.data(), bytes.size()); }

struct replicate_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{with_test_coordinator(cfg)};
  caf::scheduler::test_coordinator& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  registry reg;
  std::map<host_id, std::shared_ptr<sim_disk>> disks;
  std::shared_ptr<source_script> fake = std::make_shared<source_script>();
  std::vector<caf::actor> actors;
  uint64_t next_id = 1;

  replicate_fixture() {
    auto source = sys.spawn(fake_source, fake);
    reg.put(storage_address(fake_host), source);
    actors.push_back(source);
  }

  ~replicate_fixture() {
    for (auto& a : actors) caf::anon_send_exit(a, caf::exit_reason::kill);
    sched.run();
    reg.clear();
  }

  // A storage node on host `host` with a simulated disk of `capacity` payload bytes.
  void spawn_node(host_id host, uint64_t capacity = 1 << 20) {
    auto disk = std::make_shared<sim_disk>(capacity);
    disks[host] = disk;
    storage_node_options opt;
    opt.host = host;
    opt.detached = false;
    opt.replicate_fetch_timeout_ms = 5000;
    auto node = spawn_storage_node(sys, reg, opt, std::make_unique<sim_chunk_store>(disk));
    REQUIRE(node.ok());
    actors.push_back(*node);
    sched.run();
  }

  // Commits a chunk straight onto a host's disk.
  void stored(host_id host, const chunk_key& key, const std::string& bytes) {
    sim_chunk_store store(disks.at(host));
    REQUIRE(store.append(key, bytes).ok());
    REQUIRE(store.commit(0).ok());
  }

  envelope_header header(host_id to) {
    envelope_header h;
    h.source = {client_host, "repairer"};
    h.destination = storage_address(to);
    h.correlation_id = next_id;
    h.trace_id = 0x4500000000000000ull + next_id++;
    return h;
  }

  // Sends without running the scheduler; run() delivers.
  std::shared_ptr<reply_box> send(host_id to, std::string frame) {
    auto box = std::make_shared<reply_box>();
    auto target = reg.find(storage_address(to));
    REQUIRE(target);
    actors.push_back(sys.spawn(asker, *target, std::move(frame), box));
    return box;
  }

  std::shared_ptr<reply_box> replicate(const chunk_key& key, const std::string& bytes,
                                       std::vector<host_id> sources) {
    chunk_replicate_request req{key, crc_of(bytes), static_cast<uint32_t>(bytes.size()),
                                std::move(sources)};
    return send(target_host, make_chunk_replicate_request(header(target_host), req));
  }

  std::shared_ptr<reply_box> replicate_now(const chunk_key& key, const std::string& bytes,
                                           std::vector<host_id> sources) {
    auto box = replicate(key, bytes, std::move(sources));
    sched.run();
    return box;
  }

  const sim_chunk* held(host_id host, const chunk_key& key) { return disks.at(host)->find(key); }
};

result<chunk_replicate_reply> answer_of(const std::shared_ptr<reply_box>& box) {
  REQUIRE_MESSAGE(box->frame.has_value(), "no reply frame");
  return read_chunk_replicate_reply(*box->frame);
}

const chunk_key key_a{make_inode_id(0, 40), 3};

}  // namespace

TEST_CASE_FIXTURE(replicate_fixture,
                  "replicate copies a chunk from a source node and answers once it is stored") {
  spawn_node(1);
  spawn_node(target_host);
  auto bytes = bytes_of(1);
  stored(1, key_a, bytes);
  // Host 5 runs no storage node: it is skipped for the next source.
  auto box = replicate_now(key_a, bytes, {5, 1});
  auto got = answer_of(box);
  REQUIRE_MESSAGE(got.ok(), got.err().to_string());
  CHECK(*got == chunk_replicate_reply{crc_of(bytes), 4096, 1});
  const sim_chunk* copy = held(target_host, key_a);
  REQUIRE(copy != nullptr);
  CHECK(copy->bytes == bytes);
  CHECK(copy->crc == crc_of(bytes));
}

TEST_CASE_FIXTURE(replicate_fixture,
                  "replicate skips a source whose copy fails its checksum and uses the next") {
  spawn_node(1);
  spawn_node(target_host);
  auto bytes = bytes_of(2);
  stored(1, key_a, bytes);
  REQUIRE(disks.at(1)->flip_bit(key_a, 100));  // host 1 answers corrupt
  fake->chunks[key_a] = bytes;
  auto got = answer_of(replicate_now(key_a, bytes, {1, fake_host}));
  REQUIRE_MESSAGE(got.ok(), got.err().to_string());
  CHECK(got->source == fake_host);
  REQUIRE(held(target_host, key_a) != nullptr);
  CHECK(held(target_host, key_a)->bytes == bytes);
}

TEST_CASE_FIXTURE(replicate_fixture,
                  "replicate is idempotent: a node holding the chunk does not fetch it again") {
  spawn_node(target_host);
  auto bytes = bytes_of(3);
  fake->chunks[key_a] = bytes;
  auto first = answer_of(replicate_now(key_a, bytes, {fake_host}));
  REQUIRE(first.ok());
  CHECK(first->source == fake_host);
  int64_t written_ms = held(target_host, key_a)->commit_ms;
  sched.advance_time(5s);
  sched.run();

  auto again = answer_of(replicate_now(key_a, bytes, {fake_host}));
  REQUIRE(again.ok());
  CHECK(*again == chunk_replicate_reply{crc_of(bytes), 4096, 0});
  CHECK(fake->gets == 1);  // not fetched again
  // ...but written again, so that an orphan-scan verdict taken while the copy was still
  // unreferenced cannot remove it once the repair has made it live (seed 20).
  CHECK(held(target_host, key_a)->commit_ms > written_ms);
}

TEST_CASE_FIXTURE(
    replicate_fixture,
    "concurrent replicates of one chunk fetch and write it once, and all are answered") {
  spawn_node(target_host);
  auto bytes = bytes_of(4);
  fake->chunks[key_a] = bytes;
  auto one = replicate(key_a, bytes, {fake_host});
  auto two = replicate(key_a, bytes, {fake_host});
  auto three = replicate(key_a, bytes, {fake_host});
  sched.run();
  for (auto& box : {one, two, three}) {
    auto got = answer_of(box);
    REQUIRE_MESSAGE(got.ok(), got.err().to_string());
    CHECK(got->crc == crc_of(bytes));
  }
  CHECK(fake->gets == 1);
  REQUIRE(held(target_host, key_a) != nullptr);
  CHECK(held(target_host, key_a)->bytes == bytes);
}

TEST_CASE_FIXTURE(
    replicate_fixture,
    "replicate overwrites this node's corrupt or different copy with verified bytes") {
  spawn_node(target_host);
  auto bytes = bytes_of(5);
  stored(target_host, key_a, bytes);
  REQUIRE(disks.at(target_host)->flip_bit(key_a, 9));
  fake->chunks[key_a] = bytes;
  auto got = answer_of(replicate_now(key_a, bytes, {fake_host}));
  REQUIRE_MESSAGE(got.ok(), got.err().to_string());
  CHECK(got->source == fake_host);
  CHECK(held(target_host, key_a)->bytes == bytes);
  CHECK(crc_of(held(target_host, key_a)->bytes) == held(target_host, key_a)->crc);

  chunk_key key_b{make_inode_id(0, 41), 0};
  stored(target_host, key_b, bytes_of(6));  // a stale copy with another crc
  fake->chunks[key_b] = bytes_of(7);
  auto other = answer_of(replicate_now(key_b, bytes_of(7), {fake_host}));
  REQUIRE(other.ok());
  CHECK(other->source == fake_host);
  CHECK(held(target_host, key_b)->bytes == bytes_of(7));
}

TEST_CASE_FIXTURE(replicate_fixture,
                  "replicate answers corrupt and stores nothing when every source's copy is bad") {
  spawn_node(1);
  spawn_node(3);
  spawn_node(target_host);
  auto bytes = bytes_of(8);
  stored(1, key_a, bytes);
  REQUIRE(disks.at(1)->flip_bit(key_a, 1));  // fails its own CRC on host 1
  stored(3, key_a, bytes_of(9));             // a good copy of other bytes
  fake->chunks[key_a] = bytes;
  fake->claimed_crc = crc_of(bytes);
  fake->chunks[key_a][0] ^= 1;  // sends flipped bytes under the right crc
  auto got = answer_of(replicate_now(key_a, bytes, {1, 3, fake_host}));
  REQUIRE_FALSE(got.ok());
  CHECK(got.code() == errc::corrupt);
  CHECK(got.err().message.find("every source") != std::string::npos);
  CHECK(held(target_host, key_a) == nullptr);
  CHECK(disks.at(target_host)->chunk_count() == 0);
}

TEST_CASE_FIXTURE(replicate_fixture,
                  "replicate answers unavailable when no source answers in time") {
  spawn_node(target_host);
  fake->silent = true;
  auto bytes = bytes_of(10);
  auto box = replicate_now(key_a, bytes, {7, fake_host});  // host 7: no node at all
  CHECK_FALSE(box->frame);
  sched.advance_time(5s);  // the fetch from the silent source times out
  sched.run();
  auto got = answer_of(box);
  REQUIRE_FALSE(got.ok());
  CHECK(got.code() == errc::unavailable);
  CHECK(got.err().message.find("no source answered") != std::string::npos);
  CHECK(held(target_host, key_a) == nullptr);
}

TEST_CASE_FIXTURE(replicate_fixture, "replicate refuses bad requests and a chunk that cannot fit") {
  spawn_node(target_host, 1000);
  auto bytes = bytes_of(11);
  fake->chunks[key_a] = bytes;
  auto none = answer_of(replicate_now(key_a, bytes, {}));
  CHECK(none.code() == errc::invalid_argument);
  auto empty = answer_of(replicate_now(key_a, "", {fake_host}));
  CHECK(empty.code() == errc::invalid_argument);
  auto huge = answer_of(replicate_now(key_a, std::string(6u << 20, 'x'), {fake_host}));
  CHECK(huge.code() == errc::invalid_argument);
  auto full = answer_of(replicate_now(key_a, bytes, {fake_host}));  // 4096 > 1000 bytes
  CHECK(full.code() == errc::no_space);
  CHECK(fake->gets == 0);
  CHECK(held(target_host, key_a) == nullptr);
}
