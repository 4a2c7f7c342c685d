// The repair scheduler (pure) and the placer's "avoid the domains already holding
// replicas" form it relies on.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "actors/meta_shard/placer.hpp"
#include "actors/repairer/repair_scheduler.hpp"

using namespace cairn;
using repair::replica_state;

namespace {

// racks x per_rack storage hosts, ids from 1, rack r holds ids r*per_rack+1.., all up.
cluster_map racks_map(int racks, int per_rack, uint64_t epoch = 5) {
  cluster_map m;
  m.epoch = epoch;
  host_id id = 1;
  for (int r = 0; r < racks; ++r)
    for (int i = 0; i < per_rack; ++i, ++id)
      m.hosts.push_back(
          {id, "h" + std::to_string(id),
           topology_labels{"reg", "dc", "c", "rack" + std::to_string(r), "h" + std::to_string(id)},
           host_state::up, true, 0});
  m.shard_hosts = {1};
  m.final_replicas = 3;
  return m;
}

std::string rack_of(const cluster_map& m, host_id h) { return m.find_host(h)->labels.rack; }

map_host& host(cluster_map& m, host_id h) { return *const_cast<map_host*>(m.find_host(h)); }

repair::entry chunk(inode_id file, uint32_t index, std::vector<repair::replica> replicas,
                    uint32_t length = 100, uint8_t final_replicas = 3) {
  uint8_t live = 0;
  for (auto& r : replicas) live += r.state == replica_state::live;
  return repair::entry{{file, index}, length, 0xC0FFEE, live, final_replicas, 0, 0, replicas};
}

repair::queue_reply page_of(std::vector<repair::entry> entries, bool more = false,
                            uint64_t epoch = 5) {
  repair::queue_reply p;
  p.epoch = epoch;
  p.total = entries.size();
  p.entries = std::move(entries);
  p.more = more;
  return p;
}

repair_scheduler_config config(size_t inflight_max = 8, uint64_t bandwidth = 1u << 30) {
  repair_scheduler_config c;
  c.inflight_max = inflight_max;
  c.bandwidth = bandwidth;
  return c;
}

// Reads one page (a fresh ticket) and plans it.
repair_plan read_and_plan(repair_scheduler& s, const repair::queue_reply& page,
                          const cluster_map& m, int64_t now_ms, rng& r) {
  auto read = s.begin_read();
  return s.plan(read.ticket, page, m, now_ms, r);
}

std::vector<chunk_key> chunks_of(const repair_plan& p) {
  std::vector<chunk_key> out;
  for (auto& s : p.starts) out.push_back(s.chunk);
  return out;
}

}  // namespace

TEST_CASE("the repair scheduler starts repairs in queue order and keeps inflight_max") {
  auto m = racks_map(3, 2);
  rng r(1);
  repair_scheduler s(config(2));
  std::vector<repair::entry> queue;
  for (uint32_t i = 0; i < 5; ++i) queue.push_back(chunk(77, i, {{1, replica_state::live}}));
  auto first = read_and_plan(s, page_of(queue), m, 0, r);
  CHECK(chunks_of(first) == std::vector<chunk_key>{{77, 0}, {77, 1}});
  CHECK_FALSE(first.read_more);
  CHECK(s.counters().inflight == 2);
  CHECK(s.counters().started == 2);
  CHECK_FALSE(s.has_capacity());
  // Full: a new read starts nothing, and what is in flight is not started twice.
  CHECK(read_and_plan(s, page_of(queue), m, 10, r).starts.empty());
  s.on_done({77, 0}, 20);
  queue.erase(queue.begin());
  auto next = read_and_plan(s, page_of(queue), m, 30, r);
  CHECK(chunks_of(next) == std::vector<chunk_key>{{77, 2}});
  CHECK(s.counters().done == 1);
  CHECK(s.counters().bytes_copied == 100);
  CHECK(s.counters().inflight == 2);
}

TEST_CASE("a page asked for before a repair finished does not start that chunk again") {
  auto m = racks_map(3, 2);
  rng r(2);
  repair_scheduler s(config());
  auto queue = page_of({chunk(5, 0, {{1, replica_state::live}})});
  CHECK(read_and_plan(s, queue, m, 0, r).starts.size() == 1);
  auto stale_read = s.begin_read();  // asked while the repair runs
  s.on_done({5, 0}, 10);
  // Its answer still lists the chunk without the new replica: not trusted for it.
  CHECK(s.plan(stale_read.ticket, queue, m, 20, r).starts.empty());
  // A page asked for afterwards is (here: the chunk still needs a third replica).
  CHECK(read_and_plan(s, queue, m, 30, r).starts.size() == 1);
}

