#pragma once
// The transport side of one host in a multi-host cluster, registered at {host, "peers"}:
// - keeps a peer link (runtime/net/peer_link.hpp) to every other host the map lists,
//   and the registry's routes to them, so a role's envelope to another host goes out
//   through the link as if the role were local;
// - routes host 0 (the coordinator address) to the coordinator's host, or for a host
//   that joined later, to a seed, which forwards;
// - announces this host to the coordinator (hostJoin) every join_interval_ms until it
//   is admitted: at every start, so a host that left comes back up; `joined` then
//   turns true (/readyz);
// - takes the coordinator's map pushes (mapUpdateRequest) to follow hosts that join;
// - on (leave_atom) tells the coordinator this host is stopping (hostLeave) and answers
//   true once acknowledged, false when the coordinator could not be told.
#include <caf/fwd.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "runtime/cluster_map.hpp"
#include "runtime/net/peer_link.hpp"
#include "runtime/net/registry.hpp"

namespace cairn {

struct peers_options {
  map_host self;                 // this host as it announces itself
  cluster_map founding;          // the config's hosts, with their addresses
  host_id coordinator_host = 0;  // the coordinator's host; 0: reach it through a seed
  std::vector<std::string> seeds;
  peer_link_config link;  // identity and limits for every link; host and port are set here
  int64_t join_interval_ms = 1000;
  uint32_t request_timeout_ms = 3000;
  std::shared_ptr<std::atomic<bool>> joined = std::make_shared<std::atomic<bool>>(false);
};

// REQUIRES: `reg` outlives the actor.
caf::actor spawn_peers(caf::actor_system& sys, registry& reg, const peers_options& opt);

}  // namespace cairn
