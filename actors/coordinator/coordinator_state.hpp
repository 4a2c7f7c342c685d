#pragma once
// Pure logic of the coordinator's status round: it assembles the cluster status from
// the answers of every shard and storage node. No CAF, no I/O. (The map itself and
// its changes are membership.hpp's.)
#include <optional>

#include "actors/coordinator/coordinator_protocol.hpp"

namespace cairn {

// Collects one status round. Every shard and storage node of the map is asked; an
// answer that does not come (timeout, error) leaves it marked unreachable.
class status_collector {
 public:
  explicit status_collector(const cluster_map& map);

  void record(const node_stats& s);
  void record(const shard_stats& s);
  // A target that did not answer: counts as done, stays unreachable.
  void give_up();
  bool complete() const { return answered_ == expected_; }
  size_t expected() const { return expected_; }
  cluster_status take(const transport_stats& transport);

 private:
  cluster_status status_;
  size_t expected_ = 0;
  size_t answered_ = 0;
};

}  // namespace cairn