TEST_CASE("the bandwidth bucket throttles by bytes and never lets a later chunk overtake") {
  auto m = racks_map(3, 2);
  rng r(3);
  repair_scheduler s(config(8, 1000));  // 1000 bytes per second, a bucket of 1000
  auto a = chunk(1, 0, {{1, replica_state::live}}, 600);
  auto b = chunk(1, 1, {{1, replica_state::live}}, 600);
  auto small = chunk(1, 2, {{1, replica_state::live}}, 10);
  auto first = read_and_plan(s, page_of({a, b, small}), m, 0, r);
  CHECK(chunks_of(first) == std::vector<chunk_key>{{1, 0}});  // 400 left: b waits, small too
  CHECK(read_and_plan(s, page_of({b, small}), m, 100, r).starts.empty());  // 500 < 600
  auto later = read_and_plan(s, page_of({b, small}), m, 200, r);           // 600
  CHECK(chunks_of(later) == std::vector<chunk_key>{{1, 1}});               // 0 left
  CHECK(read_and_plan(s, page_of({small}), m, 200, r).starts.empty());
  CHECK(read_and_plan(s, page_of({small}), m, 210, r).starts.size() == 1);
}

TEST_CASE("a chunk larger than the bucket goes when the bucket is full, and leaves a debt") {
  auto m = racks_map(3, 2);
  rng r(4);
  repair_scheduler s(config(8, 1000));
  auto big = chunk(2, 0, {{1, replica_state::live}}, 5000);
  auto big2 = chunk(2, 1, {{1, replica_state::live}}, 5000);
  CHECK(read_and_plan(s, page_of({big, big2}), m, 0, r).starts.size() == 1);  // 1000 -> -4000
  CHECK(read_and_plan(s, page_of({big2}), m, 4000, r).starts.empty());        // 0: not full
  CHECK(read_and_plan(s, page_of({big2}), m, 4999, r).starts.empty());
  CHECK(read_and_plan(s, page_of({big2}), m, 5000, r).starts.size() == 1);  // full again
}

TEST_CASE("the target is placeable, runs storage and holds no record of the chunk") {
  auto m = racks_map(3, 3);  // hosts 1..9
  host(m, 5).state = host_state::down;
  host(m, 6).state = host_state::draining;
  host(m, 7).state = host_state::out;
  host(m, 8).storage = false;
  host(m, 9).state = host_state::suspect;  // suspect is still placeable
  auto e = chunk(9, 0,
                 {{1, replica_state::live},
                  {2, replica_state::corrupt},
                  {3, replica_state::missing},
                  {4, replica_state::offline}});
  std::set<host_id> targets;
  for (uint64_t seed = 0; seed < 100; ++seed) {
    rng r(seed);
    repair_scheduler s(config());
    auto p = read_and_plan(s, page_of({e}), m, 0, r);
    REQUIRE(p.starts.size() == 1);
    targets.insert(p.starts[0].target);
    CHECK(p.starts[0].epoch == m.epoch);
    CHECK(p.starts[0].crc == e.crc);
  }
  CHECK(targets == std::set<host_id>{9});
}

TEST_CASE("a new replica avoids the racks that already hold live replicas") {
  auto m = racks_map(3, 2);  // rack0: 1,2  rack1: 3,4  rack2: 5,6
  auto e = chunk(3, 0, {{1, replica_state::live}, {3, replica_state::live}});
  std::set<host_id> targets;
  for (uint64_t seed = 0; seed < 100; ++seed) {
    rng r(seed);
    repair_scheduler s(config());
    auto p = read_and_plan(s, page_of({e}), m, 0, r);
    REQUIRE(p.starts.size() == 1);
    targets.insert(p.starts[0].target);
  }
  CHECK(targets == std::set<host_id>{5, 6});
  // With rack 2 unusable, a second replica in a used rack beats no repair at all.
  host(m, 5).state = host_state::down;
  host(m, 6).state = host_state::out;
  rng r(1);
  repair_scheduler s(config());
  auto p = read_and_plan(s, page_of({e}), m, 0, r);
  REQUIRE(p.starts.size() == 1);
  CHECK((p.starts[0].target == 2 || p.starts[0].target == 4));
}

