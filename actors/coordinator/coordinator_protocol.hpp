#pragma once
// The coordinator's view of the cluster as plain data: what `cairn status` shows.
#include <cstdint>
#include <vector>

#include "runtime/cluster_map.hpp"
#include "runtime/cluster_stats.hpp"

namespace cairn {

struct cluster_status {
  cluster_map map;
  std::vector<node_stats> nodes;
  std::vector<shard_stats> shards;
  transport_stats transport;

  uint64_t files() const;
  uint64_t bytes() const;
  uint64_t under_replicated() const;
  size_t hosts_up() const;
  bool healthy() const;  // no health check fails (cluster_health.hpp)
};

}  // namespace cairn
