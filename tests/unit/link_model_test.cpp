// link_model: the simulated network's fate of each message, without any actor.
#include <doctest/doctest.h>

#include "sim/link_model.hpp"

using namespace cairn;

namespace {

net_params lossy(double loss, double duplicate) {
  net_params p;
  p.latency_us_min = 100;
  p.latency_us_median = 1'000;
  p.latency_us_max = 50'000;
  p.loss = loss;
  p.duplicate = duplicate;
  return p;
}

}  // namespace

TEST_CASE("link model: the same seed gives the same fates") {
  link_model a(lossy(0.2, 0.05));
  link_model b(lossy(0.2, 0.05));
  rng ra(7), rb(7);
  for (int i = 0; i < 1000; ++i) {
    auto da = a.send(1, 2 + i % 3, i * 10, ra);
    auto db = b.send(1, 2 + i % 3, i * 10, rb);
    CHECK(da.delays == db.delays);
  }
  CHECK(a.counters().dropped_loss == b.counters().dropped_loss);
}

TEST_CASE("link model: loss and duplication rates are roughly honoured over many sends") {
  link_model m(lossy(0.25, 0.1));
  rng r(42);
  const int n = 100'000;
  for (int i = 0; i < n; ++i) m.send(1, 2, 0, r);
  CHECK(m.counters().sent == n);
  CHECK(m.counters().dropped_loss > n * 0.24);
  CHECK(m.counters().dropped_loss < n * 0.26);
  // Duplication applies to delivered messages: about 10% of 75%.
  CHECK(m.counters().duplicated > n * 0.065);
  CHECK(m.counters().duplicated < n * 0.085);
  CHECK(m.counters().dropped_partition == 0);
}

TEST_CASE("link model: latencies stay within bounds with the median near latency_us_median") {
  link_model m(lossy(0, 0));
  rng r(3);
  int below_median = 0, tail = 0;
  const int n = 20'000;
  for (int i = 0; i < n; ++i) {
    auto d = m.send(1, 2, 0, r);
    REQUIRE(d.delays.size() == 1);
    CHECK(d.delays[0] >= 100);
    CHECK(d.delays[0] <= 50'000);
    if (d.delays[0] < 1'000) ++below_median;
    if (d.delays[0] > 2'000) ++tail;
  }
  CHECK(below_median > n * 0.47);
  CHECK(below_median < n * 0.53);
  CHECK(tail > n * 0.03);
  CHECK(tail < n * 0.07);
}

TEST_CASE("link model: a host's messages to itself are never lost, duplicated or blocked") {
  link_model m(lossy(1.0, 1.0));
  rng r(1);
  m.partition({4}, {4, 5}, false);
  m.clog(4, 4, 1'000'000);
  auto d = m.send(4, 4, 0, r);
  REQUIRE(d.delays.size() == 1);
  CHECK(d.delays[0] == self_delay_us);
  CHECK(m.send(4, 5, 0, r).delays.empty());
  CHECK(m.counters().dropped_partition == 1);
}

TEST_CASE("link model: a symmetric partition blocks both ways, a one-way one only a to b") {
  link_model m(lossy(0, 0));
  rng r(5);
  m.partition({1, 2}, {3, client_host}, false);
  CHECK(m.send(1, 3, 0, r).delays.empty());
  CHECK(m.send(client_host, 2, 0, r).delays.empty());
  CHECK(m.send(1, 2, 0, r).delays.size() == 1);  // same side
  CHECK(m.send(3, client_host, 0, r).delays.size() == 1);
  CHECK(m.counters().dropped_partition == 2);

  m.heal();
  CHECK(m.send(1, 3, 0, r).delays.size() == 1);
  m.partition({1}, {2}, true);
  CHECK(m.blocked(1, 2));
  CHECK_FALSE(m.blocked(2, 1));
  CHECK(m.send(1, 2, 0, r).delays.empty());
  CHECK(m.send(2, 1, 0, r).delays.size() == 1);
  m.block(2, 1);
  CHECK(m.send(2, 1, 0, r).delays.empty());
}

TEST_CASE("link model: a clogged link delivers no earlier than until plus latency") {
  link_model m(lossy(0, 0.5));
  rng r(9);
  m.clog(1, 2, 2'000'000);
  for (int i = 0; i < 100; ++i) {
    const sim_us now = 1'000'000 + i * 1'000;
    auto d = m.send(1, 2, now, r);
    REQUIRE_FALSE(d.delays.empty());
    for (sim_us delay : d.delays) {
      CHECK(now + delay >= 2'000'000 + 100);
      CHECK(now + delay <= 2'000'000 + 50'000);
    }
  }
  CHECK(m.counters().clogged_delays == 100);
  // The reverse link is not clogged, and a clog ends by itself at `until`.
  CHECK(m.send(2, 1, 1'000'000, r).delays[0] <= 50'000);
  CHECK(m.clogged_until(1, 2, 2'500'000) == 2'500'000);
  // A second clog keeps the later until; unclog ends it at once.
  m.clog(1, 2, 1'500'000);
  CHECK(m.clogged_until(1, 2, 0) == 2'000'000);
  m.unclog(1, 2);
  CHECK(m.clogged_until(1, 2, 0) == 0);
  CHECK(m.send(1, 2, 0, r).delays[0] <= 50'000);
}

TEST_CASE("link model: heal removes every block and clog; new params apply to later sends") {
  link_model m(lossy(0, 0));
  rng r(11);
  m.partition({1}, {2, 3}, false);
  m.clog(3, 1, 10'000'000);
  m.heal();
  CHECK_FALSE(m.blocked(1, 2));
  CHECK(m.clogged_until(3, 1, 0) == 0);
  m.set_params(lossy(1.0, 0));
  CHECK(m.send(1, 2, 0, r).delays.empty());
  CHECK(m.counters().dropped_loss == 1);
}

TEST_CASE("link model: describe prints latencies, loss and duplication on one line") {
  CHECK(describe(lossy(0.125, 0.015)) ==
        "latency 100us/1ms/50ms (min/median/max), loss 12.5%, duplicate 1.5%");
  net_params slow = lossy(0, 0);
  slow.latency_us_median = 2'200;
  slow.latency_us_max = 1'234'567;
  CHECK(describe(slow) ==
        "latency 100us/2.2ms/1.23457s (min/median/max), loss 0.0%, duplicate 0.0%");
}

TEST_CASE("link model: a link's latency scale stretches only that link") {
  net_params p;
  p.latency_us_min = 100;
  p.latency_us_median = 100;
  p.latency_us_max = 100;
  link_model m(p);
  m.set_latency_scale(1, 2, 3.0);
  rng r(5);
  CHECK(m.send(1, 2, 0, r).delays == std::vector<sim_us>{300});
  CHECK(m.send(2, 1, 0, r).delays == std::vector<sim_us>{100});
}