TEST_CASE("sources are live replicas on reachable hosts, then offline ones on draining hosts") {
  auto m = racks_map(3, 3);  // hosts 1..9
  host(m, 2).state = host_state::down;
  host(m, 3).state = host_state::suspect;
  host(m, 4).state = host_state::draining;
  host(m, 5).state = host_state::draining;
  host(m, 6).state = host_state::down;
  auto e = chunk(4, 0,
                 {{4, replica_state::offline},  // draining: readable, last resort
                  {1, replica_state::live},
                  {2, replica_state::live},     // down: unreachable
                  {3, replica_state::live},     // suspect: reachable
                  {5, replica_state::corrupt},  // never a source
                  {6, replica_state::offline},  // down, not draining
                  {7, replica_state::missing}},
                 100, 5);
  std::set<std::vector<host_id>> orders;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    rng r(seed);
    repair_scheduler s(config());
    auto p = read_and_plan(s, page_of({e}), m, 0, r);
    REQUIRE(p.starts.size() == 1);
    auto src = p.starts[0].sources;
    REQUIRE(src.size() == 3);
    CHECK(std::set<host_id>(src.begin(), src.begin() + 2) == std::set<host_id>{1, 3});
    CHECK(src[2] == 4);
    orders.insert(src);
    CHECK((p.starts[0].target == 8 || p.starts[0].target == 9));
  }
  CHECK(orders.size() == 2);  // the live sources come in random order
}

TEST_CASE("a chunk without a source is unrepairable until the map gives it one") {
  auto m = racks_map(3, 2);
  host(m, 1).state = host_state::down;
  auto lost = chunk(6, 0, {{1, replica_state::live}, {2, replica_state::corrupt}});
  auto fine = chunk(6, 1, {{3, replica_state::live}});
  rng r(6);
  repair_scheduler s(config());
  auto p = read_and_plan(s, page_of({lost, fine}), m, 0, r);
  CHECK(chunks_of(p) == std::vector<chunk_key>{{6, 1}});
  CHECK(s.counters().unrepairable == 1);
  CHECK(read_and_plan(s, page_of({lost}), m, 10, r).starts.empty());
  host(m, 1).state = host_state::up;
  m.epoch++;
  auto again = read_and_plan(s, page_of({lost}, false, m.epoch), m, 20, r);
  REQUIRE(again.starts.size() == 1);
  CHECK(again.starts[0].sources == std::vector<host_id>{1});
  CHECK(s.counters().unrepairable == 0);
}

TEST_CASE("with no host free of a record, a host holding a corrupt copy is rewritten") {
  auto m = racks_map(1, 3);  // hosts = final: nowhere else to go
  auto e = chunk(7, 0,
                 {{1, replica_state::live}, {2, replica_state::live}, {3, replica_state::corrupt}});
  rng r(7);
  repair_scheduler s(config());
  auto p = read_and_plan(s, page_of({e}), m, 0, r);
  REQUIRE(p.starts.size() == 1);
  CHECK(p.starts[0].target == 3);
  CHECK(s.counters().unplaceable == 0);
}

TEST_CASE("a chunk with no host left to place on is counted unplaceable") {
  auto m = racks_map(1, 3);
  m.hosts[2].state = host_state::down;  // host 3 holds the offline copy and is down
  auto e = chunk(7, 0,
                 {{1, replica_state::live}, {2, replica_state::live}, {3, replica_state::offline}});
  rng r(7);
  repair_scheduler s(config());
  CHECK(read_and_plan(s, page_of({e}), m, 0, r).starts.empty());
  CHECK(s.counters().unplaceable == 1);
  CHECK(s.counters().unrepairable == 0);
}

TEST_CASE("a failing chunk backs off 1 s doubling to 60 s, jittered, and is retried after") {
  auto m = racks_map(3, 2);
  rng r(8);
  repair_scheduler s(config());
  auto queue = page_of({chunk(8, 0, {{1, replica_state::live}})});
  int64_t now = 0;
  int64_t expected = 1000;
  for (int failure = 1; failure <= 9; ++failure) {
    auto p = read_and_plan(s, queue, m, now, r);
    REQUIRE(p.starts.size() == 1);
    s.on_failed({8, 0}, errc::timeout, false, now, r);
    auto at = s.retry_at_ms({8, 0});
    REQUIRE(at.has_value());
    int64_t delay = *at - now;
    CHECK(delay <= expected);
    CHECK(delay >= expected * 3 / 4);
    CHECK(read_and_plan(s, queue, m, *at - 1, r).starts.empty());  // still backing off
    now = *at;
    expected = std::min<int64_t>(expected * 2, 60000);
  }
  CHECK(s.counters().failed == 9);
  CHECK(read_and_plan(s, queue, m, now, r).starts.size() == 1);
  s.on_done({8, 0}, now);
  CHECK_FALSE(s.retry_at_ms({8, 0}).has_value());
}

