// The storage node's orphan scan under CAF's test coordinator, with a virtual clock,
// a simulated disk and stand-in meta shards that answer chunk checks as told.
#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/meta_shard/meta_codec.hpp"
#include "actors/storage_node/storage_codec.hpp"
#include "actors/storage_node/storage_node_actor.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/registry.hpp"
#include "sim/sim_disk.hpp"

using namespace cairn;
using namespace std::chrono_literals;

namespace {

constexpr host_id node_host = 6;
const std::vector<host_id> shard_hosts = {7, 8};  // shard 0 on host 7, shard 1 on host 8

enum class meta_answer { referenced, unreferenced, error_reply, silent };

// What the stand-in meta shards were asked, and how they answer.
struct meta_script {
  std::map<chunk_key, meta_answer> answers;  // default: referenced
  struct asked_check {
    address to;
    chunk_check_request check;
  };
  std::vector<asked_check> asked;
  std::vector<caf::response_promise> unanswered;  // kept so that no reply is ever sent
};

// The meta shard's own codec reads the storage node's check and writes the answer, so
// these tests also prove both sides speak the same frames.
result<chunk_check_request> read_check(const envelope_reader& env) {
  auto req = decode_meta_request(env);
  if (!req) return req.err();
  auto* q = std::get_if<chunk_referenced_request>(&*req);
  if (!q) return error{errc::corrupt, "not a chunk check"};
  return chunk_check_request{chunk_key{q->file_id, q->index}, q->host};
}

std::string answer_check(const envelope_header& request, bool referenced) {
  return encode_meta_reply(request, chunk_referenced_reply{referenced});
}

caf::behavior fake_meta_shard(caf::event_based_actor* self, std::shared_ptr<meta_script> script) {
  return {
      [self, script](envelope_atom, std::string& frame) -> caf::result<std::string> {
        auto env = envelope_reader::open(std::move(frame));
        REQUIRE(env.ok());
        auto& h = (*env)->header();
        REQUIRE(h.kind == wire::MessageKind::CHUNK_CHECK_REQUEST);
        auto check = read_check(**env);
        REQUIRE(check.ok());
        script->asked.push_back({h.destination, *check});
        auto it = script->answers.find(check->key);
        switch (it == script->answers.end() ? meta_answer::referenced : it->second) {
          case meta_answer::referenced:
            return answer_check(h, true);
          case meta_answer::unreferenced:
            return answer_check(h, false);
          case meta_answer::error_reply:
            return make_error_reply(h, {errc::invalid_argument, "no chunk checks here"});
          case meta_answer::silent:
            break;
        }
        auto promise = self->make_response_promise();
        script->unanswered.push_back(promise);
        return promise;
      },
  };
}

caf::actor_system_config& with_test_coordinator(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  return cfg;
}

// File ids of shard 0 and shard 1 (the shard is the id's top 16 bits).
inode_id file_of(shard_id shard, uint64_t counter) { return make_inode_id(shard, counter); }

struct orphan_scan_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{with_test_coordinator(cfg)};
  caf::scheduler::test_coordinator& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  registry reg;
  std::shared_ptr<sim_disk> disk = std::make_shared<sim_disk>(1 << 20);
  std::shared_ptr<meta_script> script = std::make_shared<meta_script>();
  std::vector<caf::actor> actors;

  orphan_scan_fixture() {
    for (shard_id s = 0; s < shard_hosts.size(); ++s) {
      auto meta = sys.spawn(fake_meta_shard, script);
      reg.put(address{shard_hosts[s], meta_actor_name(s)}, meta);
      actors.push_back(meta);
    }
  }

  ~orphan_scan_fixture() {
    for (auto& a : actors) caf::anon_send_exit(a, caf::exit_reason::kill);
    sched.run();
    reg.clear();
  }

  int64_t now_ms() {
    auto since = sched.clock().now().time_since_epoch();
    return std::chrono::duration_cast<std::chrono::milliseconds>(since).count();
  }

  // Commits chunks on the disk at the clock's current time, before the node starts.
  void stored_now(const std::vector<chunk_key>& keys) {
    sim_chunk_store store(disk);
    for (auto& key : keys) REQUIRE(store.append(key, "chunk bytes").ok());
    REQUIRE(store.commit(now_ms()).ok());
  }

  void spawn_node(uint32_t checks_max = 16) {
    storage_node_options opt;
    opt.host = node_host;
    opt.detached = false;
    opt.shard_hosts = shard_hosts;
    opt.orphan_grace_ms = 15 * 60 * 1000;
    opt.scan_interval_ms = 60 * 1000;
    opt.scan_checks_max = checks_max;
    opt.scan_check_timeout_ms = 10 * 1000;
    auto node = spawn_storage_node(sys, reg, opt, std::make_unique<sim_chunk_store>(disk));
    REQUIRE(node.ok());
    actors.push_back(*node);
    sched.run();
  }

