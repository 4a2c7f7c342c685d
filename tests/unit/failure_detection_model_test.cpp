// Detectors and membership together over a modelled network (pure: no CAF): the
// accuracy and speed the simulation demands, checked in milliseconds of real time.
// 9 hosts in 3 racks, 3 observers each, 1 s heartbeats; every message (ping, reply,
// report) is lost with 1% probability and delayed 1..100 ms.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <queue>

#include "actors/coordinator/membership.hpp"
#include "actors/failure_detector/detector_state.hpp"
#include "runtime/rng.hpp"

using namespace cairn;

namespace {

struct event {
  int64_t at_ms;
  uint64_t order;  // FIFO among equal times: deterministic
  std::function<void()> fn;
  bool operator>(const event& o) const {
    return at_ms != o.at_ms ? at_ms > o.at_ms : order > o.order;
  }
};

class model {
 public:
  explicit model(uint64_t seed) : rng_(seed), members_(map(), {3, 10000, 600000}) {
    for (host_id h = 1; h <= 9; ++h) {
      detectors_.push_back(std::make_unique<detector_state>(config(h), map(), 0));
      schedule(static_cast<int64_t>(rng_.below(100)), [this, h] { tick(h); });
    }
  }

  // Runs until `until_ms`; stops early when stop() returns true.
  void run(int64_t until_ms, const std::function<bool()>& stop = {}) {
    while (!queue_.empty() && queue_.top().at_ms <= until_ms) {
      auto e = queue_.top();
      queue_.pop();
      now_ = e.at_ms;
      e.fn();
      if (stop && stop()) return;
    }
    now_ = until_ms;
  }

  void crash(host_id h) { crashed_[h] = true; }
  const cluster_map& current() const { return members_.map(); }
  int64_t now() const { return now_; }
  size_t downs = 0;

 private:
  static cluster_map map() {
    cluster_map m;
    m.epoch = 1;
    for (host_id id = 1; id <= 9; ++id)
      m.hosts.push_back(
          {id, "h" + std::to_string(id), {"r", "d", "c", "rack" + std::to_string(id % 3), ""}});
    return m;
  }
  static detector_config config(host_id h) {
    detector_config c;
    c.self = h;
    return c;
  }
  void schedule(int64_t delay, std::function<void()> fn) {
    queue_.push({now_ + delay, next_order_++, std::move(fn)});
  }
  // Calls fn after the network delay unless the message is lost.
  void send(std::function<void()> fn) {
    if (rng_.below(100) == 0) return;
    schedule(1 + static_cast<int64_t>(rng_.below(100)), std::move(fn));
  }
  void tick(host_id h) {
    if (crashed_[h]) return;
    auto& d = *detectors_[h - 1];
    auto effects = d.tick(now_);
    for (auto& p : effects.pings)
      send([this, h, p] {
        if (crashed_[p.target]) return;
        send([this, h, p] { detectors_[h - 1]->on_heartbeat_reply(p.target, p.seq, now_); });
      });
    for (auto& r : effects.reports)
      send([this, h, r] {
        auto out = members_.report({h, r.target, r.suspect, r.phi, r.epoch}, now_);
        if (!out) {
          // Stale: the coordinator pushes its map to the observer.
          send([this, h] { detectors_[h - 1]->set_map(members_.map(), now_); });
          return;
        }
        for (auto& c : out->changes) downs += c.to == host_state::down;
        if (!out->changes.empty()) push_map();
      });
    for (auto& c : members_.tick(now_)) downs += c.to == host_state::down;
    schedule(100, [this, h] { tick(h); });
  }
  void push_map() {
    for (host_id h = 1; h <= 9; ++h)
      send([this, h] { detectors_[h - 1]->set_map(members_.map(), now_); });
  }

  rng rng_;
  membership members_;
  std::vector<std::unique_ptr<detector_state>> detectors_;
  std::map<host_id, bool> crashed_;
  std::priority_queue<event, std::vector<event>, std::greater<>> queue_;
  uint64_t next_order_ = 0;
  int64_t now_ = 0;
};

}  // namespace

TEST_CASE("no host is declared down in an hour of 1% loss and 100 ms jitter") {
  for (uint64_t seed : {1, 2, 3}) {
    model m(seed);
    m.run(3600 * 1000);
    CAPTURE(seed);
    CHECK(m.downs == 0);
    CHECK(m.current().epoch <= 20);  // brief suspicions at most, not a flapping map
  }
}

TEST_CASE("a crashed host is declared down within 3 s (p99 over 100 crashes)") {
  std::vector<int64_t> delays;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    model m(seed);
    rng pick(seed * 7919);
    int64_t crash_at = 20000 + static_cast<int64_t>(pick.below(1000));
    host_id victim = 1 + static_cast<host_id>(pick.below(9));
    m.run(crash_at);
    m.crash(victim);
    m.run(crash_at + 20000,
          [&] { return m.current().find_host(victim)->state == host_state::down; });
    REQUIRE(m.current().find_host(victim)->state == host_state::down);
    delays.push_back(m.now() - crash_at);
  }
  std::sort(delays.begin(), delays.end());
  CAPTURE(delays.front());
  CAPTURE(delays.back());
  MESSAGE("p50 " << delays[50] << " p90 " << delays[90] << " p95 " << delays[95] << " p99 "
                 << delays[98]);
  CHECK(delays[98] < 3000);
}
