#pragma once
// Reads the stats of this process's roles at scrape time, for /metrics: a nodeStats
// request to each local storage node, a shardStats request to each local meta shard and
// to its repairer. Every request goes out at once and all share one timeout; a role that
// is not registered, fails or does not answer in time is left out of the snapshot (its
// series disappear until it answers again) and its probe says answered = false.
#include <caf/fwd.hpp>

#include <atomic>
#include <cstdint>
#include <utility>
#include <vector>

#include "runtime/config.hpp"
#include "runtime/metrics/metrics.hpp"
#include "runtime/net/registry.hpp"

namespace cairn {

// The roles one cairnd runs.
struct local_roles {
  std::vector<host_id> storage_hosts;                // a storage node at storage_address(h)
  std::vector<std::pair<shard_id, host_id>> shards;  // meta.<s> and repair.<s> at that host
};

// Every storage host and shard of `cfg` when all hosts run in this process; in
// multi-host mode those of cfg.local only.
local_roles local_roles_of(const cluster_config& cfg);

class metrics_collector {
 public:
  // REQUIRES: `sys` and `reg` outlive the collector; timeout_ms > 0.
  metrics_collector(caf::actor_system& sys, registry& reg, local_roles roles,
                    int64_t timeout_ms = 2000);

  // Asks every local role and waits for all answers, at most timeout_ms. Blocks the
  // calling thread: call it from a thread of no actor (an HTTP worker).
  role_stats_snapshot collect();

 private:
  caf::actor_system& sys_;
  registry& reg_;
  local_roles roles_;
  int64_t timeout_ms_;
  std::atomic<uint64_t> correlation_{0};
};

}  // namespace cairn
