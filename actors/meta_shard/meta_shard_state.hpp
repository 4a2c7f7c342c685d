#pragma once
// meta_shard_state: the meta shard's logic. Pure: no CAF, LMDB, Cap'n Proto or spdlog;
// no clock or random device (now_ms and an rng arrive as arguments). It reads and
// writes through one meta_txn per request and returns the reply plus the effects the
// shell must carry out after the transaction commits.
//
// Invariants it keeps (README.md explains them):
// - ids are never reused: they are handed out from memory below a reserved ceiling
//   that the store persists and that only grows (id_allocator.hpp);
// - a committed inode's chunk c has an under_replicated entry, keyed by c's live replica
//   count, exactly when that count is below the inode's final count; the entry is
//   written in the same transaction as the change that caused it;
// - a pending inode has no directory entry: nothing pending is visible;
// - a dropped inode's replicas are queued in gc in the same transaction;
// - an inode is in the pending index exactly while it is pending: the index changes in
//   the transaction that creates, commits or drops it;
// - with remote_drops, unlinking a file entry whose inode lives on another shard writes
//   that inode's drop_outbox record in the same transaction.
#include <functional>
#include <map>
#include <set>
#include <vector>

#include "actors/meta_shard/id_allocator.hpp"
#include "actors/meta_shard/meta_messages.hpp"
#include "actors/meta_shard/meta_store.hpp"
#include "actors/meta_shard/placer.hpp"
#include "runtime/cluster_map.hpp"
#include "runtime/rng.hpp"

namespace cairn {

inline constexpr uint32_t list_limit_max = 1000;  // entries per list reply
inline constexpr uint64_t chunks_per_file_max = 1u << 16;
inline constexpr size_t ancestor_walk_max = 4096;        // rename's cycle check
inline constexpr uint32_t repair_queue_limit_max = 256;  // entries per repairQueue reply
inline constexpr size_t host_scan_page = 256;            // node_chunks keys per host_scan

struct meta_shard_config {
  shard_id shard = 0;
  host_id host = 0;
  uint64_t chunk_size = 4u << 20;
  uint8_t min_replicas = 2;
  uint8_t final_replicas = 3;
  std::vector<placement_host> storage_hosts;
  uint64_t id_block = id_block_default;  // ids reserved per ceiling raise; >= 2
  // Deleting the chunks of a dropped *pending* inode waits this long: its writer may
  // have chunkPuts still in flight to a slow node, which would land after the delete.
  int64_t pending_gc_grace_ms = 30000;
  // A pending inode older than this is dropped on the shard's own initiative (its
  // client died, or its put failed and the inodeDrop was lost). Far above any put's
  // duration: a commit arriving later fails with not_found.
  int64_t pending_ttl_ms = 600000;
  size_t pending_expire_max = 64;  // pending inodes dropped per pending_expire_request
  // true: unlinking a file entry whose inode lives on another shard queues the inode's
  // drop in this shard's drop_outbox (the shell sends it until acknowledged). false: the
  // client drops it (the shell does not know where other shards live).
  bool remote_drops = false;
};

// A membership change that needs a walk of one host's node -> chunk index (host_scan).
struct host_scan_job {
  host_id host = 0;
  host_scan_mode mode = host_scan_mode::mark_offline;
};

// What a newer map changes for this shard.
struct map_change {
  std::vector<host_scan_job> start;  // (re)start these walks from the beginning
  std::vector<host_id> cancel;       // stop the walks of these hosts (their replicas count again)
};

struct meta_outcome {
  result<meta_reply> reply;
  // Chunks were queued for deletion: once the transaction commits, run the gc planner.
  bool gc_queued = false;
  // An inode drop was queued in the drop_outbox: once committed, run the drop planner.
  bool drops_queued = false;
  // The reply may be sent as soon as this request's nested transaction commits, before
  // its batch is durable: losing the batch loses only what the reply announced as
  // pending (a fileCreate's inode, whose id is below the durable ceiling), and the
  // client's fileCommit then fails with not_found.
  bool reply_early = false;
};

class meta_shard_state {
 public:
  explicit meta_shard_state(meta_shard_config cfg);

  // Creates the counters, and on shard 0 the root directory's marker, if the store has
  // never been bootstrapped; loads the persisted id ceiling. Writes nothing to a store
  // that was bootstrapped, except once for a store written before the pending index:
  // then it reads every inode to index the pending ones. The caller then treats `txn`
  // as a batch (reserve_ids, commit, batch_committed).
  status bootstrap(meta_txn& txn);

  // Executes one request. On an error reply the transaction may hold partial writes:
  // the caller must abort it (the shell runs each write in its own nested txn).
  // Read requests (is_read) only read, so a read-only txn serves them.
  meta_outcome handle(meta_txn& txn, const meta_request& req, int64_t now_ms, rng& r);

  // Call on a batch's outermost write transaction after its last request, just before
  // committing it: raises the persisted id ceiling when the next id is within half a
  // block of the durable one. On an error the batch must not commit.
  status reserve_ids(meta_txn& txn);

  // Whether a pending inode is older than pending_ttl_ms, so that a
  // pending_expire_request would drop something. Reads only.
  result<bool> pending_expiry_due(meta_txn& txn, int64_t now_ms);
  // The batch given to reserve_ids committed durably: ids below its ceiling may now be
  // acknowledged early. Not called when the commit failed.
  void batch_committed() { ids_.committed(); }
  const id_allocator& ids() const { return ids_; }

