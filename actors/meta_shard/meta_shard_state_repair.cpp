// meta_shard_state: repair. Membership changes (apply_map), the walk of a host's
// node -> chunk index that follows one (host_scan), the repairers' view of the
// under-replicated queue (repair_queue), and dropping surplus replicas once a chunk has
// its final count again (drop_surplus).
#include <algorithm>

#include "actors/meta_shard/meta_shard_state.hpp"
#include "actors/meta_shard/meta_state_try.hpp"

namespace cairn {

bool meta_shard_state::counts_replicas(host_id h) const {
  auto it = host_states_.find(h);
  if (it == host_states_.end()) return true;
  return host_counts_replicas(it->second);
}

bool meta_shard_state::is_placeable(host_id h) const {
  auto it = host_states_.find(h);
  return it == host_states_.end() || host_placeable(it->second);
}

map_change meta_shard_state::apply_map(const cluster_map& map) {
  map_change out;
  if (map.epoch <= epoch_) return out;
  epoch_ = map.epoch;
  for (auto& h : map.hosts) {
    if (!h.storage) continue;
    bool counted_before = counts_replicas(h.id);
    auto before = host_states_.find(h.id);
    bool out_before = before != host_states_.end() && before->second == host_state::out;
    host_states_[h.id] = h.state;
    bool counted_now = h.counts_replicas();
    if (h.state == host_state::out && !out_before)
      out.start.push_back({h.id, host_scan_mode::forget});
    else if (counted_before && !counted_now)
      out.start.push_back({h.id, host_scan_mode::mark_offline});
    else if (!counted_before && counted_now)
      out.cancel.push_back(h.id);
    auto known = std::find_if(cfg_.storage_hosts.begin(), cfg_.storage_hosts.end(),
                              [&](const placement_host& p) { return p.id == h.id; });
    if (known == cfg_.storage_hosts.end())
      cfg_.storage_hosts.push_back({h.id, h.labels, h.placeable()});
    else
      known->up = h.placeable();
  }
  return out;
}

// One page of `q.host`'s index. Reads only that host's keys and the inodes they name
// (each once per page): never the rest of the metadata.
result<host_scan_reply> meta_shard_state::host_scan(meta_txn& txn, const host_scan_request& q,
                                                    int64_t now_ms) {
  auto keys = txn.scan_node_chunks(q.host, q.after.value_or(chunk_key{0, 0}), host_scan_page);
  if (!keys) return keys.err();
  host_scan_reply out;
  out.records_read = static_cast<uint32_t>(keys->size());
  out.done = keys->size() < host_scan_page;
  if (!keys->empty()) out.last = keys->back();
  // A walk for a state the host has left (it came back) changes nothing.
  if (q.mode == host_scan_mode::mark_offline && counts_replicas(q.host)) {
    out.done = true;
    return out;
  }
  std::optional<inode_record> inode;
  bool dirty = false;
  auto save = [&]() -> status {
    if (inode && dirty) META_TRY(txn.put_inode(*inode));
    dirty = false;
    return ok_status();
  };
  for (auto key : *keys) {
    if (!inode || inode->id != key.file) {
      META_TRY(save());
      auto found = txn.get_inode(key.file);
      ++out.records_read;
      if (!found && found.code() == errc::corrupt) {
        // One unreadable inode must not stall the walk forever: skip it (the index
        // entry stays for a later walk or repair of the record), count it.
        ++out.skipped;
        inode.reset();
        continue;
      }
      if (!found) return found.err();
      inode = std::move(*found);
    }
    if (!inode || inode->state != inode_state::committed || key.index >= inode->chunks.size()) {
      // An index entry without its replica: nothing to mark; an out host's goes.
      if (q.mode == host_scan_mode::forget) META_TRY(txn.delete_node_chunk(q.host, key));
      continue;
    }
    if (q.mode == host_scan_mode::mark_lost) {
      auto spared = lost_walk_spared_.find(q.host);
      if (spared != lost_walk_spared_.end() && spared->second.count(key)) continue;
    }
    auto& chunk = inode->chunks[key.index];
    auto* rep = chunk.find_replica(q.host);
    uint32_t before = chunk.live_count();
    if (q.mode != host_scan_mode::forget) {
      if (!rep || rep->state != replica_state::live) continue;
      rep->state = replica_state::offline;
    } else {
      // The last copies of a chunk are never forgotten: with no live replica left, this
      // host's (offline) record is what lets its copy be taken back should it return
      // (an outage longer than out_interval). Surplus copies go at final (drop_surplus).
      if (rep && chunk.live_count() == 0) {
        ++out.kept;
        continue;
      }
      if (rep) std::erase(chunk.replicas, *rep);
      META_TRY(txn.delete_node_chunk(q.host, key));
      if (!rep) continue;
    }
    ++out.changed;
    dirty = true;
    if (chunk.live_count() != before)
      META_TRY(requeue(txn, key, before, chunk.live_count(), inode->final_replicas,
                       repair_reason::host_lost, now_ms));
  }
  META_TRY(save());
  return out;
}

result<repair_queue_reply> meta_shard_state::repair_queue(meta_txn& txn,
                                                          const repair_queue_request& q) {
  uint32_t limit =
      q.limit == 0 || q.limit > repair_queue_limit_max ? repair_queue_limit_max : q.limit;
  auto head = txn.scan_under_replicated(q.after, limit + 1);
  if (!head) return head.err();
  auto total = txn.count_under_replicated();
  if (!total) return total.err();
  repair_queue_reply out;
  out.epoch = epoch_;
  out.total = *total;
  out.more = head->size() > limit;
  if (out.more) head->pop_back();
  for (auto& [key, rec] : *head) {
    auto inode = txn.get_inode(key.chunk.file);
    if (!inode) return inode.err();
    if (!inode->has_value() || key.chunk.index >= (*inode)->chunks.size()) continue;
    auto& chunk = (*inode)->chunks[key.chunk.index];
    out.entries.push_back(repair_entry{key.chunk, chunk.length, chunk.crc, key.live_replicas,
                                       rec.final_replicas, rec.reason, rec.since_ms,
                                       chunk.replicas});
  }
  return out;
}

status meta_shard_state::drop_surplus(meta_txn& txn, inode_record& inode, uint32_t index) {
  auto& chunk = inode.chunks[index];
  if (chunk.live_count() < inode.final_replicas) return ok_status();
  chunk_key key{inode.id, index};
  gc_record gc;
  for (auto& rep : chunk.replicas) {
    if (rep.state == replica_state::live) continue;
    META_TRY(txn.delete_node_chunk(rep.host, key));
    // An offline host's copy is left to its orphan scan, should it ever return: a
    // deletion sent now would only wait for it.
    if (rep.state == replica_state::corrupt) gc.hosts.push_back(rep.host);
  }
  std::erase_if(chunk.replicas,
                [](const replica_record& r) { return r.state != replica_state::live; });
  if (gc.hosts.empty()) return ok_status();
  auto existing = txn.get_gc(key);
  if (!existing) return existing.err();
  if (existing->has_value())
    for (host_id h : (*existing)->hosts)
      if (std::find(gc.hosts.begin(), gc.hosts.end(), h) == gc.hosts.end()) gc.hosts.push_back(h);
  META_TRY(txn.put_gc(key, gc));
  gc_queued_ = true;
  return ok_status();
}

}  // namespace cairn
