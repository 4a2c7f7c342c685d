#pragma once
// The failure detector's logic for one host, pure: which hosts it observes (from the
// map), when to ping them, what their replies do to phi, and what to tell the
// coordinator. The shell calls tick() about every 100 ms and carries out the returned
// pings and reports; it feeds replies back through on_heartbeat_reply(). No CAF, clock
// or rng: time arrives as an argument.
#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "actors/failure_detector/phi_accrual.hpp"
#include "runtime/cluster_map.hpp"

namespace cairn {

struct detector_config {
  host_id self = 0;
  int64_t heartbeat_interval_ms = 1000;
  uint32_t observers = 3;  // k: observers per target
  double phi_threshold = 8.0;
  int64_t heartbeat_pause_ms = 500;
  // No reply this long after the last one: one extra probe, so a single lost ping or
  // reply is answered before phi climbs (SWIM's indirect probe, done directly).
  double probe_after_intervals = 1.5;
  // A withdrawal (suspect=false) is sent this many times, one interval apart: a report
  // may be lost or overtaken by an older accusation.
  uint32_t withdraw_repeats = 3;
  size_t phi_history_max = 30;
};

struct ping_send {
  host_id target = 0;
  uint64_t seq = 0;
  bool probe = false;  // the extra probe after a late reply
};

struct report_send {
  host_id target = 0;
  bool suspect = false;
  double phi = 0;
  uint64_t epoch = 0;
  bool change = false;  // the observer's opinion just changed (the rest are repeats)
};

struct detector_effects {
  std::vector<ping_send> pings;
  std::vector<report_send> reports;
};

struct phi_sample {
  int64_t at_ms = 0;
  double phi = 0;
};

// One observed host, as `cairn shell node.explain` shows it.
struct target_view {
  host_id target = 0;
  bool suspect = false;  // this observer's current opinion
  double phi = 0;
  int64_t last_reply_ms = 0;  // 0: never answered
  double mean_interval_ms = 0;
  double std_deviation_ms = 0;
  std::vector<phi_sample> history;  // oldest first, at most phi_history_max
};

class detector_state {
 public:
  detector_state(detector_config cfg, cluster_map map, int64_t now_ms);

  // Takes a map with a newer epoch (an older or equal one is ignored: false) and
  // re-derives the targets; a target kept keeps its phi history, and its current
  // opinion is reported again at the next tick under the new epoch.
  bool set_map(cluster_map map, int64_t now_ms);
  const cluster_map& map() const { return map_; }

  detector_effects tick(int64_t now_ms);

  // A heartbeat reply. Replies to a ping older than the newest answered one
  // (reordered or duplicated) are ignored, as are replies from non-targets.
  void on_heartbeat_reply(host_id target, uint64_t seq, int64_t now_ms);

  std::vector<host_id> targets() const;
  std::vector<target_view> explain(int64_t now_ms) const;

 private:
  struct target {
    explicit target(const phi_accrual_config& c) : phi(c) {}
    phi_accrual phi;
    int64_t next_ping_ms = 0;
    int64_t next_report_ms = 0;
    uint64_t next_seq = 1;
    uint64_t answered_seq = 0;
    uint64_t probe_seq = 0;            // the latest extra probe
    bool last_answer_regular = false;  // the last reply answered a regular ping
    bool answered = false;             // a real reply arrived since this detector began
    bool probed = false;               // the extra probe since the last reply was sent
    bool suspect = false;
    uint32_t withdrawals_left = 0;
    std::deque<phi_sample> history;
  };

  void assign_targets(int64_t now_ms);
  void tick_target(host_id id, target& t, int64_t now_ms, detector_effects& out);
  void remember(target& t, int64_t now_ms, double phi) const;
  void decide(host_id id, target& t, double phi, int64_t now_ms, detector_effects& out);

  detector_config cfg_;
  phi_accrual_config phi_cfg_;
  cluster_map map_;
  std::map<host_id, target> targets_;
};

}  // namespace cairn
