#pragma once
// The coordinator's view of the cluster as plain data: what `cairn status` shows.
#include <cstdint>
#include <vector>

#include "runtime/cluster_map.hpp"

namespace cairn {

struct node_stats {
  host_id host = 0;
  uint64_t chunks = 0, bytes = 0, free_bytes = 0;
  bool reachable = false;
};

struct shard_stats {
  shard_id shard = 0;
  host_id host = 0;
  uint64_t files = 0, directories = 0, bytes = 0;
  uint64_t under_replicated = 0, pending_files = 0, gc_pending = 0;
  bool reachable = false;
};

struct transport_stats {
  uint64_t connections_accepted = 0, connections_refused = 0,
           connections_closed_bad_frame = 0, frames_received = 0, frames_rejected = 0;
};

struct cluster_status {
  cluster_map map;
  std::vector<node_stats> nodes;
  std::vector<shard_stats> shards;
  transport_stats transport;

  uint64_t files() const;
  uint64_t bytes() const;
  uint64_t under_replicated() const;
  size_t hosts_up() const;
  bool healthy() const;  // every shard and node reachable, nothing under-replicated
};

}  // namespace cairn