TEST_CASE("a failed copy tries another target first; a copied chunk reuses its target") {
  auto m = racks_map(3, 2);
  auto queue = page_of({chunk(9, 0, {{1, replica_state::live}, {3, replica_state::live}})});
  rng r(9);
  repair_scheduler s(config());
  auto p = read_and_plan(s, queue, m, 0, r);
  REQUIRE(p.starts.size() == 1);
  host_id bad = p.starts[0].target;  // 5 or 6
  s.on_failed({9, 0}, errc::no_space, false, 0, r);
  auto retry = read_and_plan(s, queue, m, 2000, r);
  REQUIRE(retry.starts.size() == 1);
  CHECK(retry.starts[0].target != bad);
  CHECK(rack_of(m, retry.starts[0].target) == "rack2");
  host_id holder = retry.starts[0].target;
  s.on_failed({9, 0}, errc::timeout, true, 2000, r);  // copied; the replicaAdd timed out
  int64_t now = 2000;
  for (int i = 0; i < 5; ++i) {
    now += 61000;  // past any backoff
    auto again = read_and_plan(s, queue, m, now, r);
    REQUIRE(again.starts.size() == 1);
    CHECK(again.starts[0].target == holder);
    s.on_failed({9, 0}, errc::timeout, true, now, r);
  }
}

TEST_CASE("after a stale epoch nothing starts until a newer map arrives") {
  auto m = racks_map(3, 2, 5);
  rng r(10);
  repair_scheduler s(config());
  auto a = chunk(10, 0, {{1, replica_state::live}});
  auto b = chunk(10, 1, {{1, replica_state::live}});
  auto p = read_and_plan(s, page_of({a}), m, 0, r);
  REQUIRE(p.starts.size() == 1);
  host_id holder = p.starts[0].target;
  s.on_failed({10, 0}, errc::stale_epoch, true, 0, r);
  CHECK(s.counters().stale_epoch == 1);
  CHECK(s.waiting_for_map(m));
  CHECK(read_and_plan(s, page_of({a, b}), m, 100000, r).starts.empty());
  CHECK_FALSE(s.retry_at_ms({10, 0}).has_value());  // no backoff: the map is the wait
  m.epoch = 6;
  CHECK_FALSE(s.waiting_for_map(m));
  auto after = read_and_plan(s, page_of({a, b}, false, 6), m, 100001, r);
  REQUIRE(after.starts.size() == 2);
  CHECK(after.starts[0].target == holder);  // it already holds the bytes
  CHECK(after.starts[0].epoch == 6);
}

TEST_CASE("a shard whose map is newer than the repairer's holds repairs back") {
  auto m = racks_map(3, 2, 5);
  rng r(11);
  repair_scheduler s(config());
  auto page = page_of({chunk(11, 0, {{1, replica_state::live}})}, false, 7);
  CHECK(read_and_plan(s, page, m, 0, r).starts.empty());
  CHECK(s.waiting_for_map(m));
  m.epoch = 7;
  CHECK(read_and_plan(s, page, m, 1, r).starts.size() == 1);
}

TEST_CASE("queue passes page on while capacity lasts and resume after pages_per_pass_max") {
  auto m = racks_map(3, 2);
  rng r(12);
  auto cfg = config(8);
  cfg.pages_per_pass_max = 2;
  cfg.page_entries_max = 1;
  repair_scheduler s(cfg);
  auto lost = [](uint32_t i) { return chunk(12, i, {{99, replica_state::live}}); };  // no source
  auto first = s.begin_read();
  CHECK_FALSE(first.request.after.has_value());
  CHECK(first.request.limit == 1);
  auto p1 = s.plan(first.ticket, page_of({lost(0)}, true), m, 0, r);
  CHECK(p1.read_more);
  auto second = s.begin_read();
  REQUIRE(second.request.after.has_value());
  CHECK(second.request.after->chunk == chunk_key{12, 0});
  auto p2 = s.plan(second.ticket, page_of({lost(1)}, true), m, 0, r);
  CHECK_FALSE(p2.read_more);    // the pass read its 2 pages
  auto third = s.begin_read();  // the next pass goes on where this one stopped
  REQUIRE(third.request.after.has_value());
  CHECK(third.request.after->chunk == chunk_key{12, 1});
  auto p3 = s.plan(third.ticket, page_of({lost(2)}, false), m, 0, r);
  CHECK_FALSE(p3.read_more);
  CHECK_FALSE(s.begin_read().request.after.has_value());  // the end: back to the head
  CHECK(s.counters().unrepairable == 3);
}

