// Phi accrual, observer assignment and the detector's logic, pure (no CAF).
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "actors/failure_detector/detector_state.hpp"
#include "actors/failure_detector/observer_assignment.hpp"
#include "actors/failure_detector/phi_accrual.hpp"

using namespace cairn;

namespace {

// n hosts with ids 1..n, spread round robin over `racks` racks (0: no labels).
cluster_map map_of(uint32_t n, uint32_t racks, uint64_t epoch = 1) {
  cluster_map m;
  m.epoch = epoch;
  for (host_id id = 1; id <= n; ++id) {
    map_host h;
    h.id = id;
    h.name = "h" + std::to_string(id);
    if (racks) h.labels = {"r", "dc", "c", "rack" + std::to_string(id % racks), h.name};
    m.hosts.push_back(h);
  }
  return m;
}

phi_accrual steady(int64_t interval_ms, int beats, int64_t& now) {
  phi_accrual p({});
  for (int i = 0; i < beats; ++i, now += interval_ms) p.heartbeat(now);
  now -= interval_ms;
  return p;
}

detector_config config_for(host_id self) {
  detector_config c;
  c.self = self;
  return c;
}

size_t count_pings(const detector_effects& e, host_id target) {
  return std::count_if(e.pings.begin(), e.pings.end(), [&](auto& p) { return p.target == target; });
}

}  // namespace

TEST_CASE("phi is zero before the first heartbeat and low right after one") {
  phi_accrual p({});
  CHECK(p.phi(5000) == 0);
  p.heartbeat(1000);
  CHECK(p.phi(1000) < 0.1);
  CHECK(p.samples() == 2);  // the bootstrap pair around the heartbeat interval
  CHECK(p.mean_ms() == doctest::Approx(1000));
}

TEST_CASE("phi grows with silence and crosses 8 about 2 s after the last of steady 1 s beats") {
  int64_t now = 0;
  auto p = steady(1000, 50, now);
  CHECK(p.phi(now + 1000) < 1);
  CHECK(p.phi(now + 1800) < 8);
  CHECK(p.phi(now + 2000) < 8);  // one lost heartbeat alone stays below the threshold
  CHECK(p.phi(now + 2300) >= 8);
  CHECK(p.phi(now + 3000) > p.phi(now + 2300));
  CHECK(p.std_deviation_ms() == doctest::Approx(100));  // the floor
}

TEST_CASE("phi tolerates more silence after irregular heartbeats") {
  int64_t now = 0;
  auto regular = steady(1000, 50, now);
  phi_accrual jittery({});
  int64_t t = 0;
  for (int i = 0; i < 50; ++i) {
    jittery.heartbeat(t);
    t += i % 2 ? 600 : 1400;
  }
  t -= (49 % 2 ? 600 : 1400);
  CHECK(jittery.std_deviation_ms() > 300);
  CHECK(jittery.phi(t + 2300) < regular.phi(now + 2300));
}

TEST_CASE("the phi window keeps at most window_max samples") {
  phi_accrual p({.window_max = 10});
  for (int i = 0; i < 100; ++i) p.heartbeat(i * 500);
  CHECK(p.samples() == 10);
  CHECK(p.mean_ms() == doctest::Approx(500));
}

TEST_CASE("observer assignment is deterministic, excludes the target and out hosts") {
  auto m = map_of(9, 3);
  m.hosts[4].state = host_state::out;  // host 5
  for (host_id t = 1; t <= 9; ++t) {
    auto a = observers_of(m, t, 3), b = observers_of(m, t, 3);
    CHECK(a == b);
    CHECK(a.size() == 3);
    CHECK(std::find(a.begin(), a.end(), t) == a.end());
    CHECK(std::find(a.begin(), a.end(), 5u) == a.end());
  }
  // Order of hosts in the map does not matter.
  auto shuffled = m;
  std::reverse(shuffled.hosts.begin(), shuffled.hosts.end());
  for (host_id t = 1; t <= 9; ++t) CHECK(observers_of(m, t, 3) == observers_of(shuffled, t, 3));
}

TEST_CASE("observers come from failure domains other than the target's, and from each other") {
  auto m = map_of(9, 3);
  for (host_id t = 1; t <= 9; ++t) {
    auto obs = observers_of(m, t, 2);
    REQUIRE(obs.size() == 2);
    auto domain = [&](host_id h) { return failure_domain(m.find_host(h)->labels); };
    CHECK(domain(obs[0]) != domain(t));
    CHECK(domain(obs[1]) != domain(t));
    CHECK(domain(obs[0]) != domain(obs[1]));
  }
}

TEST_CASE("observation load is spread evenly over the hosts") {
  for (uint32_t racks : {0u, 3u, 5u}) {
    auto m = map_of(30, racks);
    std::map<host_id, size_t> watching;
    for (auto& h : m.hosts)
      for (host_id o : observers_of(m, h.id, 3)) ++watching[o];
    size_t lo = 1000, hi = 0, total = 0;
    for (auto& h : m.hosts) {
      total += watching[h.id];
      lo = std::min(lo, watching[h.id]);
      hi = std::max(hi, watching[h.id]);
      CHECK(targets_of(m, h.id, 3).size() == watching[h.id]);
    }
    CAPTURE(racks);
    CHECK(total == 90);  // every host has its 3 observers
    CHECK(hi <= 8);      // mean 3; rendezvous hashing spreads binomially, never piles up
    CHECK(lo <= 3);
  }
}

