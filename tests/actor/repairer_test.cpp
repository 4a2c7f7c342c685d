// The replica repairer under CAF's test coordinator, with a virtual clock, against a
// stand-in meta shard (serves its repair queue, records replicaAdds) and stand-in
// storage nodes (record chunkReplicate requests, fail them as told).
#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "actors/repairer/repairer_actor.hpp"
#include "actors/repairer/repairer_codec.hpp"
#include "actors/storage_node/storage_codec.hpp"
#include "runtime/cluster_map_codec.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/registry.hpp"

using namespace cairn;
using namespace std::chrono_literals;
using repair::replica_state;

namespace {

constexpr shard_id shard = 0;
constexpr host_id shard_host = 1;

// 3 racks of 2 storage hosts: rack0 = {1, 2}, rack1 = {3, 4}, rack2 = {5, 6}.
cluster_map test_map(uint64_t epoch) {
  cluster_map m;
  m.epoch = epoch;
  for (host_id id = 1; id <= 6; ++id)
    m.hosts.push_back({id, "h" + std::to_string(id),
                       topology_labels{"reg", "dc", "c", "rack" + std::to_string((id - 1) / 2),
                                       "h" + std::to_string(id)},
                       host_state::up, true, 0});
  m.shard_hosts = {shard_host};
  m.chunk_size = 1 << 20;
  m.min_replicas = 2;
  m.final_replicas = 3;
  return m;
}

struct copy_asked {
  host_id target = 0;
  chunk_replicate_request request;
};

// What the stand-ins were asked, and how they answer.
struct script {
  uint64_t shard_epoch = 5;
  std::vector<repair::entry> queue;
  std::vector<repair::queue_request> queue_reads;
  std::vector<copy_asked> copies;
  std::vector<repair::replica_add_request> adds;
  std::vector<errc> copy_failures;  // the next copies fail with these, in order
  std::vector<errc> add_failures;   // the next replicaAdds fail with these, in order
};

error take_failure(std::vector<errc>& failures) {
  auto code = failures.front();
  failures.erase(failures.begin());
  return error{code, "scripted failure"};
}

// A replicaAdd that succeeds makes the replica live; a chunk at final leaves the queue.
uint8_t record_add(script& s, const repair::replica_add_request& add) {
  for (auto it = s.queue.begin(); it != s.queue.end(); ++it) {
    if (it->chunk != add.chunk) continue;
    it->replicas.push_back({add.host, replica_state::live});
    uint8_t live = ++it->live;
    if (live >= it->final_replicas) s.queue.erase(it);
    return live;
  }
  return 0;
}

caf::behavior fake_meta_shard(caf::event_based_actor*, std::shared_ptr<script> s) {
  return {
      [s](envelope_atom, std::string& frame) -> std::string {
        auto env = envelope_reader::open(std::move(frame));
        REQUIRE(env.ok());
        auto& h = (*env)->header();
        CHECK(h.destination == address{shard_host, meta_actor_name(shard)});
        CHECK(h.source == address{shard_host, repairer_actor_name(shard)});
        if (h.kind == wire::MessageKind::REPAIR_QUEUE_REQUEST) {
          auto q = repair::read_queue_request(**env);
          REQUIRE(q.ok());
          s->queue_reads.push_back(*q);
          repair::queue_reply reply{s->shard_epoch, s->queue, false, s->queue.size()};
          return repair::make_queue_reply(h, reply);
        }
        auto add = repair::read_replica_add_request(**env);
        REQUIRE(add.ok());
        s->adds.push_back(*add);
        if (!s->add_failures.empty()) return make_error_reply(h, take_failure(s->add_failures));
        return repair::make_replica_add_reply(h, record_add(*s, *add));
      },
  };
}

caf::behavior fake_storage(caf::event_based_actor*, host_id host, std::shared_ptr<script> s) {
  return {
      [host, s](envelope_atom, std::string& frame) -> std::string {
        auto env = envelope_reader::open(std::move(frame));
        REQUIRE(env.ok());
        auto& h = (*env)->header();
        CHECK(h.destination == storage_address(host));
        auto q = read_chunk_replicate_request(**env);
        REQUIRE(q.ok());
        s->copies.push_back({host, *q});
        if (!s->copy_failures.empty()) return make_error_reply(h, take_failure(s->copy_failures));
        host_id source = q->sources.empty() ? 0 : q->sources.front();
        return make_chunk_replicate_reply(h, {q->crc, q->length, source});
      },
  };
}

// Sends one mapUpdate to the repairer and keeps the epoch it answers.
caf::behavior map_pusher(caf::event_based_actor* self, caf::actor repairer, cluster_map map,
                         std::shared_ptr<uint64_t> answered) {
  envelope_header h{address{shard_host, coordinator_actor_name},
                    address{shard_host, repairer_actor_name(shard)},
                    1,
                    42,
                    0,
                    {}};
  self->request(repairer, 10s, envelope_atom::value, make_map_update(h, map))
      .then([answered](std::string& reply) {
        auto epoch = read_map_update_ack(std::move(reply));
        REQUIRE(epoch.ok());
        *answered = *epoch;
      });
  return {};
}

caf::actor_system_config& with_test_coordinator(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  return cfg;
}

struct repairer_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{with_test_coordinator(cfg)};
  caf::scheduler::test_coordinator& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  registry reg;
  std::shared_ptr<script> s = std::make_shared<script>();
  std::vector<caf::actor> actors;
  caf::actor repairer;

