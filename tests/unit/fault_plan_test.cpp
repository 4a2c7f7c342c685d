// fault_plan: swarm draws and chaos schedules, checked for their rules over many seeds.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "sim/fault_plan.hpp"

using namespace cairn;

namespace {

constexpr sim_us s_us = 1'000'000;
constexpr sim_us chaos_start = 5 * s_us;
constexpr sim_us chaos_end = 5 * 60 * s_us;

std::vector<host_id> host_ids(uint32_t n) {
  std::vector<host_id> out;
  for (uint32_t i = 1; i <= n; ++i) out.push_back(i);
  return out;
}

// Every rate on, high enough that each kind shows up in a few minutes.
swarm_params busy_swarm(uint32_t hosts) {
  auto p = draw_swarm(1, hosts, true).value();
  p.crash_rate = p.partition_rate = p.clog_rate = 4;
  p.bitflip_rate = 10;
  p.wipe_rate = 1;
  p.full_disk_rate = p.slow_sync_rate = 4;
  return p;
}

std::vector<fault_event> plan(const swarm_params& p, uint64_t seed) {
  rng r(seed);
  return plan_faults(p, host_ids(p.hosts), chaos_start, chaos_end, r);
}

std::map<fault_kind, int> count_kinds(const std::vector<fault_event>& events) {
  std::map<fault_kind, int> out;
  for (const auto& e : events) ++out[e.kind];
  return out;
}

}  // namespace

TEST_CASE("fault plan: the same seed gives the same swarm and the same schedule") {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    auto a = draw_swarm(seed, 9, true).value();
    auto b = draw_swarm(seed, 9, true).value();
    CHECK(describe(a) == describe(b));
    auto pa = plan(a, seed);
    auto pb = plan(b, seed);
    REQUIRE(pa.size() == pb.size());
    for (size_t i = 0; i < pa.size(); ++i) CHECK(describe(pa[i]) == describe(pb[i]));
  }
  CHECK(describe(draw_swarm(1, 9, true).value()) != describe(draw_swarm(2, 9, true).value()));
}

TEST_CASE("fault plan: swarm draws stay in range and switch kinds off in some seeds") {
  int crash_off = 0, buggify_on = 0, loss_off = 0;
  const int seeds = 300;
  for (uint64_t seed = 0; seed < seeds; ++seed) {
    auto p = draw_swarm(seed, 9, true).value();
    CHECK(p.racks >= 1);
    CHECK(p.racks <= 5);
    CHECK(p.shards >= 1);
    CHECK(p.shards <= 4);
    CHECK((p.chunk_size == 16384 || p.chunk_size == 65536 || p.chunk_size == 262144));
    CHECK(p.net.loss <= 0.3);
    CHECK(p.net.duplicate <= 0.05);
    CHECK(p.net.latency_us_median >= 100);
    CHECK(p.net.latency_us_median <= 5'000);
    CHECK(p.net.latency_us_max <= 500'000);
    CHECK(p.net.latency_us_min <= p.net.latency_us_median);
    crash_off += p.crash_rate == 0;
    loss_off += p.net.loss == 0;
    buggify_on += p.buggify;
  }
  CHECK(crash_off > seeds / 5);
  CHECK(crash_off < seeds / 2);
  CHECK(loss_off > seeds / 5);
  CHECK(buggify_on > seeds * 2 / 3);
  CHECK(buggify_on < seeds * 5 / 6);
  auto small = draw_swarm(1, 3, true).value();
  CHECK(small.racks <= 3);
  CHECK(small.shards <= 3);
  CHECK(draw_swarm(1, 2, true).code() == errc::invalid_argument);
}

TEST_CASE("fault plan: without faults the seed keeps its shape and the plan is empty") {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    auto with = draw_swarm(seed, 9, true).value();
    auto without = draw_swarm(seed, 9, false).value();
    CHECK(without.racks == with.racks);
    CHECK(without.shards == with.shards);
    CHECK(without.net.latency_us_median == with.net.latency_us_median);
    CHECK(without.net.loss == 0);
    CHECK(without.net.duplicate == 0);
    CHECK_FALSE(without.buggify);
    CHECK(plan(without, seed).empty());
  }
}

TEST_CASE("fault plan: a kind with rate zero never appears") {
  auto p = busy_swarm(9);
  p.crash_rate = 0;
  p.clog_rate = 0;
  p.slow_sync_rate = 0;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    auto kinds = count_kinds(plan(p, seed));
    CHECK(kinds[fault_kind::crash] == 0);
    CHECK(kinds[fault_kind::clog] == 0);
    CHECK(kinds[fault_kind::unclog] == 0);
    CHECK(kinds[fault_kind::slow_sync] == 0);
    CHECK(kinds[fault_kind::partition] > 0);
    CHECK(kinds[fault_kind::disk_full] > 0);
  }
}

