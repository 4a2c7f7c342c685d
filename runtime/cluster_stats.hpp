#pragma once
// What each role reports for `cairn status`: storage nodes, meta shards and the
// transport. Shared by the roles that answer and the coordinator that collects.
#include <cstdint>

#include "runtime/ids.hpp"

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
  uint64_t connections_accepted = 0, connections_refused = 0, connections_closed_bad_frame = 0,
           frames_received = 0, frames_rejected = 0;
};

}  // namespace cairn
