#include "sim/membership_audit.hpp"

#include <algorithm>
#include <cmath>

namespace cairn {

void membership_audit::host_crashed(host_id h, sim_us at) {
  ++counts_.crashes;
  // A crash that begins or runs while the coordinator is down is declared only once it
  // is back: its time says nothing about the detectors.
  crashed_[h] = crash{at, false, crashed_.count(coordinator_) > 0};
  // Every running crash's detection now waits for the coordinator's return.
  if (h == coordinator_)
    for (auto& [host, c] : crashed_) c.untimed = true;
}

void membership_audit::host_restarted(host_id h, sim_us at) {
  auto it = crashed_.find(h);
  if (it == crashed_.end()) return;
  if (!it->second.declared) {
    if (at - it->second.at >= missed_after_ && !it->second.untimed) ++counts_.missed;
    undeclared_end_[h] = at;
  }
  crashed_.erase(it);
}

void membership_audit::map_changed(const cluster_map& map, sim_us at) {
  if (map.epoch <= epoch_) return;
  epoch_ = map.epoch;
  for (auto& h : map.hosts) {
    auto before = states_.find(h.id);
    bool was_down = before != states_.end() &&
                    (before->second == host_state::down || before->second == host_state::out);
    states_[h.id] = h.state;
    if (h.state != host_state::down || was_down) continue;
    auto c = crashed_.find(h.id);
    if (c == crashed_.end()) {
      auto ended = undeclared_end_.find(h.id);
      if (ended != undeclared_end_.end() && at - ended->second < late_window_) {
        ++counts_.after_return;
        undeclared_end_.erase(ended);
        continue;
      }
      bool disturbed = last_network_fault_ && at - *last_network_fault_ < quiet_window_;
      if (!disturbed) ++counts_.false_downs;
      continue;
    }
    if (c->second.declared) continue;
    c->second.declared = true;
    if (c->second.untimed || crashed_.count(coordinator_)) {
      ++counts_.untimed;
      continue;
    }
    ++counts_.detected;
    times_s_.push_back(double(at - c->second.at) / 1e6);
  }
}

detection_figures membership_audit::figures() const {
  detection_figures out = counts_;
  if (times_s_.empty()) return out;
  auto sorted = times_s_;
  std::sort(sorted.begin(), sorted.end());
  // Nearest rank: the smallest time at or above the given share of detections.
  auto rank = [&](double q) {
    size_t i = static_cast<size_t>(std::ceil(q * double(sorted.size())));
    return sorted[std::clamp<size_t>(i, 1, sorted.size()) - 1];
  };
  out.p50_s = rank(0.50);
  out.p99_s = rank(0.99);
  out.max_s = sorted.back();
  return out;
}

}  // namespace cairn
