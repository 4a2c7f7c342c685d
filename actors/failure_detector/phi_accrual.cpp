#include "actors/failure_detector/phi_accrual.hpp"

#include <algorithm>
#include <cmath>

#include "runtime/assert.hpp"

namespace cairn {

void phi_accrual::add_interval(double ms) {
  if (intervals_.size() >= cfg_.window_max) {
    double old = intervals_.front();
    intervals_.pop_front();
    sum_ -= old;
    sum_squares_ -= old * old;
  }
  intervals_.push_back(ms);
  sum_ += ms;
  sum_squares_ += ms * ms;
}

void phi_accrual::heartbeat(int64_t now_ms) {
  if (!started_) {
    // Akka bootstraps with mean = first estimate and deviation = a quarter of it.
    double d = cfg_.first_interval_ms / 4;
    add_interval(cfg_.first_interval_ms - d);
    add_interval(cfg_.first_interval_ms + d);
    started_ = true;
    last_ms_ = now_ms;
    return;
  }
  CAIRN_ASSERT(now_ms >= last_ms_);
  add_interval(static_cast<double>(now_ms - last_ms_));
  last_ms_ = now_ms;
}

void phi_accrual::heartbeat_unsampled(int64_t now_ms) {
  CAIRN_ASSERT(started_ && now_ms >= last_ms_);
  last_ms_ = now_ms;
}

double phi_accrual::mean_ms() const {
  return intervals_.empty() ? cfg_.first_interval_ms
                            : sum_ / static_cast<double>(intervals_.size());
}

double phi_accrual::std_deviation_ms() const {
  if (intervals_.empty()) return cfg_.std_deviation_min_ms;
  double n = static_cast<double>(intervals_.size());
  double mean = sum_ / n;
  double variance = std::max(0.0, sum_squares_ / n - mean * mean);
  return std::max(std::sqrt(variance), cfg_.std_deviation_min_ms);
}

double phi_accrual::phi(int64_t now_ms) const {
  if (!started_) return 0;
  double elapsed = static_cast<double>(now_ms - last_ms_);
  double mean = mean_ms() + cfg_.acceptable_pause_ms;
  double y = (elapsed - mean) / std_deviation_ms();
  // Logistic approximation of the normal CDF (Akka's), accurate to ~1e-4 and cheap.
  double e = std::exp(-y * (1.5976 + 0.070566 * y * y));
  double p_later = elapsed > mean ? e / (1.0 + e) : 1.0 - 1.0 / (1.0 + e);
  // Far beyond the mean p underflows: clamp so phi stays finite (and comparable).
  return -std::log10(std::max(p_later, 1e-300));
}

}  // namespace cairn
