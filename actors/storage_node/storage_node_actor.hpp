#pragma once
// The storage node's CAF shell. Behaviour:
//   (envelope_atom, std::string frame) -> std::string frame   chunkPut/Get/Delete, nodeStats
//   (flush_atom)                                              to itself: commit the open batch
//   (tick_atom, uint64_t)                                     to itself: a slow sync is over
//   (scan_atom)                                               to itself: continue the orphan scan
//   (scrub_atom)                                              to itself: continue the scrub
// Frames that do not open as an envelope are counted and answered with
// caf::sec::unexpected_message; everything else gets a reply frame (see README.md).
// chunkReplicate makes the node fetch a chunk from another node (chunkGet) and store it.
// With shard_hosts set, the node runs the orphan scan (it asks each old chunk's home
// meta shard, chunkCheckRequest, whether the chunk is still wanted and deletes it on a
// "no") and the scrub (it reads every chunk at a bounded rate and reports a corrupt one
// to its home meta shard, corruptReportRequest). README.md has the details.
#include <caf/fwd.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/storage_node/chunk_store.hpp"
#include "runtime/ids.hpp"
#include "runtime/result.hpp"

namespace cairn {

class registry;

struct storage_node_options {
  host_id host = 0;
  std::string data_dir;         // created if missing
  uint64_t capacity_bytes = 0;  // 0 = filesystem free space
  uint32_t group_commit_max = 256;
  size_t frame_bytes_max = 5u << 20;
  bool detached = true;  // blocking disk I/O gets its own thread; the simulation will pass false
  uint64_t group_commit_bytes_max = uint64_t{64} << 20;  // put bytes folded into one commit

  // The orphan scan (README.md); off while shard_hosts is empty.
  std::vector<host_id> shard_hosts;          // index = shard id: where its meta shard runs
  int64_t orphan_grace_ms = 15 * 60 * 1000;  // younger chunks are never checked
  int64_t scan_interval_ms = 60 * 1000;      // from the start of one pass to the next
  uint32_t scan_checks_max = 16;             // checks in flight
  int64_t scan_check_timeout_ms = 10000;     // an unanswered check (or corruption report) fails

  // The scrub (README.md): runs with the orphan scan, while shard_hosts is not empty.
  uint64_t scrub_rate = uint64_t{32} << 20;         // chunk bytes read per second
  int64_t scrub_interval_ms = 24 * 60 * 60 * 1000;  // from the start of one pass to the next

  // chunkReplicate (README.md).
  int64_t replicate_fetch_timeout_ms = 10000;  // per source asked
  uint32_t replicates_max = 64;                // replicates in flight; past it: overloaded
};

// Opens the store (errors: io_error etc. with a clear message), spawns the actor and
// registers it in `reg` at address {host, storage_actor_name}. invalid_argument for
// inconsistent options. The orphan scan finds meta shards in `reg`.
// REQUIRES: `reg` outlives the actor.
result<caf::actor> spawn_storage_node(caf::actor_system& sys, registry& reg,
                                      const storage_node_options& opt);

// The same over a store the caller opened (the simulation's fake disk); opt.data_dir
// and opt.capacity_bytes are then unused. REQUIRES: store != nullptr.
result<caf::actor> spawn_storage_node(caf::actor_system& sys, registry& reg,
                                      const storage_node_options& opt,
                                      std::unique_ptr<chunk_store> store);

}  // namespace cairn
