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
  // Scrub progress since the node started (scrubber_counters).
  uint64_t scrub_passes = 0, scrub_chunks_verified = 0, scrub_bytes_verified = 0,
           scrub_corrupt_found = 0;
  uint64_t mailbox_depth = 0;  // messages queued behind the stats request
};

struct shard_stats {
  shard_id shard = 0;
  host_id host = 0;
  uint64_t files = 0, directories = 0, bytes = 0;
  uint64_t under_replicated = 0, pending_files = 0, gc_pending = 0;
  bool reachable = false;
  // Repair progress since the repairer started: answered by the shard's repairer, whose
  // answer leaves the namespace fields above 0 (the shard's own answer leaves these 0).
  uint64_t repairs_done = 0, repairs_failed = 0, repair_bytes_copied = 0, repair_queued = 0,
           repairs_inflight = 0;
  uint64_t mailbox_depth = 0;  // messages queued behind the stats request
};

struct transport_stats {
  uint64_t connections_accepted = 0, connections_refused = 0, connections_closed_bad_frame = 0,
           frames_received = 0, frames_rejected = 0;
};

}  // namespace cairn
