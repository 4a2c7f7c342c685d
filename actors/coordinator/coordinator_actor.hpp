#pragma once
// The coordinator's CAF shell. It speaks
//   (envelope_atom, std::string frame) -> std::string reply frame
// serving clusterMapRequest, clusterStatusRequest, hostReportRequest (from failure
// detectors) and hostAdminRequest (from operators). Membership decisions are
// membership.hpp's; the shell persists the map (before anyone hears of a change),
// logs every transition with its reason, calls on_map_change and pushes the map
// (mapUpdateRequest) to every role on every epoch change and every
// map_push_interval_ms. Not detached: its timer is a delayed_send.
#include <caf/fwd.hpp>

#include <functional>
#include <string>

#include "actors/coordinator/membership.hpp"
#include "runtime/cluster_map.hpp"
#include "runtime/result.hpp"

namespace cairn {

class registry;

struct coordinator_options {
  cluster_map map;  // from the config; merged with the persisted map at start
  host_id host = 0;
  size_t frame_bytes_max = 5u << 20;
  uint32_t stats_timeout_ms = 3000;  // a shard or node silent this long counts as unreachable
  membership_config membership;      // observers, accusation_ttl_ms, out_interval_ms
  // The map is kept in LMDB in <data_dir>/coordinator/; empty: memory only (tests).
  std::string data_dir;
  bool sync = true;                     // false: no fsync per map write (simulation)
  int64_t tick_ms = 250;                // expiry and out interval are checked this often
  int64_t map_push_interval_ms = 5000;  // the map is pushed to everyone this often too
  uint32_t map_push_timeout_ms = 2000;  // an unanswered push is forgotten after this
  // Called inside the actor after every epoch change (persisted, not yet pushed).
  std::function<void(const cluster_map&)> on_map_change;
};

// Opens the map store (io_error naming the directory when it cannot), loads and merges
// the persisted map with opt.map (membership.hpp: merge_with_config), spawns the
// coordinator and registers it at {host, "coordinator"} and at the well-known
// {0, "coordinator"} (see coordinator_address()). REQUIRES: `reg` outlives the actor.
result<caf::actor> spawn_coordinator(caf::actor_system& sys, registry& reg,
                                     const coordinator_options& opt);

}  // namespace cairn
