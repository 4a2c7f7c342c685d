#include "sim/sim_world.hpp"

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <algorithm>

namespace cairn {
namespace {
// The clock starts here, not at 0, so that "time 0" never looks like a real event.
constexpr auto epoch_offset = std::chrono::hours(1);
}  // namespace

sim_world::sim_world(uint64_t seed)
    : cfg_(std::make_unique<caf::actor_system_config>()), pick_(rng(seed).derive("scheduler")) {
  cfg_->set("scheduler.policy", caf::atom("testing"));
  cfg_->set("logger.verbosity", caf::atom("quiet"));
  cfg_->set("logger.file-verbosity", caf::atom("quiet"));
  sys_ = std::make_unique<caf::actor_system>(*cfg_);
  sched_ = &dynamic_cast<caf::scheduler::test_coordinator&>(sys_->scheduler());
  sched_->clock().current_time += epoch_offset;
}

sim_world::~sim_world() {
  // Whatever is still queued runs to completion (exits, last replies); then the
  // system can shut down without waiting on a thread.
  run_until_idle(INT64_MAX);
  sys_.reset();
}

sim_us sim_world::now() const {
  auto since = sched_->clock().current_time.time_since_epoch() - epoch_offset;
  return std::chrono::duration_cast<std::chrono::microseconds>(since).count();
}

sim_us sim_world::next_timer() const {
  auto& schedule = sched_->clock().schedule();
  if (schedule.empty()) return INT64_MAX;
  auto since = schedule.begin()->first.time_since_epoch() - epoch_offset;
  return std::chrono::duration_cast<std::chrono::microseconds>(since).count();
}

void sim_world::advance_to(sim_us t) {
  auto now_us = now();
  // advance_time(0) fires exactly the timers due now (trigger_timeouts() would fire
  // every pending timer and jump the clock to the last one).
  sched_->advance_time(std::chrono::microseconds(std::max<sim_us>(0, t - now_us)));
}

bool sim_world::run_one() {
  auto& jobs = sched_->jobs;
  if (jobs.empty()) return false;
  // The next actor to run is drawn from the seeded stream, not taken in FIFO order:
  // every interleaving the real scheduler could produce is reachable from some seed.
  auto pick = static_cast<size_t>(pick_.below(jobs.size()));
  if (pick != 0) std::swap(jobs[0], jobs[pick]);
  sched_->run_once();
  ++messages_run_;
  return true;
}

bool sim_world::run_until_idle(sim_us until) {
  for (;;) {
    while (run_one()) {
    }
    auto next = next_timer();
    if (next == INT64_MAX) return true;
    if (next > until) return false;
    advance_to(next);
  }
}

void sim_world::run_until(sim_us until) {
  run_until_idle(until);
  if (now() >= until) return;
  advance_to(until);
  run_until_idle(until);
}

}  // namespace cairn