TEST_CASE("fault plan: events are sorted inside the chaos phase and every fault ends in it") {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    auto events = plan(busy_swarm(9), seed);
    REQUIRE_FALSE(events.empty());
    std::set<host_id> down, full, slow;
    bool partitioned = false;
    std::set<std::pair<host_id, host_id>> clogged;
    sim_us last = chaos_start;
    for (const auto& e : events) {
      CHECK(e.at >= last);
      CHECK(e.at < chaos_end);
      last = e.at;
      switch (e.kind) {
        case fault_kind::crash:
        case fault_kind::wipe:
          CHECK(down.insert(e.host).second);
          CHECK(e.until > e.at);
          CHECK(e.until - e.at <= 30 * s_us);
          break;
        case fault_kind::restart:
          CHECK(down.erase(e.host) == 1);
          break;
        case fault_kind::partition:
          CHECK_FALSE(partitioned);
          CHECK_FALSE(e.side_a.empty());
          CHECK_FALSE(e.side_b.empty());
          CHECK(e.side_a.size() + e.side_b.size() == 10);  // 9 hosts and the client
          partitioned = true;
          break;
        case fault_kind::heal:
          CHECK(partitioned);
          partitioned = false;
          break;
        case fault_kind::clog:
          CHECK(clogged.insert({e.host, e.peer}).second);
          break;
        case fault_kind::unclog:
          CHECK(clogged.erase({e.host, e.peer}) == 1);
          break;
        case fault_kind::disk_full:
          CHECK(full.insert(e.host).second);
          break;
        case fault_kind::disk_ok:
          CHECK(full.erase(e.host) == 1);
          break;
        case fault_kind::slow_sync:
          CHECK(slow.insert(e.host).second);
          CHECK(e.value >= 5);
          CHECK(e.value <= 200);
          break;
        case fault_kind::fast_sync:
          CHECK(slow.erase(e.host) == 1);
          break;
        case fault_kind::bitflip:
          CHECK_FALSE(down.count(e.host));
          break;
      }
      CHECK(down.size() <= 3);  // max(1, 9 / 3)
    }
    CHECK(down.empty());
    CHECK(full.empty());
    CHECK(slow.empty());
    CHECK(clogged.empty());
    CHECK_FALSE(partitioned);
  }
}

TEST_CASE("fault plan: with few hosts at most one is down at a time") {
  auto p = busy_swarm(4);
  p.crash_rate = 20;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    int down = 0;
    for (const auto& e : plan(p, seed)) {
      if (e.kind == fault_kind::crash || e.kind == fault_kind::wipe) ++down;
      if (e.kind == fault_kind::restart) --down;
      CHECK(down <= 1);
    }
  }
}

TEST_CASE("fault plan: destructive faults hit only one sacrificial host per seed") {
  std::set<host_id> victims_over_seeds;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    std::set<host_id> victims;
    for (const auto& e : plan(busy_swarm(9), seed))
      if (e.kind == fault_kind::wipe || e.kind == fault_kind::bitflip) victims.insert(e.host);
    CHECK(victims.size() == 1);
    victims_over_seeds.insert(victims.begin(), victims.end());
  }
  CHECK(victims_over_seeds.size() > 3);  // the victim is drawn, not fixed
}

TEST_CASE("fault plan: a swizzle clogs links one by one, then unclogs them within 10 s") {
  auto p = busy_swarm(9);
  p.crash_rate = p.partition_rate = p.bitflip_rate = p.wipe_rate = 0;
  p.full_disk_rate = p.slow_sync_rate = 0;
  int sequences = 0;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    auto events = plan(p, seed);
    std::map<std::pair<host_id, host_id>, sim_us> until;
    sim_us sequence_start = -1;
    for (const auto& e : events) {
      if (e.kind == fault_kind::clog) {
        CHECK(e.host != e.peer);
        if (until.empty()) sequence_start = e.at, ++sequences;
        until[{e.host, e.peer}] = e.until;
      } else {
        REQUIRE(e.kind == fault_kind::unclog);
        CHECK(until.at({e.host, e.peer}) == e.at);  // held exactly until its unclog
        CHECK(e.at - sequence_start <= 10 * s_us);
        until.erase({e.host, e.peer});
      }
    }
  }
  CHECK(sequences > 20);
}

TEST_CASE("fault plan: describe and fields name every choice of the seed") {
  auto p = draw_swarm(42, 9, true).value();
  auto line = describe(p);
  CHECK(line.find("seed 42: hosts 9, racks ") == 0);
  CHECK(line.find("buggify") != std::string::npos);
  auto kv = fields(p);
  REQUIRE(kv.size() == 20);
  CHECK(kv[0] == std::pair<std::string, std::string>{"seed", "42"});
  CHECK(kv.back().first == "buggify");
  CHECK((kv.back().second == "true" || kv.back().second == "false"));
  fault_event e;
  e.at = 1'500'000;
  e.kind = fault_kind::clog;
  e.host = 3;
  e.peer = client_host;
  e.until = 2'000'000;
  CHECK(describe(e) == "1.500000s clog 3->client until 2.000000s");
  CHECK(std::string(to_string(fault_kind::fast_sync)) == "fast_sync");
}
