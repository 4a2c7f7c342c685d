#include "sim/link_model.hpp"

#include <algorithm>
#include <cstdio>

#include "runtime/assert.hpp"

namespace cairn {
namespace {

// Uniform in [0, 1) with 53 random bits.
double unit_interval(rng& r) { return static_cast<double>(r.next() >> 11) * 0x1.0p-53; }

// True with probability p; draws nothing when the answer is certain.
bool chance(rng& r, double p) {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return unit_interval(r) < p;
}

// Uniform in [lo, hi]. REQUIRES: lo <= hi.
sim_us uniform_between(rng& r, sim_us lo, sim_us hi) {
  return lo + static_cast<sim_us>(r.below(static_cast<uint64_t>(hi - lo) + 1));
}

std::string format_us(sim_us us) {
  char buf[32];
  if (us >= 1'000'000)
    std::snprintf(buf, sizeof buf, "%gs", static_cast<double>(us) / 1e6);
  else if (us >= 1'000)
    std::snprintf(buf, sizeof buf, "%gms", static_cast<double>(us) / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%lldus", static_cast<long long>(us));
  return buf;
}

bool valid(const net_params& p) {
  return 0 < p.latency_us_min && p.latency_us_min <= p.latency_us_median &&
         p.latency_us_median <= p.latency_us_max && p.loss >= 0 && p.loss <= 1 &&
         p.duplicate >= 0 && p.duplicate <= 1;
}

}  // namespace

std::string describe(const net_params& params) {
  char buf[160];
  std::snprintf(
      buf, sizeof buf, "latency %s/%s/%s (min/median/max), loss %.1f%%, duplicate %.1f%%",
      format_us(params.latency_us_min).c_str(), format_us(params.latency_us_median).c_str(),
      format_us(params.latency_us_max).c_str(), params.loss * 100, params.duplicate * 100);
  return buf;
}

link_model::link_model(net_params params) { set_params(params); }

void link_model::set_params(net_params params) {
  CAIRN_ASSERT(valid(params));
  params_ = params;
}

void link_model::set_latency_scale(host_id from, host_id to, double factor) {
  CAIRN_ASSERT(factor > 0);
  latency_scale_[{from, to}] = factor;
}

sim_us link_model::draw_latency(host_id from, host_id to, rng& r) const {
  auto scale = latency_scale_.find({from, to});
  if (scale == latency_scale_.end()) return draw_latency(r);
  return std::max<sim_us>(
      1, static_cast<sim_us>(static_cast<double>(draw_latency(r)) * scale->second));
}

sim_us link_model::draw_latency(rng& r) const {
  const sim_us lo = params_.latency_us_min;
  const sim_us median = params_.latency_us_median;
  const sim_us hi = params_.latency_us_max;
  const sim_us body_hi = std::min(2 * median, hi);
  const uint64_t bucket = r.below(100);
  if (bucket < 50) return uniform_between(r, lo, median);
  if (bucket < 95) return uniform_between(r, median, body_hi);
  if (body_hi >= hi) return hi;
  const double u = unit_interval(r);
  return body_hi + static_cast<sim_us>(static_cast<double>(hi - body_hi) * u * u * u);
}

link_model::delivery link_model::send(host_id from, host_id to, sim_us now, rng& r) {
  CAIRN_ASSERT(now >= 0);
  ++counters_.sent;
  delivery d;
  if (from == to) {
    d.delays.push_back(self_delay_us);
    return d;
  }
  if (blocked(from, to)) {
    ++counters_.dropped_partition;
    return d;
  }
  if (chance(r, params_.loss)) {
    ++counters_.dropped_loss;
    return d;
  }
  d.delays.push_back(draw_latency(from, to, r));
  if (chance(r, params_.duplicate)) {
    ++counters_.duplicated;
    d.delays.push_back(draw_latency(from, to, r));
  }
  const sim_us hold = clogged_until(from, to, now) - now;
  if (hold > 0) {
    ++counters_.clogged_delays;
    for (auto& delay : d.delays) delay += hold;
  }
  return d;
}

void link_model::block(host_id from, host_id to) {
  if (from != to) blocked_.insert({from, to});
}

void link_model::partition(const std::vector<host_id>& side_a, const std::vector<host_id>& side_b,
                           bool one_way) {
  for (host_id a : side_a) {
    for (host_id b : side_b) {
      block(a, b);
      if (!one_way) block(b, a);
    }
  }
}

void link_model::heal() {
  blocked_.clear();
  clogged_until_.clear();
}

void link_model::clog(host_id from, host_id to, sim_us until) {
  if (from == to) return;
  auto [it, inserted] = clogged_until_.try_emplace({from, to}, until);
  if (!inserted) it->second = std::max(it->second, until);
}

void link_model::unclog(host_id from, host_id to) { clogged_until_.erase({from, to}); }

bool link_model::blocked(host_id from, host_id to) const { return blocked_.count({from, to}) != 0; }

sim_us link_model::clogged_until(host_id from, host_id to, sim_us now) const {
  auto it = clogged_until_.find({from, to});
  if (it == clogged_until_.end()) return now;
  return std::max(it->second, now);
}

}  // namespace cairn