  repairer_fixture() {
    auto meta = sys.spawn(fake_meta_shard, s);
    reg.put(address{shard_host, meta_actor_name(shard)}, meta);
    actors.push_back(meta);
    for (host_id id = 1; id <= 6; ++id) {
      auto node = sys.spawn(fake_storage, id, s);
      reg.put(storage_address(id), node);
      actors.push_back(node);
    }
  }

  ~repairer_fixture() {
    for (auto& a : actors) caf::anon_send_exit(a, caf::exit_reason::kill);
    sched.run();
    reg.clear();
  }

  void spawn(uint64_t seed = 1) {
    repairer_options opt;
    opt.shard = shard;
    opt.host = shard_host;
    opt.map = test_map(5);
    opt.inflight_max = 4;
    opt.seed = seed;
    auto r = spawn_repairer(sys, reg, opt);
    REQUIRE(r.ok());
    repairer = *r;
    actors.push_back(repairer);
    CHECK(reg.find(address{shard_host, repairer_actor_name(shard)}).has_value());
    sched.run();
  }

  void advance(caf::timespan by) {
    sched.advance_time(by);
    sched.run();
  }
  // advance_time fires each due timer once: step through a span one poll at a time.
  void advance_polls(int polls) {
    for (int i = 0; i < polls; ++i) advance(1s);
  }

  uint64_t push_map(const cluster_map& map) {
    auto answered = std::make_shared<uint64_t>(0);
    actors.push_back(sys.spawn(map_pusher, repairer, map, answered));
    sched.run();
    return *answered;
  }
};

repair::entry under_replicated(inode_id file, std::vector<repair::replica> replicas,
                               uint8_t final_replicas = 3) {
  uint8_t live = 0;
  for (auto& r : replicas) live += r.state == replica_state::live;
  return repair::entry{{file, 0}, 4096, 0xABCD1234, live, final_replicas, 0, 0, replicas};
}

}  // namespace

