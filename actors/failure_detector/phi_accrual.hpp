#pragma once
// Phi-accrual failure detection (Hayashibara et al.; Akka's variant) over the arrival
// times of one target's heartbeats. phi = -log10(P(a heartbeat arrives later than now)),
// with the inter-arrival times modelled as a normal distribution whose mean is widened by
// an acceptable pause and whose deviation never falls below a floor, so a steady
// heartbeat on a quiet network does not make phi explode at the first small delay.
// Pure: times are arguments (milliseconds on any monotonic clock).
#include <cstddef>
#include <cstdint>
#include <deque>

namespace cairn {

struct phi_accrual_config {
  size_t window_max = 100;            // inter-arrival samples kept
  double std_deviation_min_ms = 100;  // floor of the modelled deviation
  double acceptable_pause_ms = 500;   // added to the mean interval
  double first_interval_ms = 1000;    // the bootstrap estimate (the heartbeat interval)
};

class phi_accrual {
 public:
  explicit phi_accrual(phi_accrual_config cfg) : cfg_(cfg) {}

  // A heartbeat arrived at now_ms. The first one only starts the clock (with two
  // synthetic samples around first_interval_ms, as Akka does). REQUIRES: now_ms is not
  // earlier than the previous heartbeat.
  void heartbeat(int64_t now_ms);

  // A heartbeat that ends the silence but is no sample of the regular interval (the
  // reply to an extra probe, or the first reply after lost ones): the interval model
  // stays that of a clean network, while losses are the probes' business.
  // REQUIRES: started().
  void heartbeat_unsampled(int64_t now_ms);

  // Suspicion at now_ms; 0 before the first heartbeat.
  double phi(int64_t now_ms) const;

  bool started() const { return started_; }
  int64_t last_heartbeat_ms() const { return last_ms_; }
  double mean_ms() const;
  double std_deviation_ms() const;
  size_t samples() const { return intervals_.size(); }

 private:
  void add_interval(double ms);

  phi_accrual_config cfg_;
  std::deque<double> intervals_;
  double sum_ = 0, sum_squares_ = 0;
  int64_t last_ms_ = 0;
  bool started_ = false;
};

}  // namespace cairn