TEST_CASE("a pass that filled the window starts the next one at the head") {
  auto m = racks_map(3, 2);
  rng r(13);
  repair_scheduler s(config(1));
  auto page = page_of({chunk(13, 0, {{1, replica_state::live}})}, true);
  auto p = read_and_plan(s, page, m, 0, r);
  CHECK(p.starts.size() == 1);
  CHECK_FALSE(p.read_more);
  CHECK_FALSE(s.begin_read().request.after.has_value());
}

TEST_CASE("the ETA divides the queue by the recent repair rate") {
  auto m = racks_map(3, 2);
  rng r(14);
  repair_scheduler s(config(16));
  CHECK_FALSE(s.eta_ms(0).has_value());
  std::vector<repair::entry> queue;
  for (uint32_t i = 0; i < 10; ++i) queue.push_back(chunk(14, i, {{1, replica_state::live}}));
  auto page = page_of(queue);
  page.total = 100;
  REQUIRE(read_and_plan(s, page, m, 0, r).starts.size() == 10);
  for (uint32_t i = 0; i < 10; ++i) s.on_done({14, i}, 1000 * (i + 1));  // 1 per second
  auto eta = s.eta_ms(10000);
  REQUIRE(eta.has_value());
  CHECK(*eta >= 100000 * 9 / 10);  // 10 done over the last 9..10 s: ~100 s for 100
  CHECK(*eta <= 100000);
  CHECK_FALSE(s.eta_ms(200000).has_value());  // nothing done in the last minute
}

TEST_CASE("the placer, given taken replicas, fills the racks without one first") {
  std::vector<placement_host> hosts;
  for (host_id id = 1; id <= 9; ++id)
    hosts.push_back(
        {id,
         {"r", "dc", "c", "rack" + std::to_string((id - 1) / 3), "h" + std::to_string(id)},
         true});
  auto rack = [&](host_id id) { return hosts.at(id - 1).labels.rack; };
  // Replicas on rack0 and rack1 (hosts not among the candidates).
  std::vector<topology_labels> taken = {hosts[0].labels, hosts[3].labels};
  std::vector<placement_host> candidates(hosts.begin() + 1, hosts.begin() + 3);
  candidates.insert(candidates.end(), hosts.begin() + 4, hosts.end());  // 2,3,5,6,7,8,9
  std::map<std::string, int> first_rack;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    rng r(seed);
    auto picked = place_chunk(candidates, 3, r, taken);
    REQUIRE(picked.size() == 3);
    ++first_rack[rack(picked[0])];
    // Round robin counting the taken ones: no rack gets a third before each has two.
    std::map<std::string, int> per_rack = {{"rack0", 1}, {"rack1", 1}};
    for (auto h : picked) ++per_rack[rack(h)];
    REQUIRE(per_rack.size() == 3);
    for (auto& [_, n] : per_rack) CHECK((n == 1 || n == 2));
  }
  CHECK(first_rack == std::map<std::string, int>{{"rack2", 200}});
  // Without taken replicas it is the plain placer, draw for draw.
  rng a(5), b(5);
  CHECK(place_chunk(hosts, 3, a) == place_chunk(hosts, 3, b, {}));
}

TEST_CASE("the placer, given a taken host label in a rack, prefers the rack's other hosts") {
  // One rack, hosts 1 and 2 share the host label "box-a" (two disks of one machine).
  std::vector<placement_host> hosts = {{1, {"r", "dc", "c", "rack0", "box-a"}, true},
                                       {2, {"r", "dc", "c", "rack0", "box-a"}, true},
                                       {3, {"r", "dc", "c", "rack0", "box-b"}, true}};
  std::vector<topology_labels> taken = {{"r", "dc", "c", "rack0", "box-a"}};
  for (uint64_t seed = 0; seed < 50; ++seed) {
    rng r(seed);
    auto picked = place_chunk({hosts[1], hosts[2]}, 1, r, taken);  // host 1 holds it
    REQUIRE(picked.size() == 1);
    CHECK(picked[0] == 3);
  }
}