  const meta_shard_config& config() const { return cfg_; }

  // Takes a newer cluster map (an older or equal epoch changes nothing): host states
  // decide placement (placeable hosts only) and which replicas count as live. Returns
  // the index walks the change needs (meta_shard_state_repair.cpp).
  map_change apply_map(const cluster_map& map);
  uint64_t epoch() const { return epoch_; }
  // A host's replicas count as live: up or suspect, or not in any map seen yet.
  bool counts_replicas(host_id h) const;
  // A mark_lost walk of `h` (its disk is new) runs from begin to end: replicas that
  // become live on `h` meanwhile were written to the new disk, and the walk spares them.
  void begin_lost_walk(host_id h) { lost_walk_spared_[h]; }
  void end_lost_walk(host_id h) { lost_walk_spared_.erase(h); }

 private:
  // namespace: meta_shard_state_namespace.cpp
  result<lookup_reply> lookup(meta_txn& txn, const lookup_request& q);
  result<dir_create_reply> dir_create(meta_txn& txn, const dir_create_request& q);
  result<link_reply> link(meta_txn& txn, const link_request& q);
  result<unlink_reply> unlink(meta_txn& txn, const unlink_request& q, int64_t now_ms);
  result<dir_remove_reply> dir_remove(meta_txn& txn, const dir_remove_request& q);
  result<list_reply> list(meta_txn& txn, const list_request& q);
  result<rename_reply> rename(meta_txn& txn, const rename_request& q);
  result<entry_info> describe(meta_txn& txn, const std::string& name, const entry_record& e);
  status require_marker(meta_txn& txn, inode_id dir);
  status check_not_ancestor(meta_txn& txn, inode_id dir, inode_id descendant);
  status relocate(meta_txn& txn, const entry_record& e, inode_id parent, const std::string& name);

  // files: meta_shard_state_files.cpp
  result<file_create_reply> file_create(meta_txn& txn, const file_create_request& q, int64_t now_ms,
                                        rng& r);
  result<file_commit_reply> file_commit(meta_txn& txn, const file_commit_request& q,
                                        int64_t now_ms);
  result<inode_get_reply> inode_get(meta_txn& txn, const inode_get_request& q);
  result<inode_drop_reply> inode_drop(meta_txn& txn, const inode_drop_request& q, int64_t now_ms);
  result<replica_add_reply> replica_add(meta_txn& txn, const replica_add_request& q,
                                        int64_t now_ms);
  result<corrupt_report_reply> corrupt_report(meta_txn& txn, const corrupt_report_request& q,
                                              int64_t now_ms);
  result<inode_record> require_inode(meta_txn& txn, inode_id file, bool committed);
  // A committed local inode that has chunk `index`; not_found otherwise.
  result<inode_record> require_chunk(meta_txn& txn, inode_id file, uint32_t index);
  status drop_inode(meta_txn& txn, const inode_record& inode, int64_t now_ms);
  status requeue(meta_txn& txn, chunk_key chunk, uint32_t live_before, uint32_t live_after,
                 uint8_t final_replicas, repair_reason reason, int64_t now_ms);
  bool is_storage_host(host_id h) const;

  // repair: meta_shard_state_repair.cpp
  result<repair_queue_reply> repair_queue(meta_txn& txn, const repair_queue_request& q);
  result<host_scan_reply> host_scan(meta_txn& txn, const host_scan_request& q, int64_t now_ms);
  // Once chunk `index` has final live replicas, its corrupt and offline replicas leave
  // the inode and the index; corrupt ones (on hosts that answer) are queued for deletion.
  status drop_surplus(meta_txn& txn, inode_record& inode, uint32_t index);
  bool is_placeable(host_id h) const;

  // shared: meta_shard_state.cpp
  result<inode_id> allocate_id();
  bool may_reply_early(const meta_reply& reply) const;
  status update_counters(meta_txn& txn, const std::function<void(meta_counters&)>& fn);
  result<shard_stats_reply> stats(meta_txn& txn);
  result<gc_done_reply> gc_done(meta_txn& txn, const gc_done_request& q);

  // orphans: meta_shard_state_orphans.cpp
  result<pending_expire_reply> expire_pending(meta_txn& txn, int64_t now_ms);
  result<drop_done_reply> drop_done(meta_txn& txn, const drop_done_request& q);
  result<chunk_referenced_reply> chunk_check(meta_txn& txn, const chunk_referenced_request& q,
                                             int64_t now_ms);
  status index_pending(meta_txn& txn);

  meta_shard_config cfg_;
  id_allocator ids_;
  bool gc_queued_ = false;     // set by drop_inode during one handle()
  bool drops_queued_ = false;  // set by unlink during one handle()
  uint64_t epoch_ = 0;         // of the newest map applied
  std::map<host_id, host_state> host_states_;
  std::map<host_id, std::set<chunk_key>> lost_walk_spared_;
  void spare_from_lost_walk(host_id h, chunk_key c) {
    if (auto it = lost_walk_spared_.find(h); it != lost_walk_spared_.end()) it->second.insert(c);
  }
};

}  // namespace cairn
