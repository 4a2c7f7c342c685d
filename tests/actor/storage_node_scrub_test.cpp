// The storage node's scrub, corruption reports, the crc in chunk checks and map pushes,
// under CAF's test coordinator with stand-in meta shards.
#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../unit/storage_test_dir.hpp"
#include "actors/storage_node/storage_codec.hpp"
#include "actors/storage_node/storage_node_actor.hpp"
#include "cairn/schema/meta.capnp.h"
#include "cairn/schema/storage.capnp.h"
#include "runtime/cluster_map.hpp"
#include "runtime/cluster_map_codec.hpp"
#include "runtime/crc32c.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/registry.hpp"
#include "sim/sim_disk.hpp"

using namespace cairn;
using namespace std::chrono_literals;

namespace {

constexpr host_id node_host = 6;
const std::vector<host_id> shard_hosts = {7, 8};  // shard 0 on host 7, shard 1 on host 8

// What the stand-in meta shards were sent, and how they answer reports.
struct meta_script {
  struct report {
    address to;
    chunk_key key;
    host_id host = 0;
  };
  std::vector<report> reports;
  std::vector<uint32_t> check_crcs;                // crc of every chunkCheck, in order
  std::vector<std::pair<address, host_id>> wiped;  // new-disk notices: (to, host)
  int failures_left = 0;  // reports answered with an error before accepting
};

caf::behavior fake_meta_shard(caf::event_based_actor*, std::shared_ptr<meta_script> script) {
  return {
      [script](envelope_atom, std::string& frame) -> caf::result<std::string> {
        auto env = envelope_reader::open(std::move(frame));
        REQUIRE(env.ok());
        auto& h = (*env)->header();
        if (h.kind == wire::MessageKind::CHUNK_CHECK_REQUEST) {
          script->check_crcs.push_back((*env)->payload<wire::ChunkCheckRequest>().getCrc());
          envelope_builder b(reply_header(h, wire::MessageKind::CHUNK_CHECK_REPLY));
          b.init_payload<wire::ChunkCheckReply>().setReferenced(true);
          return b.finish();
        }
        if (h.kind == wire::MessageKind::HOST_WIPED_REQUEST) {
          script->wiped.emplace_back(h.destination,
                                     (*env)->payload<wire::HostWipedRequest>().getHost());
          envelope_builder b(reply_header(h, wire::MessageKind::HOST_WIPED_REPLY));
          b.init_payload<wire::HostWipedReply>();
          return b.finish();
        }
        REQUIRE(h.kind == wire::MessageKind::CORRUPT_REPORT_REQUEST);
        auto p = (*env)->payload<wire::CorruptReportRequest>();
        script->reports.push_back({h.destination, {p.getFileId(), p.getIndex()}, p.getHost()});
        if (script->failures_left > 0) {
          --script->failures_left;
          return make_error_reply(h, {errc::unavailable, "shard is busy"});
        }
        envelope_builder b(reply_header(h, wire::MessageKind::CORRUPT_REPORT_REPLY));
        b.init_payload<wire::CorruptReportReply>();
        return b.finish();
      },
  };
}

struct reply_box {
  std::optional<std::string> frame;
};

caf::behavior asker(caf::event_based_actor* self, caf::actor target, std::string frame,
                    std::shared_ptr<reply_box> box) {
  self->request(target, 10min, envelope_atom::value, std::move(frame))
      .then([box](std::string& reply) { box->frame = std::move(reply); }, [](caf::error&) {});
  return {[](const std::string&) {}};
}

caf::actor_system_config& with_test_coordinator(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  return cfg;
}

std::string bytes_of(uint32_t seed) {
  std::string out(4096, '\0');
  for (size_t j = 0; j < out.size(); ++j) out[j] = static_cast<char>((seed * 131 + j * 7) & 0xFF);
  return out;
}

struct scrub_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{with_test_coordinator(cfg)};
  caf::scheduler::test_coordinator& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  registry reg;
  test::temp_dir dir;
  std::shared_ptr<sim_disk> disk = std::make_shared<sim_disk>(1 << 20);
  std::shared_ptr<meta_script> script = std::make_shared<meta_script>();
  std::vector<caf::actor> actors;
  caf::actor node;
  uint64_t next_id = 1;

  scrub_fixture() {
    for (shard_id s = 0; s < shard_hosts.size(); ++s) {
      auto meta = sys.spawn(fake_meta_shard, script);
      reg.put(address{shard_hosts[s], meta_actor_name(s)}, meta);
      actors.push_back(meta);
    }
  }

  ~scrub_fixture() {
    for (auto& a : actors) caf::anon_send_exit(a, caf::exit_reason::kill);
    sched.run();
    reg.clear();
  }

