#pragma once
// link_model: the simulated network's decisions. For every message between two hosts
// it answers "dropped, delivered once, or delivered twice, and after which delays".
// It owns the link state (blocked links of partitions, clogged links) and the
// counters; it never sees a message, a clock or a random device: time arrives as
// `now`, randomness as an rng the caller passes in. The actor that carries messages
// is the caller; it schedules each returned delay on the virtual clock.
//
// Latency distribution (per message copy, independent draws), for
// 0 < latency_us_min <= latency_us_median <= latency_us_max:
//   - 50%: uniform in [min, median];
//   - 45%: uniform in [median, min(2 * median, max)];
//   - 5%, the long tail: 2 * median + (max - 2 * median) * u^3 for u uniform in [0, 1),
//     so tail values crowd near 2 * median and thin out towards max (if
//     2 * median >= max, the tail is just max).
// The median of all delays is therefore latency_us_median, and none exceeds
// latency_us_max — before a link's latency scale (set_latency_scale) multiplies it.
//
// Reordering is not a separate knob: delays are independent, so two messages on the
// same link sent at t1 < t2 arrive swapped whenever t1 + d1 > t2 + d2. There is no
// per-link FIFO (unlike one TCP connection; our transport reconnects, so role code
// must not rely on order anyway). A duplicate is a second copy with its own delay.
//
// Order of decisions for a message from != to: blocked link => dropped (partition);
// else lost with probability `loss`; else one copy, plus a second with probability
// `duplicate`; a clogged link adds (until - now) to every copy. Messages from a host
// to itself are never blocked, lost, duplicated or clogged and take self_delay_us.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "runtime/ids.hpp"
#include "runtime/rng.hpp"
#include "sim/sim_time.hpp"

namespace cairn {

// The fixed delay of a message a host sends to itself.
inline constexpr sim_us self_delay_us = 5;

struct net_params {
  sim_us latency_us_min = 50;
  sim_us latency_us_median = 500;
  sim_us latency_us_max = 20'000;
  double loss = 0;       // probability a message is dropped, 0..1
  double duplicate = 0;  // probability a delivered message arrives twice, 0..1
};

// One line for a report header, e.g.
// "latency 50us/500us/20ms (min/median/max), loss 12.0%, duplicate 1.5%".
std::string describe(const net_params& params);

struct link_counters {
  uint64_t sent = 0;               // every send() call, self messages included
  uint64_t dropped_loss = 0;       // dropped by random loss
  uint64_t dropped_partition = 0;  // dropped because the link was blocked
  uint64_t duplicated = 0;         // delivered twice
  uint64_t clogged_delays = 0;     // delivered late because the link was clogged
};

class link_model {
 public:
  struct delivery {
    // Each entry is one copy's delay from `now`: empty = dropped, two = duplicated.
    std::vector<sim_us> delays;
  };

  // REQUIRES: params are valid (see set_params).
  explicit link_model(net_params params);

  // Decides the fate of one message sent at `now`. REQUIRES: now >= 0.
  delivery send(host_id from, host_id to, sim_us now, rng& r);

  // Replaces the parameters (the quiet phase sets loss and duplicate to 0); links stay
  // blocked or clogged. REQUIRES: 0 < latency_us_min <= latency_us_median <=
  // latency_us_max, and loss and duplicate in [0, 1].
  void set_params(net_params params);
  const net_params& params() const { return params_; }

  // Blocks the one-way link from -> to: its messages are dropped. from == to is ignored.
  // Scales every latency drawn for messages from -> to (a per-link distribution: the
  // simulation makes links within a rack faster than links across racks). 1 unless set.
  void set_latency_scale(host_id from, host_id to, double factor);

  void block(host_id from, host_id to);
  // Blocks every link side_a -> side_b, and side_b -> side_a unless one_way. A host on
  // both sides keeps its self link.
  void partition(const std::vector<host_id>& side_a, const std::vector<host_id>& side_b,
                 bool one_way);
  // Removes every block and every clog.
  void heal();

  // Messages sent on from -> to before `until` are delivered no earlier than `until`
  // plus their latency. A second clog of a clogged link keeps the later `until`.
  // from == to is ignored.
  void clog(host_id from, host_id to, sim_us until);
  void unclog(host_id from, host_id to);

  bool blocked(host_id from, host_id to) const;
  // The time the link unclogs, or `now` when it is not clogged at `now`.
  sim_us clogged_until(host_id from, host_id to, sim_us now) const;

  const link_counters& counters() const { return counters_; }

 private:
  using link = std::pair<host_id, host_id>;

  sim_us draw_latency(rng& r) const;  // from the distribution alone
  sim_us draw_latency(host_id from, host_id to, rng& r) const;

  net_params params_;
  std::map<link, double> latency_scale_;
  std::set<link> blocked_;
  std::map<link, sim_us> clogged_until_;
  link_counters counters_;
};

}  // namespace cairn
