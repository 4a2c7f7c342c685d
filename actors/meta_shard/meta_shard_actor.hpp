#pragma once
// The meta shard's CAF shell. It speaks one message:
//   (envelope_atom, std::string frame) -> std::string reply frame
// with requests and replies from meta.capnp (README.md lists them with their errors).
// A frame that cannot be opened is answered with caf::sec::unexpected_message.
// Reads are answered at once from committed state; writes are folded into one LMDB
// transaction (group commit) and answered only after it is durable, except a
// fileCreate whose id is below the durable id ceiling: it is answered once its nested
// transaction commits (if the batch is then lost, the client's fileCommit fails with
// notFound). On its gc tick (1 s; also tick_atom) it expires old pending inodes and
// sends what its queues hold: chunkDelete to storage nodes, inodeDrop to other meta
// shards (the drop outbox, with shard_hosts). The actor quits on
// stop_atom (after flushing its batch) or an exit message and then leaves the registry.
// A detached actor's thread waits for its last handle: drop every handle (registry
// entries included) before destroying the actor system.
#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "actors/meta_shard/placer.hpp"
#include "runtime/ids.hpp"
#include "runtime/result.hpp"

namespace cairn {

class registry;

struct meta_shard_options {
  shard_id shard = 0;
  uint16_t shard_count = 1;
  host_id host = 0;      // where this shard runs
  std::string data_dir;  // the shard's LMDB lives in <data_dir>/meta-<shard>/
  uint64_t chunk_size = 4u << 20;
  uint8_t min_replicas = 2, final_replicas = 3;
  std::vector<placement_host> storage_hosts;
  uint32_t group_commit_max = 256;
  size_t frame_bytes_max = 5u << 20;
  uint64_t seed = 0;     // placement rng stream
  bool detached = true;  // blocking LMDB commits get their own thread; the simulation passes false
  // false: LMDB commits without fsync (MDB_NOSYNC). A killed process loses nothing, a
  // machine crash or power loss may lose acknowledged batches and roll the id ceiling
  // back (ids could then repeat). For the simulation and tests only.
  bool sync = true;
  // A pending inode (created, never committed nor dropped) older than this is dropped by
  // the shard itself, its chunks queued for GC; a fileCommit arriving later fails with
  // notFound. Must be far above the longest put.
  int64_t pending_ttl_ms = 600000;
  // Where every meta shard runs: shard_hosts[s] is shard s's host (size shard_count).
  // With it, unlinking a file entry whose inode lives on another shard makes this shard
  // drop that inode there (durable outbox, retried until acknowledged). Empty: the shard
  // cannot reach the others, and the client drops such inodes itself.
  std::vector<host_id> shard_hosts;
};

// Opens the LMDB environment (clear errors), spawns the actor and registers it in
// `reg` at {host, meta_actor_name(shard)}. invalid_argument for inconsistent options
// (pending_ttl_ms <= 0; shard_hosts neither empty nor of size shard_count included),
// io_error / no_space when the store cannot be opened. REQUIRES: `reg` outlives the actor.
result<caf::actor> spawn_meta_shard(caf::actor_system& sys, registry& reg,
                                    const meta_shard_options& opt);

}  // namespace cairn
