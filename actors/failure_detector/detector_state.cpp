#include "actors/failure_detector/detector_state.hpp"

#include <algorithm>

#include "actors/failure_detector/observer_assignment.hpp"

namespace cairn {

detector_state::detector_state(detector_config cfg, cluster_map map, int64_t now_ms)
    : cfg_(cfg), map_(std::move(map)) {
  phi_cfg_.acceptable_pause_ms = static_cast<double>(cfg_.heartbeat_pause_ms);
  phi_cfg_.first_interval_ms = static_cast<double>(cfg_.heartbeat_interval_ms);
  assign_targets(now_ms);
}

bool detector_state::set_map(cluster_map map, int64_t now_ms) {
  if (map.epoch <= map_.epoch) return false;
  map_ = std::move(map);
  assign_targets(now_ms);
  // Reports sent under the old epoch are refused as stale (and the coordinator sends
  // the map because of it): repeat the current opinions at the next tick, not an
  // interval later, or every epoch bump would slow the next declaration by an interval.
  for (auto& [_, t] : targets_)
    if (t.suspect || t.withdrawals_left > 0) t.next_report_ms = now_ms;
  return true;
}

void detector_state::assign_targets(int64_t now_ms) {
  auto ids = targets_of(map_, cfg_.self, cfg_.observers);
  std::erase_if(targets_,
                [&](auto& kv) { return std::find(ids.begin(), ids.end(), kv.first) == ids.end(); });
  for (host_id id : ids) {
    if (targets_.count(id)) continue;
    auto [it, _] = targets_.emplace(id, target(phi_cfg_));
    // The assignment counts as a first arrival: a target that never answers is
    // suspected like one that stopped answering.
    it->second.phi.heartbeat(now_ms);
    it->second.next_ping_ms = now_ms;
    it->second.next_report_ms = now_ms;
  }
}

// Phi is kept once per ping and at every change of opinion: enough to explain a decision.
void detector_state::remember(target& t, int64_t now_ms, double phi) const {
  t.history.push_back({now_ms, phi});
  if (t.history.size() > cfg_.phi_history_max) t.history.pop_front();
}

detector_effects detector_state::tick(int64_t now_ms) {
  detector_effects out;
  for (auto& [id, t] : targets_) tick_target(id, t, now_ms, out);
  return out;
}

void detector_state::tick_target(host_id id, target& t, int64_t now_ms, detector_effects& out) {
  bool pinged = false;
  if (now_ms >= t.next_ping_ms) {
    out.pings.push_back({id, t.next_seq++, false});
    t.next_ping_ms += cfg_.heartbeat_interval_ms;
    if (t.next_ping_ms <= now_ms) t.next_ping_ms = now_ms + cfg_.heartbeat_interval_ms;
    pinged = true;
  }
  auto gap = static_cast<double>(now_ms - t.phi.last_heartbeat_ms());
  if (!t.probed &&
      gap >= cfg_.probe_after_intervals * static_cast<double>(cfg_.heartbeat_interval_ms)) {
    t.probed = true;  // a ping sent this tick serves as the probe
    if (!pinged) {
      t.probe_seq = t.next_seq++;
      out.pings.push_back({id, t.probe_seq, true});
    }
  }
  double phi = t.phi.phi(now_ms);
  if (pinged) remember(t, now_ms, phi);
  decide(id, t, phi, now_ms, out);
}

void detector_state::decide(host_id id, target& t, double phi, int64_t now_ms,
                            detector_effects& out) {
  auto report = [&](bool suspect, bool change) {
    out.reports.push_back({id, suspect, phi, map_.epoch, change});
    t.next_report_ms = now_ms + cfg_.heartbeat_interval_ms;
  };
  if (phi >= cfg_.phi_threshold) {
    bool change = !t.suspect;
    if (change) remember(t, now_ms, phi);
    // An accusation expires at the coordinator unless repeated.
    if (change || now_ms >= t.next_report_ms) report(true, change);
    t.suspect = true;
    t.withdrawals_left = 0;
    return;
  }
  bool change = t.suspect;
  if (change) {
    t.suspect = false;
    t.withdrawals_left = cfg_.withdraw_repeats;
    t.next_report_ms = now_ms;
    remember(t, now_ms, phi);
  }
  if (now_ms < t.next_report_ms) return;
  if (t.withdrawals_left > 0) {
    --t.withdrawals_left;
    report(false, change);
    return;
  }
  // The map still holds a host down (or out) that answers us: say so, so it comes back
  // even if this observer never accused it (e.g. it was assigned after the accusation).
  auto* h = map_.find_host(id);
  if (h && t.answered && (h->state == host_state::down || h->state == host_state::out))
    report(false, false);
}

void detector_state::on_heartbeat_reply(host_id id, uint64_t seq, int64_t now_ms) {
  auto it = targets_.find(id);
  if (it == targets_.end()) return;
  auto& t = it->second;
  if (seq <= t.answered_seq || seq >= t.next_seq) return;
  if (now_ms < t.phi.last_heartbeat_ms()) return;
  // Only the gap between replies to two consecutive regular pings samples the interval.
  bool regular = seq != t.probe_seq;
  bool clean = regular && t.last_answer_regular && seq == t.answered_seq + 1;
  if (clean || !t.phi.started())
    t.phi.heartbeat(now_ms);
  else
    t.phi.heartbeat_unsampled(now_ms);
  t.answered_seq = seq;
  t.last_answer_regular = regular;
  t.answered = true;
  t.probed = false;
}

std::vector<host_id> detector_state::targets() const {
  std::vector<host_id> out;
  for (auto& [id, _] : targets_) out.push_back(id);
  return out;
}

std::vector<target_view> detector_state::explain(int64_t now_ms) const {
  std::vector<target_view> out;
  for (auto& [id, t] : targets_) {
    target_view v;
    v.target = id;
    v.suspect = t.suspect;
    v.phi = t.phi.phi(now_ms);
    v.last_reply_ms = t.answered ? t.phi.last_heartbeat_ms() : 0;
    v.mean_interval_ms = t.phi.mean_ms();
    v.std_deviation_ms = t.phi.std_deviation_ms();
    v.history.assign(t.history.begin(), t.history.end());
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace cairn