  void advance(caf::timespan by) {
    sched.advance_time(by);
    sched.run();
  }

  bool stored(const chunk_key& key) { return disk->find(key) != nullptr; }
};

}  // namespace

TEST_CASE_FIXTURE(orphan_scan_fixture,
                  "the orphan scan deletes only the old chunks their meta shard disowns") {
  chunk_key orphan{file_of(0, 10), 0}, wanted{file_of(1, 11), 2}, unsure{file_of(0, 12), 1};
  chunk_key young{file_of(0, 13), 0};
  stored_now({orphan, wanted, unsure});
  advance(10min);
  stored_now({young});
  script->answers[orphan] = meta_answer::unreferenced;
  script->answers[unsure] = meta_answer::error_reply;
  script->answers[young] = meta_answer::unreferenced;
  spawn_node();

  advance(1s);  // the first pass: every chunk is younger than 15 minutes
  CHECK(script->asked.empty());
  advance(5min);  // an idle node starts the next pass on its own
  REQUIRE(script->asked.size() == 3);
  CHECK(script->asked[0].check.key == orphan);
  CHECK(script->asked[0].to == address{7, meta_actor_name(0)});
  CHECK(script->asked[0].check.host == node_host);
  CHECK(script->asked[1].check.key == unsure);
  CHECK(script->asked[2].check.key == wanted);
  CHECK(script->asked[2].to == address{8, meta_actor_name(1)});
  CHECK_FALSE(stored(orphan));
  CHECK(stored(wanted));
  CHECK(stored(unsure));  // an error is no verdict
  CHECK(stored(young));

  script->asked.clear();
  advance(10min);  // now the young chunk is old enough too
  CHECK(script->asked.size() == 3);
  CHECK_FALSE(stored(young));
  CHECK(stored(wanted));
  CHECK(stored(unsure));
}

TEST_CASE_FIXTURE(orphan_scan_fixture,
                  "an unanswered check keeps its chunk, and only checks_max are in flight") {
  std::vector<chunk_key> silent;
  for (uint32_t i = 0; i < 3; ++i) silent.push_back({file_of(0, 20), i});
  stored_now(silent);
  for (auto& key : silent) script->answers[key] = meta_answer::silent;
  advance(20min);
  spawn_node(2);
  advance(1s);
  CHECK(script->asked.size() == 2);  // the third waits for a slot
  advance(10s);                      // the two checks time out
  CHECK(script->asked.size() == 3);
  advance(10s);
  for (auto& key : silent) CHECK(stored(key));
  CHECK(script->asked.size() == 3);  // one check per chunk per pass
}

TEST_CASE_FIXTURE(orphan_scan_fixture, "a chunk whose shard has no meta shard is kept") {
  chunk_key stray{file_of(5, 30), 0};  // shard 5: not in shard_hosts
  stored_now({stray});
  advance(20min);
  spawn_node();
  advance(1s);
  CHECK(script->asked.empty());
  CHECK(stored(stray));
}

TEST_CASE("chunk check frames round-trip, and any reply but a chunkCheckReply is an error") {
  envelope_header h;
  h.source = {node_host, storage_actor_name};
  h.destination = {7, meta_actor_name(0)};
  h.trace_id = 99;
  auto request = envelope_reader::open(make_chunk_check_request(h, {{file_of(0, 5), 3}, 6}));
  REQUIRE(request.ok());
  CHECK((*request)->kind() == wire::MessageKind::CHUNK_CHECK_REQUEST);
  auto check = read_check(**request);
  REQUIRE(check.ok());
  CHECK(check->key == chunk_key{file_of(0, 5), 3});
  CHECK(check->host == node_host);

  auto& asked = (*request)->header();
  CHECK(read_chunk_check_reply(answer_check(asked, true)).value() == true);
  CHECK(read_chunk_check_reply(answer_check(asked, false)).value() == false);
  auto refused = read_chunk_check_reply(make_error_reply(asked, {errc::not_found, "gone"}));
  CHECK(refused.code() == errc::not_found);
  CHECK(read_chunk_check_reply(make_chunk_delete_reply(asked, true)).code() == errc::corrupt);
  CHECK(read_chunk_check_reply("garbage").code() == errc::corrupt);
}

TEST_CASE_FIXTURE(orphan_scan_fixture,
                  "a storage node refuses orphan scan options that cannot work") {
  storage_node_options opt;
  opt.host = node_host;
  opt.detached = false;
  opt.shard_hosts = shard_hosts;
  opt.scan_checks_max = 0;
  auto node = spawn_storage_node(sys, reg, opt, std::make_unique<sim_chunk_store>(disk));
  CHECK(node.code() == errc::invalid_argument);
  opt.scan_checks_max = 1;
  opt.scan_interval_ms = 0;
  CHECK(spawn_storage_node(sys, reg, opt, std::make_unique<sim_chunk_store>(disk)).code() ==
        errc::invalid_argument);
}
