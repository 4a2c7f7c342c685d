// The placer and the gc planner: pure pieces of the meta shard.
#include <map>
#include <set>

#include "meta_test_support.hpp"
#include "actors/meta_shard/gc_planner.hpp"
#include "actors/meta_shard/placer.hpp"

using namespace cairn;

TEST_CASE("the placer puts three replicas on three racks and never repeats a host") {
  auto hosts = cairn::test::three_racks(4);  // 3 racks x 4 hosts
  std::map<host_id, std::string> rack_of;
  for (auto& h : hosts) rack_of[h.id] = h.labels.rack;
  rng r(7);
  std::map<host_id, int> used;
  for (int i = 0; i < 300; ++i) {
    auto picked = place_chunk(hosts, 3, r);
    REQUIRE(picked.size() == 3);
    std::set<std::string> racks;
    for (auto h : picked) {
      racks.insert(rack_of.at(h));
      ++used[h];
    }
    CHECK(racks.size() == 3);
    CHECK(std::set<host_id>(picked.begin(), picked.end()).size() == 3);
  }
  CHECK(used.size() == 12);  // randomised: every host gets chunks
}

TEST_CASE("the placer fills racks evenly beyond one replica per rack") {
  auto hosts = cairn::test::three_racks(2);
  rng r(3);
  auto picked = place_chunk(hosts, 5, r);
  REQUIRE(picked.size() == 5);
  std::map<std::string, int> per_rack;
  for (auto h : picked) ++per_rack[hosts.at(h - 1).labels.rack];
  for (auto& [_, n] : per_rack) CHECK(n >= 1);
  for (auto& [_, n] : per_rack) CHECK(n <= 2);
}

TEST_CASE("the placer returns fewer hosts when not enough are up, and is seed-deterministic") {
  auto hosts = cairn::test::three_racks(1);
  hosts[1].up = false;
  rng r(1);
  auto picked = place_chunk(hosts, 3, r);
  CHECK(picked.size() == 2);
  CHECK(std::find(picked.begin(), picked.end(), hosts[1].id) == picked.end());
  rng a(99), b(99);
  auto all = cairn::test::three_racks(3);
  CHECK(place_chunk(all, 3, a) == place_chunk(all, 3, b));
  CHECK(place_chunk({}, 3, a).empty());
}

TEST_CASE("the gc planner bounds deletions in flight and backs off a failing host") {
  cairn::test::meta_fixture f;
  {
    auto t = f.store->begin_write().value();
    for (uint32_t i = 0; i < 5; ++i) REQUIRE(t->put_gc({77, i}, gc_record{{1, 2}}).ok());
    REQUIRE(t->commit().ok());
  }
  gc_planner planner(gc_planner_config{4, 256, 1000});
  auto first = planner.plan(*f.reader(), 0).value();
  CHECK(first.size() == 4);
  CHECK(planner.plan(*f.reader(), 0).value().empty());  // window full
  // Host 2 fails: it is left alone until its backoff passes.
  for (auto& s : first) {
    auto done = planner.on_answer(s, s.host == 1, 0);
    CHECK(done.has_value() == (s.host == 1));
    if (done) planner.release(s);
  }
  auto during_backoff = planner.plan(*f.reader(), 10).value();
  CHECK(during_backoff.size() == 4);
  for (auto& s : during_backoff) {
    CHECK(s.host == 1);
    REQUIRE(planner.on_answer(s, true, 10).has_value());
    planner.release(s);
  }
  bool host2_again = false;
  auto after_backoff = planner.plan(*f.reader(), 2000).value();
  for (auto& s : after_backoff) host2_again |= s.host == 2;
  CHECK(host2_again);
  CHECK(planner.inflight() == 4);
}

TEST_CASE("chunks of a dropped pending inode are deleted only after the grace period") {
  cairn::test::meta_fixture f;
  // A failed put: its pending inode is dropped while its chunk writes may be in flight.
  auto pending = f.ok<file_create_reply>(file_create_request{root_dir_id, "p", 150, 0, 0});
  f.ok<inode_drop_reply>(inode_drop_request{pending.file_id});
  // A committed file removed normally: nothing is arriving, delete at once.
  auto committed = f.put_file(root_dir_id, "c", 50, 3);
  f.ok<unlink_reply>(unlink_request{root_dir_id, "c", committed, false});
  auto rec = f.reader()->get_gc({pending.file_id, 0}).value();
  REQUIRE(rec.has_value());
  CHECK(rec->not_before_ms == f.now_ms + meta_shard_config{}.pending_gc_grace_ms);
  CHECK(f.reader()->get_gc({committed, 0}).value()->not_before_ms == 0);

  gc_planner planner(gc_planner_config{});
  auto now = planner.plan(*f.reader(), f.now_ms).value();
  CHECK_FALSE(now.empty());
  for (auto& s : now) CHECK(s.chunk.file == committed);
  auto later = planner.plan(*f.reader(), rec->not_before_ms).value();
  CHECK_FALSE(later.empty());
  for (auto& s : later) CHECK(s.chunk.file == pending.file_id);
}
