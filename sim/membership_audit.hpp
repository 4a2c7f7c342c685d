#pragma once
// membership_audit: how well the failure detectors did in one run. The simulation tells
// it when it crashed and restarted hosts and when it disturbed the network; the
// coordinator tells it (through its map-change hook) when it declared hosts down. Pure:
// times arrive as arguments.
//
//   detection time: from a host's crash to the first map that has it down, for crashes
//     during which the coordinator's host stayed up (a crashed coordinator declares
//     nothing until it is back, which says nothing about the detectors);
//   false down: a map declaring down a host that is running, with no network fault
//     (partition, clog, or their healing) in the preceding `quiet_window` and no
//     undeclared crash of it ending in the preceding `late_window`;
//   missed: a crash that lasted at least `missed_after` and was never declared.
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "runtime/cluster_map.hpp"
#include "sim/sim_time.hpp"

namespace cairn {

struct detection_figures {
  uint64_t crashes = 0;       // crashes observed
  uint64_t detected = 0;      // crashes declared down (timed)
  uint64_t untimed = 0;       // declared while the coordinator was down or restarted meanwhile
  uint64_t after_return = 0;  // declared just after the host came back (a late detection)
  uint64_t missed = 0;        // lasted >= missed_after, never declared
  uint64_t false_downs = 0;
  double p50_s = 0, p99_s = 0, max_s = 0;  // detection times, seconds
};

class membership_audit {
 public:
  explicit membership_audit(host_id coordinator_host, sim_us quiet_window = 30'000'000,
                            sim_us missed_after = 10'000'000)
      : coordinator_(coordinator_host), quiet_window_(quiet_window), missed_after_(missed_after) {}

  void host_crashed(host_id h, sim_us at);
  void host_restarted(host_id h, sim_us at);
  void network_disturbed(sim_us at) { last_network_fault_ = at; }
  void map_changed(const cluster_map& map, sim_us at);

  detection_figures figures() const;

 private:
  struct crash {
    sim_us at = 0;
    bool declared = false;
    bool untimed = false;  // the coordinator was down at some point since the crash
  };

  static constexpr sim_us late_window_ = 10'000'000;
  host_id coordinator_;
  sim_us quiet_window_, missed_after_;
  std::optional<sim_us> last_network_fault_;
  std::map<host_id, crash> crashed_;          // running crashes
  std::map<host_id, sim_us> undeclared_end_;  // when an undeclared crash of the host ended
  std::map<host_id, host_state> states_;      // as of the last map
  uint64_t epoch_ = 0;
  detection_figures counts_;
  std::vector<double> times_s_;
};

}  // namespace cairn