TEST_CASE_FIXTURE(repairer_fixture,
                  "the repairer copies a chunk to a free rack's host, then records it at the "
                  "map epoch") {
  // Live on racks 0 and 1, a corrupt record on host 5 (rack 2): only host 6 fits.
  s->queue.push_back(under_replicated(
      7, {{1, replica_state::live}, {3, replica_state::live}, {5, replica_state::corrupt}}));
  spawn();
  REQUIRE(s->queue_reads.size() >= 1);
  CHECK_FALSE(s->queue_reads.front().after.has_value());
  REQUIRE(s->copies.size() == 1);
  auto& copy = s->copies[0];
  CHECK(copy.target == 6);
  CHECK(copy.request.key == chunk_key{7, 0});
  CHECK(copy.request.crc == 0xABCD1234u);
  CHECK(copy.request.length == 4096u);
  CHECK(std::set<host_id>(copy.request.sources.begin(), copy.request.sources.end()) ==
        std::set<host_id>{1, 3});
  REQUIRE(s->adds.size() == 1);
  CHECK(s->adds[0].chunk == chunk_key{7, 0});
  CHECK(s->adds[0].host == 6);
  CHECK(s->adds[0].crc == 0xABCD1234u);
  CHECK(s->adds[0].epoch == 5);
  CHECK(s->queue.empty());
  size_t reads = s->queue_reads.size();
  advance_polls(5);  // nothing left to do
  CHECK(s->copies.size() == 1);
  CHECK(s->adds.size() == 1);
  CHECK(s->queue_reads.size() == reads + 5);  // it keeps polling, once a second
}

TEST_CASE_FIXTURE(repairer_fixture, "a failed copy is retried after its backoff, elsewhere") {
  s->queue.push_back(under_replicated(8, {{1, replica_state::live}}, 2));
  s->copy_failures = {errc::io_error};
  spawn();
  REQUIRE(s->copies.size() == 1);
  host_id first = s->copies[0].target;
  CHECK(first != 1);
  CHECK(s->adds.empty());
  advance(700ms);  // the backoff is at least 750 ms
  CHECK(s->copies.size() == 1);
  advance(300ms);  // the next poll, past the backoff
  REQUIRE(s->copies.size() == 2);
  CHECK(s->copies[1].target != first);
  CHECK(s->copies[1].target != 1);
  REQUIRE(s->adds.size() == 1);
  CHECK(s->adds[0].host == s->copies[1].target);
  CHECK(s->queue.empty());
}

TEST_CASE_FIXTURE(repairer_fixture,
                  "after a stale epoch the repairer waits for a newer map, then records the "
                  "same copy under it") {
  s->queue.push_back(under_replicated(9, {{1, replica_state::live}, {3, replica_state::live}}));
  s->add_failures = {errc::stale_epoch};
  spawn();
  REQUIRE(s->copies.size() == 1);
  REQUIRE(s->adds.size() == 1);
  host_id target = s->copies[0].target;
  CHECK(s->adds[0].epoch == 5);
  advance_polls(10);
  CHECK(s->copies.size() == 1);  // no retry under the old map
  CHECK(s->adds.size() == 1);

  // Garbage is dropped; an older map is ignored; a newer one releases the repair.
  caf::anon_send(repairer, envelope_atom::value, std::string("not a frame"));
  sched.run();
  CHECK(push_map(test_map(4)) == 5);
  CHECK(s->copies.size() == 1);
  s->shard_epoch = 6;
  CHECK(push_map(test_map(6)) == 6);
  REQUIRE(s->copies.size() == 2);
  CHECK(s->copies[1].target == target);  // it already holds the bytes
  REQUIRE(s->adds.size() == 2);
  CHECK(s->adds[1].epoch == 6);
  CHECK(s->adds[1].host == target);
  CHECK(s->queue.empty());
}

TEST_CASE_FIXTURE(repairer_fixture, "the repairer refuses options that cannot work") {
  repairer_options opt;
  opt.map = test_map(1);
  opt.inflight_max = 0;
  CHECK(spawn_repairer(sys, reg, opt).code() == errc::invalid_argument);
  opt.inflight_max = 1;
  opt.shard = 3;  // the map names shard 0 only
  CHECK(spawn_repairer(sys, reg, opt).code() == errc::invalid_argument);
  opt.shard = 0;
  opt.poll_interval_ms = 0;
  CHECK(spawn_repairer(sys, reg, opt).code() == errc::invalid_argument);
}
