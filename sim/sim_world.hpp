#pragma once
// sim_world: an actor system whose scheduler is CAF's deterministic test_coordinator,
// with a virtual clock. It runs one message at a time, picking the next runnable actor
// from a seeded stream, and when nothing can run it jumps the clock to the next timer
// (a delayed_send, a request timeout, a receive timeout): idle time is skipped, never
// waited. Same seed, same actors, same messages => same order of events.
#include <caf/fwd.hpp>

#include <cstdint>
#include <memory>

#include "runtime/rng.hpp"
#include "sim/sim_time.hpp"

namespace cairn {

class sim_world {
 public:
  explicit sim_world(uint64_t seed);
  ~sim_world();
  sim_world(const sim_world&) = delete;
  sim_world& operator=(const sim_world&) = delete;

  caf::actor_system& system() { return *sys_; }
  sim_us now() const;

  // Runs every runnable message and every timer due up to `until`, then sets the
  // clock to `until`.
  void run_until(sim_us until);
  // Runs messages and timers until nothing is runnable and no timer is pending or
  // `until` is reached; returns whether the system went idle.
  bool run_until_idle(sim_us until);

  uint64_t messages_run() const { return messages_run_; }

 private:
  bool run_one();
  sim_us next_timer() const;  // INT64_MAX when none is pending
  void advance_to(sim_us t);

  std::unique_ptr<caf::actor_system_config> cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  caf::scheduler::test_coordinator* sched_ = nullptr;
  rng pick_;
  uint64_t messages_run_ = 0;
};

}  // namespace cairn
