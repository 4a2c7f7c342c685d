#pragma once
// The cluster map: members with topology labels, which host runs each meta shard, and
// the cluster-wide defaults. Owned by the coordinator; everyone else holds a copy.
// Pure data: no CAF, no Cap'n Proto (see cluster_map_codec.hpp for the wire form).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/config.hpp"
#include "runtime/address.hpp"

namespace cairn {

// A host's place in the membership; values equal wire::HostState's.
//   up -> suspect (an observer's phi crossed the threshold) -> down (>= 2 observers
//   agree) -> out (down for the out interval); any of them -> up when heartbeats are
//   answered again. draining: decommissioned by an operator.
enum class host_state : uint8_t { up = 0, suspect = 1, down = 2, out = 3, draining = 4 };

std::string to_string(host_state s);

// Answers requests: reads may go there.
constexpr bool host_reachable(host_state s) {
  return s == host_state::up || s == host_state::suspect || s == host_state::draining;
}
// New replicas may be placed there.
constexpr bool host_placeable(host_state s) {
  return s == host_state::up || s == host_state::suspect;
}
// Its replicas count toward a chunk's live replicas.
constexpr bool host_counts_replicas(host_state s) { return host_placeable(s); }

struct map_host {
  host_id id = 0;
  std::string name;
  topology_labels labels;
  host_state state = host_state::up;
  bool storage = true;
  int64_t since_ms = 0;  // when it entered `state` (coordinator clock)
  // Marked out by an operator (`cairn node out`): it stays out when it answers again,
  // until recommissioned. A host out because it was down too long comes back by itself.
  bool retired = false;
  std::string address;  // HOST:PORT of its transport; empty when all hosts share a process

  bool reachable() const { return host_reachable(state); }
  bool placeable() const { return host_placeable(state); }
  bool counts_replicas() const { return host_counts_replicas(state); }
};

struct cluster_map {
  uint64_t epoch = 0;
  std::vector<map_host> hosts;
  std::vector<host_id> shard_hosts;  // index = shard id
  uint64_t chunk_size = 0;
  uint8_t min_replicas = 0;
  uint8_t final_replicas = 0;

  uint16_t shard_count() const { return static_cast<uint16_t>(shard_hosts.size()); }
  address meta_address(shard_id s) const;
  address meta_address_for(inode_id id) const { return meta_address(home_shard(id)); }
  const map_host* find_host(host_id id) const;

  static cluster_map from_config(const cluster_config& cfg);
};

address storage_address(host_id host);

// Where a client finds the coordinator: host 0 means "the host you are connected to",
// which forwards to wherever the coordinator runs.
address coordinator_address();

}  // namespace cairn
