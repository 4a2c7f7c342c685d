#pragma once
// One simulated run: a cluster drawn from the seed, a workload through the real
// client, a chaos phase with the seed's faults, a quiet phase with every fault
// healed, then the checkers. Everything derives from `seed`: same seed and build,
// same trace hash.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "runtime/result.hpp"
#include "sim/fault_plan.hpp"
#include "sim/membership_audit.hpp"
#include "sim/sim_network.hpp"
#include "sim/workload.hpp"

namespace cairn {

struct sim_options {
  uint64_t seed = 1;
  uint32_t hosts = 9;
  sim_us duration = sim_us{600} * 1'000'000;  // the chaos phase
  std::string workload = "mixed";
  // swarm: the seed draws every fault rate; none: no faults; crashes: host crashes only;
  // lossy: 1% loss and ~100 ms of latency jitter only; corruption: bit flips only;
  // decommission: one host decommissioned a third into the chaos phase, no faults.
  std::string faults = "swarm";
  double ops_per_second = 200;
  std::string trace_path;  // JSON lines of every event; empty: none
  std::string temp_dir;    // parent of the run's LMDB directories; empty: /dev/shm or /tmp
};

struct checker_result {
  std::string name;
  bool passed = true;
  std::string detail;  // what failed, or what was checked
};

struct sim_report {
  sim_options options;
  swarm_params swarm;
  double sim_seconds = 0, wall_seconds = 0;
  uint64_t trace_hash = 0, trace_events = 0, messages = 0;
  workload_stats ops;
  std::map<std::string, uint64_t> faults;  // injected, by kind ("buggify.<site>" too)
  network_counters net;
  link_counters links;
  uint64_t replicas_destroyed = 0;  // replicas lost to wipes and bit flips (the budget)
  detection_figures detection;
  uint64_t corruptions_injected = 0, corruptions_repaired = 0;
  double repair_drained_s = -1;  // quiet phase start -> repair queues empty; -1: never
  std::vector<checker_result> checkers;
  std::vector<std::string> violations;

  bool passed() const;
  double sim_real_ratio() const { return wall_seconds > 0 ? sim_seconds / wall_seconds : 0; }
};

// The command line that repeats this run.
std::string reproduce_command(const sim_options& opt);

// The fault profiles --faults accepts.
inline constexpr const char* fault_profiles[] = {"swarm", "none",       "crashes",
                                                 "lossy", "corruption", "decommission"};

// Errors: the run could not be set up (temp dir, a role failed to start) — not a
// checker verdict, which is in the report.
result<sim_report> run_simulation(const sim_options& opt);

}  // namespace cairn
