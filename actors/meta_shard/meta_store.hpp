#pragma once
// meta_store: the meta shard's typed repository, one transaction at a time. The state
// (meta_shard_state) sees only this interface: never LMDB, never Cap'n Proto.
//
// Contract for every implementation:
// - A transaction sees its own writes and, for a nested one, its parent's.
// - Nothing a transaction wrote is visible to other transactions before the outermost
//   one commits; an aborted (or destroyed, uncommitted) transaction leaves no trace.
// - Getters return std::nullopt for a missing key; deleting a missing key is not an
//   error. errc::corrupt for a stored value that cannot be decoded, errc::io_error or
//   errc::no_space for storage failures. A read-only transaction fails writes with
//   errc::internal.
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/meta_shard/meta_types.hpp"
#include "runtime/result.hpp"

namespace cairn {

class meta_txn {
 public:
  virtual ~meta_txn() = default;

  // Directory entries, keyed by (parent, name).
  virtual result<std::optional<entry_record>> get_entry(inode_id parent, std::string_view name) = 0;
  virtual status put_entry(inode_id parent, std::string_view name, const entry_record& e) = 0;
  virtual status delete_entry(inode_id parent, std::string_view name) = 0;
  // Entries of `parent` whose name sorts (bytewise) after `start_after`, in name order,
  // at most `limit`.
  virtual result<std::vector<named_entry>> list_entries(inode_id parent,
                                                        std::string_view start_after,
                                                        size_t limit) = 0;

  // Directory markers.
  virtual result<std::optional<dir_record>> get_dir(inode_id dir) = 0;
  virtual status put_dir(inode_id dir, const dir_record& d) = 0;
  virtual status delete_dir(inode_id dir) = 0;

  // File inodes.
  virtual result<std::optional<inode_record>> get_inode(inode_id file) = 0;
  virtual status put_inode(const inode_record& inode) = 0;
  virtual status delete_inode(inode_id file) = 0;

  // The node -> chunk reverse index.
  virtual status put_node_chunk(host_id host, chunk_key chunk) = 0;
  virtual status delete_node_chunk(host_id host, chunk_key chunk) = 0;
  // Chunks recorded on `host` after `after` (exclusive), in key order, at most `limit`.
  virtual result<std::vector<chunk_key>> scan_node_chunks(host_id host, chunk_key after,
                                                          size_t limit) = 0;

  // The under-replicated queue, fewest live replicas first. A scan returns the entries
  // after `after` (exclusive; nullopt: from the head), at most `limit`.
  virtual result<std::optional<under_replicated_record>> get_under_replicated(
      const under_replicated_key& key) = 0;
  virtual status put_under_replicated(const under_replicated_key& key,
                                      const under_replicated_record& r) = 0;
  virtual status delete_under_replicated(const under_replicated_key& key) = 0;
  virtual result<std::vector<std::pair<under_replicated_key, under_replicated_record>>>
  scan_under_replicated(std::optional<under_replicated_key> after, size_t limit) = 0;
  virtual result<uint64_t> count_under_replicated() = 0;

  // The GC queue: replicas of deleted chunks still to delete on storage nodes.
  virtual result<std::optional<gc_record>> get_gc(chunk_key chunk) = 0;
  virtual status put_gc(chunk_key chunk, const gc_record& r) = 0;
  virtual status delete_gc(chunk_key chunk) = 0;
  // Entries after `after` (exclusive; nullopt: from the start), at most `limit`.
  virtual result<std::vector<std::pair<chunk_key, gc_record>>> scan_gc(
      std::optional<chunk_key> after, size_t limit) = 0;
  virtual result<uint64_t> count_gc() = 0;

  // The pending index: one key per pending inode, written and removed in the same
  // transaction as the inode's state changes (create, commit, drop).
  virtual status put_pending(const pending_key& key) = 0;
  virtual status delete_pending(const pending_key& key) = 0;
  // Keys with created_ms < `created_before_ms`, oldest first, at most `limit`.
  virtual result<std::vector<pending_key>> scan_pending(int64_t created_before_ms,
                                                        size_t limit) = 0;
  virtual result<uint64_t> count_pending() = 0;

  // The drop outbox: inodes on other shards that this shard still has to drop there
  // (their file entries were unlinked here). The inode's shard is home_shard(file).
  virtual status put_drop_outbox(inode_id file) = 0;
  virtual status delete_drop_outbox(inode_id file) = 0;
  // Records after `after` (exclusive; nullopt: from the start), at most `limit`.
  virtual result<std::vector<inode_id>> scan_drop_outbox(std::optional<inode_id> after,
                                                         size_t limit) = 0;
  virtual result<uint64_t> count_drop_outbox() = 0;

  // Every inode after `after` (exclusive; nullopt: from the start), at most `limit`.
  // A full scan: only for the one-time upgrade of a store written before the pending
  // index (meta_shard_state::bootstrap).
  virtual result<std::vector<inode_record>> scan_inodes(std::optional<inode_id> after,
                                                        size_t limit) = 0;

  // Counters; nullopt on a store never bootstrapped.
  virtual result<std::optional<meta_counters>> get_counters() = 0;
  virtual status put_counters(const meta_counters& c) = 0;

  // A transaction nested in this one: its writes reach this one only if it commits.
  // While it is open, this transaction must not be used. REQUIRES: a write txn.
  virtual result<std::unique_ptr<meta_txn>> begin_nested() = 0;
  virtual status commit() = 0;
  virtual void abort() = 0;
};

class meta_store {
 public:
  virtual ~meta_store() = default;
  // At most one write transaction (with its nested ones) at a time.
  virtual result<std::unique_ptr<meta_txn>> begin_write() = 0;
  // Sees the state as of the last commit; any number may be open.
  virtual result<std::unique_ptr<meta_txn>> begin_read() = 0;
};

}  // namespace cairn