TEST_CASE("small maps: one host has no observers, two hosts observe each other") {
  CHECK(observers_of(map_of(1, 0), 1, 3).empty());
  CHECK(observers_of(map_of(2, 0), 1, 3) == std::vector<host_id>{2});
  CHECK(targets_of(map_of(2, 0), 2, 3) == std::vector<host_id>{1});
}

TEST_CASE("the detector pings each target once per interval and probes once after a late reply") {
  auto m = map_of(2, 0);
  detector_state d(config_for(1), m, 0);
  REQUIRE(d.targets() == std::vector<host_id>{2});
  auto e = d.tick(0);
  REQUIRE(e.pings.size() == 1);
  CHECK(e.pings[0].seq == 1);
  CHECK_FALSE(e.pings[0].probe);
  d.on_heartbeat_reply(2, 1, 10);
  for (int64_t t = 100; t < 1000; t += 100) CHECK(d.tick(t).pings.empty());
  e = d.tick(1000);  // the next regular ping; its reply is lost
  REQUIRE(count_pings(e, 2) == 1);
  for (int64_t t = 1100; t < 1500; t += 100) CHECK(d.tick(t).pings.empty());
  e = d.tick(1600);  // 1.5 intervals since the last reply at 10 ms: one probe
  REQUIRE(e.pings.size() == 1);
  CHECK(e.pings[0].probe);
  CHECK(e.pings[0].seq == 3);
  CHECK(d.tick(1700).pings.empty());  // only one probe per silence
  d.on_heartbeat_reply(2, 3, 1650);
  e = d.tick(2000);
  CHECK(count_pings(e, 2) == 1);
  CHECK(e.reports.empty());  // never suspected: the probe answered in time
}

TEST_CASE("stale, duplicate and unknown heartbeat replies do not count") {
  detector_state d(config_for(1), map_of(2, 0), 0);
  d.tick(0);
  d.tick(1000);
  d.on_heartbeat_reply(2, 2, 1010);
  d.on_heartbeat_reply(2, 1, 1020);  // older ping, reordered
  d.on_heartbeat_reply(2, 2, 1030);  // duplicate
  d.on_heartbeat_reply(2, 9, 1040);  // never sent
  d.on_heartbeat_reply(7, 1, 1040);  // not a target
  auto v = d.explain(1040);
  REQUIRE(v.size() == 1);
  CHECK(v[0].last_reply_ms == 1010);
}

namespace {

// Runs d from `from` to `to` in 100 ms ticks; target 2 answers every ping within
// 5 ms unless `silent`. Returns every report.
std::vector<report_send> run(detector_state& d, int64_t from, int64_t to, bool silent) {
  std::vector<report_send> reports;
  for (int64_t t = from; t < to; t += 100) {
    auto e = d.tick(t);
    for (auto& p : e.pings)
      if (!silent && p.target == 2) d.on_heartbeat_reply(2, p.seq, t + 5);
    reports.insert(reports.end(), e.reports.begin(), e.reports.end());
  }
  return reports;
}

}  // namespace

TEST_CASE("a silent target is suspected within 2.5 s, re-accused every interval, then withdrawn") {
  detector_state d(config_for(1), map_of(2, 0, 7), 0);
  CHECK(run(d, 0, 30000, false).empty());
  auto accused = run(d, 30000, 32500, true);
  REQUIRE_FALSE(accused.empty());
  CHECK(accused[0].suspect);
  CHECK(accused[0].change);
  CHECK(accused[0].phi >= 8.0);
  CHECK(accused[0].epoch == 7);
  auto repeats = run(d, 32500, 35500, true);
  CHECK(repeats.size() == 3);  // once per heartbeat interval
  for (auto& r : repeats) CHECK((r.suspect && !r.change));
  auto back = run(d, 35500, 45000, false);
  // The tick that sends the first answered ping may still repeat the accusation.
  std::erase_if(back, [](auto& r) { return r.suspect; });
  REQUIRE(back.size() == 3);  // withdraw_repeats
  for (auto& r : back) CHECK_FALSE(r.suspect);
  CHECK(back[0].change);
  CHECK_FALSE(back[1].change);
  auto v = d.explain(45000);
  REQUIRE(v.size() == 1);
  CHECK_FALSE(v[0].suspect);
  CHECK(v[0].history.size() == 30);
}

TEST_CASE(
    "a target that never answers is suspected, and one held down that answers is vouched for") {
  auto m = map_of(2, 0);
  detector_state d(config_for(1), m, 0);
  auto reports = run(d, 0, 3000, true);
  REQUIRE_FALSE(reports.empty());
  CHECK(reports[0].suspect);
  // A newer map says host 2 is down; this observer never accused it but hears it.
  auto down = map_of(2, 0, 5);
  down.hosts[1].state = host_state::down;
  detector_state fresh(config_for(1), m, 0);
  CHECK(fresh.set_map(down, 0));
  CHECK_FALSE(fresh.set_map(m, 0));  // older epoch ignored
  auto vouch = run(fresh, 0, 3000, false);
  REQUIRE(vouch.size() >= 2);
  for (auto& r : vouch) CHECK_FALSE(r.suspect);
}

TEST_CASE("a single lost reply never raises a suspicion") {
  detector_state d(config_for(1), map_of(2, 0), 0);
  run(d, 0, 30000, false);
  // Every ping of one interval lost; the probe answered.
  std::vector<report_send> reports;
  for (int64_t t = 30000; t < 40000; t += 100) {
    auto e = d.tick(t);
    for (auto& p : e.pings)
      if (t >= 31000 || t < 30000 || p.probe) d.on_heartbeat_reply(2, p.seq, t + 5);
    reports.insert(reports.end(), e.reports.begin(), e.reports.end());
  }
  CHECK(reports.empty());
}
