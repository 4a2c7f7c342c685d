#pragma once
// The failure detector's CAF shell, one per host at {host, "detector"}. It speaks
//   (envelope_atom, std::string frame) -> std::string reply frame
// answering heartbeatRequest at once (the reply is the heartbeat) and mapUpdateRequest
// (keeps the newest epoch; replies with the epoch it holds). Every tick_ms it runs
// detector_state: pings the hosts it observes ({target, "detector"}) and sends host
// reports to the coordinator (coordinator_address(), which every host routes to the
// coordinator). Unanswered requests time out and are forgotten: silence is what phi
// measures. Not detached: its timer is a delayed_send, which would hang shutdown.
#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <cstdint>

#include "runtime/cluster_map.hpp"
#include "runtime/config.hpp"
#include "runtime/result.hpp"

namespace cairn {

class registry;

struct failure_detector_options {
  host_id host = 0;
  cluster_map map;  // the starting map; newer epochs arrive as map updates
  int64_t heartbeat_interval_ms = 1000;
  uint32_t observers = 3;
  double phi_threshold = 8.0;
  int64_t heartbeat_pause_ms = 500;
  int64_t tick_ms = 100;  // how often phi is evaluated
  size_t frame_bytes_max = 1u << 20;
};

// The options for `host` from the cluster config, starting from `map`.
failure_detector_options failure_detector_options_from(const cluster_config& cfg,
                                                       const cluster_map& map, host_id host);

// Spawns the detector and registers it at {host, detector_actor_name}.
// invalid_argument for non-positive intervals or a zero tick. REQUIRES: `reg` outlives it.
result<caf::actor> spawn_failure_detector(caf::actor_system& sys, registry& reg,
                                          const failure_detector_options& opt);

}  // namespace cairn
