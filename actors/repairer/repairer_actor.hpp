#pragma once
// The replica repairer's CAF shell: one per meta shard, at {shard's host, "repair.<s>"}.
// It drains its shard's under-replicated queue (README.md): on a tick, and whenever a
// repair ends, it reads the queue (repairQueueRequest) while it has capacity, lets the
// repair_scheduler pick repairs, and for each one asks the target storage node to copy
// the chunk (chunkReplicateRequest) and then the shard to record it (replicaAddRequest
// with the map epoch). It answers two messages itself:
//   (envelope_atom, mapUpdateRequest frame) -> mapUpdateReply frame
// keeping the newest map, and
//   (envelope_atom, shardStatsRequest frame) -> shardStatsReply frame
// with its repair counters (repairs*, mailboxDepth; namespace fields 0). Any other kind
// is answered with errorReply invalidArgument; a frame that cannot be opened is counted
// and answered with caf::sec::unexpected_message.
// It quits on stop_atom or an exit message and then leaves the registry.
#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <cstdint>

#include "runtime/cluster_map.hpp"
#include "runtime/result.hpp"

namespace cairn {

class registry;

struct repairer_options {
  shard_id shard = 0;
  host_id host = 0;           // where it runs: the shard's host
  cluster_map map;            // the map at spawn; mapUpdate replaces it with newer epochs
  uint32_t inflight_max = 8;  // cluster_config::repair_inflight
  uint64_t bandwidth = uint64_t{256} << 20;  // bytes/s, cluster_config::repair_bandwidth
  int64_t poll_interval_ms = 1000;           // queue read when idle
  int64_t request_timeout_ms = 10000;        // repairQueue and replicaAdd
  // chunkReplicate: a whole chunk copy. The target tries each source for up to its
  // replicate_fetch_timeout_ms (10 s) in turn, then commits: above sources x 10 s.
  int64_t copy_timeout_ms = 60000;
  size_t frame_bytes_max = 5u << 20;      // frames it reads (map updates, replies)
  int64_t stats_log_interval_ms = 60000;  // a counters line at most this often
  uint64_t seed = 0;                      // target, source and jitter choices
};

// Spawns the repairer (not detached) and registers it in `reg` at
// {opt.host, repairer_actor_name(opt.shard)}. invalid_argument for options that cannot
// work (a zero limit, interval or timeout; a shard the map does not name).
// REQUIRES: `reg` outlives the actor.
result<caf::actor> spawn_repairer(caf::actor_system& sys, registry& reg,
                                  const repairer_options& opt);

}  // namespace cairn