  storage_node_options options() {
    storage_node_options opt;
    opt.host = node_host;
    opt.detached = false;
    opt.shard_hosts = shard_hosts;
    opt.scrub_rate = uint64_t{1} << 30;
    opt.scrub_interval_ms = 60 * 1000;
    opt.scan_interval_ms = 10 * 60 * 1000;
    return opt;
  }

  void spawn_on_disk() {
    auto opt = options();
    opt.data_dir = dir.path() + "/node";
    auto spawned = spawn_storage_node(sys, reg, opt);
    REQUIRE_MESSAGE(spawned.ok(), (spawned.ok() ? "" : spawned.err().to_string()));
    node = *spawned;
    actors.push_back(node);
    sched.run();
  }

  void spawn_on_sim(storage_node_options opt) {
    auto spawned = spawn_storage_node(sys, reg, opt, std::make_unique<sim_chunk_store>(disk));
    REQUIRE(spawned.ok());
    node = *spawned;
    actors.push_back(node);
    sched.run();
  }

  void stored_on_sim(const chunk_key& key, const std::string& bytes) {
    sim_chunk_store store(disk);
    REQUIRE(store.append(key, bytes).ok());
    REQUIRE(store.commit(0).ok());
  }

  envelope_header header() {
    envelope_header h;
    h.source = {client_host, "test"};
    h.destination = storage_address(node_host);
    h.correlation_id = next_id;
    h.trace_id = 0x5C00000000000000ull + next_id++;
    return h;
  }

  std::unique_ptr<envelope_reader> ask(std::string frame) {
    auto box = std::make_shared<reply_box>();
    actors.push_back(sys.spawn(asker, node, std::move(frame), box));
    sched.run();
    REQUIRE(box->frame);
    auto opened = envelope_reader::open(std::move(*box->frame));
    REQUIRE(opened.ok());
    return std::move(opened.value());
  }

  void advance(caf::timespan by) {
    sched.advance_time(by);
    sched.run();
  }
};

// Flips one byte of `bytes` where it sits in the node's first segment file.
void flip_on_disk(const std::string& segment, const std::string& bytes) {
  std::string content;
  {
    std::ifstream in(segment, std::ios::binary);
    REQUIRE(in);
    content.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto at = content.find(bytes);
  REQUIRE(at != std::string::npos);
  std::fstream out(segment, std::ios::binary | std::ios::in | std::ios::out);
  out.seekp(static_cast<std::streamoff>(at + 100));
  char flipped = static_cast<char>(content[at + 100] ^ 0x10);
  out.write(&flipped, 1);
  REQUIRE(out.good());
}

}  // namespace

TEST_CASE_FIXTURE(scrub_fixture,
                  "the scrub finds a byte flipped in a segment file and reports it to the "
                  "chunk's home meta shard, keeping the bytes") {
  spawn_on_disk();
  std::vector<chunk_key> keys = {
      {make_inode_id(0, 30), 0}, {make_inode_id(1, 31), 4}, {make_inode_id(1, 32), 1}};
  for (uint32_t i = 0; i < keys.size(); ++i) {
    auto ack = ask(make_chunk_put_request(header(), keys[i], bytes_of(i)));
    REQUIRE(ack->kind() == wire::MessageKind::CHUNK_PUT_REPLY);
  }
  flip_on_disk(dir.path() + "/node/segments/00000000.seg", bytes_of(1));
  advance(30s);
  CHECK(script->reports.empty());  // the next pass is not due yet
  advance(30s);
  REQUIRE(script->reports.size() == 1);
  CHECK(script->reports[0].key == keys[1]);
  CHECK(script->reports[0].host == node_host);
  CHECK(script->reports[0].to == address{8, meta_actor_name(1)});  // shard 1's host

  // The bytes are kept (GC deletes them later), and reads still refuse them.
  auto stats = ask(make_node_stats_request(header()));
  CHECK(stats->payload<wire::NodeStatsReply>().getStats().getChunks() == 3);
  auto get = ask(make_chunk_get_request(header(), keys[1]));
  REQUIRE(get->kind() == wire::MessageKind::ERROR_REPLY);
  CHECK(read_error_reply(*get).code == errc::corrupt);
  // An accepted report is not sent again, by a read or by the next pass.
  advance(60s);
  CHECK(script->reports.size() == 1);
}

