// meta_shard_state: orphans. Pending inodes past their ttl (through the pending index),
// the drop outbox's acknowledgements, and chunkCheck for a storage node's orphan scan.
#include <algorithm>

#include "actors/meta_shard/meta_shard_state.hpp"
#include "actors/meta_shard/meta_state_try.hpp"

namespace cairn {

result<bool> meta_shard_state::pending_expiry_due(meta_txn& txn, int64_t now_ms) {
  auto due = txn.scan_pending(now_ms - cfg_.pending_ttl_ms, 1);
  if (!due) return due.err();
  return !due->empty();
}

// Drops, as inodeDrop does, the oldest pending inodes past the ttl, at most
// pending_expire_max. An index entry without its pending inode is removed alone.
result<pending_expire_reply> meta_shard_state::expire_pending(meta_txn& txn, int64_t now_ms) {
  auto due = txn.scan_pending(now_ms - cfg_.pending_ttl_ms, cfg_.pending_expire_max);
  if (!due) return due.err();
  pending_expire_reply out;
  for (auto& key : *due) {
    auto inode = txn.get_inode(key.file);
    if (!inode) return inode.err();
    if (inode->has_value() && (*inode)->state == inode_state::pending &&
        (*inode)->created_ms == key.created_ms) {
      META_TRY(drop_inode(txn, **inode, now_ms));
      ++out.expired;
    } else {
      META_TRY(txn.delete_pending(key));
    }
  }
  return out;
}

// Whether `q.host` should keep its copy: the inode is here and names that host for the
// chunk (pending: among its placement targets, all `missing`; committed: among its
// replicas). A chunk of an unknown inode, or past its last chunk, is unreferenced.
// An offline replica on a host whose replicas count again (it returned) is reconciled:
// taken back as live when the chunk still lacks replicas and the copy's checksum is
// right, else forgotten (unreferenced: the node deletes it).
result<chunk_referenced_reply> meta_shard_state::chunk_check(meta_txn& txn,
                                                             const chunk_referenced_request& q,
                                                             int64_t now_ms) {
  if (home_shard(q.file_id) != cfg_.shard)
    return error{errc::invalid_argument, "file " + std::to_string(q.file_id) +
                                             " does not live on shard " +
                                             std::to_string(cfg_.shard)};
  // An id this shard has never handed out means its metadata is older than the chunk
  // (a restored or wrong volume): answering "no" would make every node delete data.
  if ((q.file_id & counter_max) >= ids_.durable_ceiling())
    return error{errc::unavailable, "file " + std::to_string(q.file_id) + " is beyond shard " +
                                        std::to_string(cfg_.shard) +
                                        "'s id ceiling: its metadata looks older than the chunk"};
  auto inode = txn.get_inode(q.file_id);
  if (!inode) return inode.err();
  if (!inode->has_value() || q.index >= (*inode)->chunks.size())
    return chunk_referenced_reply{false};
  inode_record& rec = **inode;
  auto& chunk = rec.chunks[q.index];
  auto* rep = chunk.find_replica(q.host);
  if (!rep) return chunk_referenced_reply{false};
  if (rep->state != replica_state::offline || !counts_replicas(q.host))
    return chunk_referenced_reply{true};
  uint32_t before = chunk.live_count();
  chunk_key key{rec.id, q.index};
  bool wanted = before < rec.final_replicas && q.crc == chunk.crc;
  if (wanted) {
    rep->state = replica_state::live;
    spare_from_lost_walk(q.host, key);
    META_TRY(requeue(txn, key, before, before + 1, rec.final_replicas,
                     repair_reason::under_replicated, now_ms));
    META_TRY(drop_surplus(txn, rec, q.index));
  } else {
    std::erase(chunk.replicas, *rep);
    META_TRY(txn.delete_node_chunk(q.host, key));
  }
  META_TRY(txn.put_inode(rec));
  return chunk_referenced_reply{wanted};
}

result<drop_done_reply> meta_shard_state::drop_done(meta_txn& txn, const drop_done_request& q) {
  META_TRY(txn.delete_drop_outbox(q.file));
  return drop_done_reply{};
}

// Every inode is read once: only for a store whose pending inodes were never indexed.
status meta_shard_state::index_pending(meta_txn& txn) {
  constexpr size_t page = 1024;
  std::optional<inode_id> after;
  for (;;) {
    auto inodes = txn.scan_inodes(after, page);
    if (!inodes) return inodes.err();
    for (auto& inode : *inodes)
      if (inode.state == inode_state::pending)
        META_TRY(txn.put_pending({inode.created_ms, inode.id}));
    if (inodes->size() < page) return ok_status();
    after = inodes->back().id;
  }
}

}  // namespace cairn