TEST_CASE_FIXTURE(scrub_fixture, "a corruption report that failed is sent again on the next pass") {
  chunk_key bad{make_inode_id(0, 50), 2};
  stored_on_sim({make_inode_id(0, 49), 0}, bytes_of(1));
  stored_on_sim(bad, bytes_of(2));
  REQUIRE(disk->flip_bit(bad, 77));
  script->failures_left = 1;
  spawn_on_sim(options());
  advance(1s);  // the first pass starts when the idle node looks
  REQUIRE(script->reports.size() == 1);
  CHECK(script->reports[0].key == bad);
  advance(59s);
  CHECK(script->reports.size() == 1);  // passes are a minute apart
  advance(1s);
  REQUIRE(script->reports.size() == 2);
  CHECK(script->reports[1].key == bad);
  advance(60s);
  CHECK(script->reports.size() == 2);  // accepted the second time
  CHECK(disk->find(bad) != nullptr);
}

TEST_CASE_FIXTURE(scrub_fixture, "a client's read of a corrupt chunk reports it once") {
  auto opt = options();
  opt.scrub_interval_ms = 24 * 60 * 60 * 1000;
  chunk_key bad{make_inode_id(1, 60), 0};
  stored_on_sim(bad, bytes_of(3));
  REQUIRE(disk->flip_bit(bad, 5));
  spawn_on_sim(opt);
  for (int i = 0; i < 3; ++i) {
    auto get = ask(make_chunk_get_request(header(), bad));
    REQUIRE(get->kind() == wire::MessageKind::ERROR_REPLY);
    CHECK(read_error_reply(*get).code == errc::corrupt);
  }
  REQUIRE(script->reports.size() == 1);
  CHECK(script->reports[0].key == bad);
  CHECK(script->reports[0].to == address{8, meta_actor_name(1)});
}

TEST_CASE_FIXTURE(scrub_fixture, "the orphan scan's chunk check carries the crc the node holds") {
  auto opt = options();
  opt.orphan_grace_ms = 0;
  opt.scan_interval_ms = 60 * 1000;
  stored_on_sim({make_inode_id(0, 70), 0}, bytes_of(4));
  stored_on_sim({make_inode_id(0, 70), 1}, bytes_of(5));
  spawn_on_sim(opt);
  advance(1s);
  auto crc = [](const std::string& b) { return crc32c(b.data(), b.size()); };
  CHECK(script->check_crcs == std::vector<uint32_t>{crc(bytes_of(4)), crc(bytes_of(5))});
}

TEST_CASE_FIXTURE(scrub_fixture, "a map push is answered with the newest epoch the node holds") {
  auto moved = sys.spawn(fake_meta_shard, script);  // shard 1 after the move
  reg.put(address{7, meta_actor_name(1)}, moved);
  actors.push_back(moved);
  spawn_on_sim(options());
  auto update = [&](uint64_t epoch, std::vector<host_id> shards) {
    cluster_map map;
    map.epoch = epoch;
    map.shard_hosts = std::move(shards);
    auto reply = ask(make_map_update(header(), map));
    REQUIRE(reply->kind() == wire::MessageKind::MAP_UPDATE_REPLY);
    return reply->payload<wire::MapUpdateReply>().getEpoch();
  };
  CHECK(update(5, shard_hosts) == 5);
  CHECK(update(3, {9, 9}) == 5);  // an older map changes nothing
  // A newer map moves shard 1 to host 7: reports for its chunks go there.
  CHECK(update(6, {7, 7}) == 6);
  // A map that names no host for shard 1 takes the epoch but keeps the shard hosts.
  CHECK(update(7, {9, 0}) == 7);
  chunk_key bad{make_inode_id(1, 80), 0};
  stored_on_sim(bad, bytes_of(6));
  REQUIRE(disk->flip_bit(bad, 5));
  auto get = ask(make_chunk_get_request(header(), bad));
  CHECK(read_error_reply(*get).code == errc::corrupt);
  REQUIRE(script->reports.size() == 1);
  CHECK(script->reports[0].to == address{7, meta_actor_name(1)});
}

TEST_CASE_FIXTURE(scrub_fixture,
                  "a node that starts with an empty store tells every meta shard once") {
  spawn_on_sim(options());
  advance(std::chrono::seconds(1));  // the idle tick sends the notices
  REQUIRE(script->wiped.size() == 2);
  CHECK(script->wiped[0] == std::pair{address{7, meta_actor_name(0)}, node_host});
  CHECK(script->wiped[1] == std::pair{address{8, meta_actor_name(1)}, node_host});
  // Both answered: nothing more is sent, however long the node runs.
  advance(std::chrono::seconds(30));
  CHECK(script->wiped.size() == 2);
}

TEST_CASE_FIXTURE(scrub_fixture, "a node that starts with chunks sends no new-disk notice") {
  stored_on_sim({make_inode_id(0, 10), 0}, bytes_of(1));
  spawn_on_sim(options());
  advance(std::chrono::seconds(30));
  CHECK(script->wiped.empty());
}
