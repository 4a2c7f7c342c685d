// meta_shard_state: files (create, commit, inode get/drop) and replica bookkeeping
// (replica added, corruption reported) with the under-replicated and gc queues.
#include <algorithm>

#include "actors/meta_shard/meta_shard_state.hpp"
#include "actors/meta_shard/meta_state_try.hpp"
#include "runtime/path.hpp"

namespace cairn {
namespace {

std::string file_text(inode_id id) { return "file " + std::to_string(id); }

uint32_t expected_length(uint64_t size, uint64_t chunk_size, uint32_t index) {
  uint64_t start = uint64_t{index} * chunk_size;
  return static_cast<uint32_t>(std::min(chunk_size, size - start));
}

uint32_t under_replicated_count(const inode_record& inode) {
  uint32_t n = 0;
  for (auto& c : inode.chunks) n += c.live_count() < inode.final_replicas;
  return n;
}

}  // namespace

bool meta_shard_state::is_storage_host(host_id h) const {
  return std::any_of(cfg_.storage_hosts.begin(), cfg_.storage_hosts.end(),
                     [h](const placement_host& p) { return p.id == h; });
}

result<inode_record> meta_shard_state::require_inode(meta_txn& txn, inode_id file, bool committed) {
  if (home_shard(file) != cfg_.shard)
    return error{errc::not_found,
                 file_text(file) + " does not live on shard " + std::to_string(cfg_.shard)};
  auto inode = txn.get_inode(file);
  if (!inode) return inode.err();
  if (!inode->has_value()) return error{errc::not_found, "no " + file_text(file)};
  if (committed && (*inode)->state != inode_state::committed)
    return error{errc::invalid_argument, file_text(file) + " is not committed yet"};
  return std::move(**inode);
}

result<file_create_reply> meta_shard_state::file_create(meta_txn& txn, const file_create_request& q,
                                                        int64_t now_ms, rng& r) {
  META_TRY(validate_name(q.name));
  META_TRY(require_marker(txn, q.parent_id));
  uint8_t min = q.min_replicas ? q.min_replicas : cfg_.min_replicas;
  uint8_t final = q.final_replicas ? q.final_replicas : cfg_.final_replicas;
  if (min == 0 || min > final || final > cfg_.storage_hosts.size())
    return error{errc::invalid_argument, "need 1 <= min (" + std::to_string(min) + ") <= final (" +
                                             std::to_string(final) + ") <= storage hosts (" +
                                             std::to_string(cfg_.storage_hosts.size()) + ")"};
  auto e = txn.get_entry(q.parent_id, q.name);
  if (!e) return e.err();
  if (e->has_value())
    return error{(*e)->kind == entry_kind::directory ? errc::is_a_directory : errc::already_exists,
                 "\"" + q.name + "\" exists"};
  // A 0-byte file has no chunks: it needs no storage host.
  uint64_t chunk_count = q.size == 0 ? 0 : (q.size - 1) / cfg_.chunk_size + 1;
  if (chunk_count > chunks_per_file_max)
    return error{errc::invalid_argument, "file of " + std::to_string(q.size) + " bytes exceeds " +
                                             std::to_string(chunks_per_file_max) + " chunks"};
  file_create_reply out{0, cfg_.chunk_size, min, final, {}};
  inode_record inode;
  for (uint32_t i = 0; i < chunk_count; ++i) {
    auto targets = place_chunk(cfg_.storage_hosts, final, r);
    if (targets.size() < min)
      return error{errc::unavailable, "only " + std::to_string(targets.size()) +
                                          " storage hosts are up; min replicas is " +
                                          std::to_string(min)};
    chunk_record c{i, expected_length(q.size, cfg_.chunk_size, i), 0, {}};
    for (host_id h : targets) c.replicas.push_back({h, replica_state::missing});
    inode.chunks.push_back(std::move(c));
    out.chunks.push_back({i, std::move(targets)});
  }
  auto id = allocate_id();
  if (!id) return id.err();
  out.file_id = *id;
  inode.id = *id;
  inode.state = inode_state::pending;
  inode.size = q.size;
  inode.chunk_size = cfg_.chunk_size;
  inode.min_replicas = min;
  inode.final_replicas = final;
  inode.created_ms = now_ms;
  inode.parent_id = q.parent_id;
  inode.name = q.name;
  META_TRY(txn.put_inode(inode));
  META_TRY(txn.put_pending({inode.created_ms, inode.id}));
  META_TRY(update_counters(txn, [](meta_counters& c) { ++c.pending; }));
  return out;
}

result<file_commit_reply> meta_shard_state::file_commit(meta_txn& txn, const file_commit_request& q,
                                                        int64_t now_ms) {
  auto found = require_inode(txn, q.file_id, false);
  if (!found) return found.err();
  inode_record inode = std::move(found.value());
  if (inode.state == inode_state::committed)  // a retry of a commit that succeeded
    return file_commit_reply{under_replicated_count(inode)};
  if (q.chunks.size() != inode.chunks.size())
    return error{errc::invalid_argument, "commit names " + std::to_string(q.chunks.size()) +
                                             " chunks; the file has " +
                                             std::to_string(inode.chunks.size())};
  std::vector<const chunk_commit*> by_index(inode.chunks.size(), nullptr);
  for (auto& c : q.chunks) {
    if (c.index >= by_index.size() || by_index[c.index] != nullptr)
      return error{errc::invalid_argument,
                   "chunk " + std::to_string(c.index) + " is out of range or named twice"};
    by_index[c.index] = &c;
  }
  for (auto& chunk : inode.chunks) {
    const chunk_commit& c = *by_index[chunk.index];
    if (c.length != chunk.length)
      return error{errc::invalid_argument, "chunk " + std::to_string(c.index) + " has length " +
                                               std::to_string(c.length) + ", expected " +
                                               std::to_string(chunk.length)};
    chunk.crc = c.crc;
    chunk.replicas.clear();
    for (host_id h : c.replicas) {
      if (!is_storage_host(h))
        return error{errc::invalid_argument,
                     "host " + std::to_string(h) + " is not a storage host"};
      // A copy on a host that is down or draining is durable but does not count.
      if (!chunk.find_replica(h))
        chunk.replicas.push_back(
            {h, counts_replicas(h) ? replica_state::live : replica_state::offline});
    }
    if (chunk.replicas.size() < inode.min_replicas)
      return error{errc::invalid_argument, "chunk " + std::to_string(c.index) + " has " +
                                               std::to_string(chunk.replicas.size()) +
                                               " replicas; min is " +
                                               std::to_string(inode.min_replicas)};
  }
  META_TRY(require_marker(txn, inode.parent_id));
  auto e = txn.get_entry(inode.parent_id, inode.name);
  if (!e) return e.err();
  if (e->has_value())
    return error{errc::already_exists, "\"" + inode.name + "\" was created meanwhile"};
  // One transaction: the name, the live replicas, the reverse index and the queue.
  META_TRY(txn.put_entry(inode.parent_id, inode.name, {entry_kind::file, inode.id}));
  inode.state = inode_state::committed;
  for (auto& chunk : inode.chunks) {
    chunk_key key{inode.id, chunk.index};
    for (auto& rep : chunk.replicas) {
      META_TRY(txn.put_node_chunk(rep.host, key));
      spare_from_lost_walk(rep.host, key);
    }
    auto live = static_cast<uint8_t>(chunk.live_count());
    if (live < inode.final_replicas)
      META_TRY(txn.put_under_replicated(
          {live, key}, {repair_reason::under_replicated, live, inode.final_replicas, now_ms}));
  }
  META_TRY(txn.put_inode(inode));
  META_TRY(txn.delete_pending({inode.created_ms, inode.id}));
  uint64_t size = inode.size;
  META_TRY(update_counters(txn, [size](meta_counters& c) {
    --c.pending;
    ++c.files;
    c.bytes += size;
  }));
  return file_commit_reply{under_replicated_count(inode)};
}

result<inode_get_reply> meta_shard_state::inode_get(meta_txn& txn, const inode_get_request& q) {
  auto inode = require_inode(txn, q.file_id, false);
  if (!inode) return inode.err();
  return inode_get_reply{std::move(inode.value())};
}

// Idempotent: an inode already gone (dropped by an earlier copy of this request, by
// expiry, or never created) is a success, so a shard retrying its drop_outbox ends.
result<inode_drop_reply> meta_shard_state::inode_drop(meta_txn& txn, const inode_drop_request& q,
                                                      int64_t now_ms) {
  auto inode = require_inode(txn, q.file_id, false);
  if (!inode && inode.code() == errc::not_found && home_shard(q.file_id) == cfg_.shard)
    return inode_drop_reply{};
  if (!inode) return inode.err();
  if (inode->state == inode_state::committed) {
    auto e = txn.get_entry(inode->parent_id, inode->name);
    if (!e) return e.err();
    if (e->has_value() && (*e)->id == inode->id)
      return error{errc::invalid_argument, file_text(inode->id) + " is still linked as \"" +
                                               inode->name + "\"; unlink it instead"};
  }
  META_TRY(drop_inode(txn, *inode, now_ms));
  return inode_drop_reply{};
}

// Removes the inode, queues every replica it ever placed for deletion and removes its
// reverse-index and under-replicated entries.
status meta_shard_state::drop_inode(meta_txn& txn, const inode_record& inode, int64_t now_ms) {
  int64_t not_before =
      inode.state == inode_state::pending ? now_ms + cfg_.pending_gc_grace_ms : int64_t{0};
  for (auto& chunk : inode.chunks) {
    chunk_key key{inode.id, chunk.index};
    gc_record gc;
    auto existing = txn.get_gc(key);
    if (!existing) return existing.err();
    if (existing->has_value()) gc = **existing;
    gc.not_before_ms = std::max(gc.not_before_ms, not_before);
    for (auto& rep : chunk.replicas) {
      if (std::find(gc.hosts.begin(), gc.hosts.end(), rep.host) == gc.hosts.end())
        gc.hosts.push_back(rep.host);
      META_TRY(txn.delete_node_chunk(rep.host, key));
    }
    if (!gc.hosts.empty()) {
      META_TRY(txn.put_gc(key, gc));
      gc_queued_ = true;
    }
    if (inode.state == inode_state::committed)
      META_TRY(txn.delete_under_replicated({static_cast<uint8_t>(chunk.live_count()), key}));
  }
  META_TRY(txn.delete_inode(inode.id));
  bool committed = inode.state == inode_state::committed;
  if (!committed) META_TRY(txn.delete_pending({inode.created_ms, inode.id}));
  uint64_t size = inode.size;
  return update_counters(txn, [committed, size](meta_counters& c) {
    if (committed) {
      --c.files;
      c.bytes -= size;
    } else {
      --c.pending;
    }
  });
}

// Moves a chunk's queue entry from its old live count to its new one, keeping when it
// first became under-replicated; removes it once the chunk has `final` live replicas.
status meta_shard_state::requeue(meta_txn& txn, chunk_key chunk, uint32_t live_before,
                                 uint32_t live_after, uint8_t final_replicas, repair_reason reason,
                                 int64_t now_ms) {
  under_replicated_key old_key{static_cast<uint8_t>(live_before), chunk};
  auto old = txn.get_under_replicated(old_key);
  if (!old) return old.err();
  META_TRY(txn.delete_under_replicated(old_key));
  if (live_after >= final_replicas) return ok_status();
  under_replicated_record rec{reason, 0, final_replicas, now_ms};
  if (old->has_value()) {
    rec.since_ms = (*old)->since_ms;
    if (reason != repair_reason::corrupt) rec.reason = (*old)->reason;
  }
  rec.live_replicas = static_cast<uint8_t>(live_after);
  return txn.put_under_replicated({rec.live_replicas, chunk}, rec);
}

result<inode_record> meta_shard_state::require_chunk(meta_txn& txn, inode_id file, uint32_t index) {
  auto inode = require_inode(txn, file, true);
  if (!inode) return inode.err();
  if (index >= inode->chunks.size())
    return error{errc::not_found, file_text(file) + " has no chunk " + std::to_string(index)};
  return inode;
}

result<replica_add_reply> meta_shard_state::replica_add(meta_txn& txn, const replica_add_request& q,
                                                        int64_t now_ms) {
  auto found = require_chunk(txn, q.file_id, q.index);
  if (!found) return found.err();
  inode_record inode = std::move(found.value());
  if (!is_storage_host(q.host))
    return error{errc::invalid_argument,
                 "host " + std::to_string(q.host) + " is not a storage host"};
  auto& chunk = inode.chunks[q.index];
  if (q.crc != chunk.crc)
    return error{errc::corrupt, "replica on host " + std::to_string(q.host) +
                                    " has a different checksum than chunk " +
                                    std::to_string(q.index)};
  uint32_t before = chunk.live_count();
  auto* rep = chunk.find_replica(q.host);
  if (rep && rep->state == replica_state::live)
    return replica_add_reply{static_cast<uint8_t>(before)};
  // A repair planned on an older map may target a host that has gone down since.
  if (q.epoch != 0 && q.epoch < epoch_)
    return error{errc::stale_epoch, "replicaAdd planned at map epoch " + std::to_string(q.epoch) +
                                        "; shard " + std::to_string(cfg_.shard) + " is at " +
                                        std::to_string(epoch_)};
  if (!counts_replicas(q.host))
    return error{errc::unavailable, "host " + std::to_string(q.host) + " is down or draining"};
  chunk_key key{inode.id, q.index};
  // The deletion of an earlier bad copy on that host may still be queued: it would
  // remove the new one after this add made it live.
  auto gc = txn.get_gc(key);
  if (!gc) return gc.err();
  if (gc->has_value() &&
      std::find((*gc)->hosts.begin(), (*gc)->hosts.end(), q.host) != (*gc)->hosts.end())
    return error{errc::unavailable, "host " + std::to_string(q.host) +
                                        " still has a deletion of chunk " +
                                        std::to_string(q.index) + " queued"};
  if (rep)
    rep->state = replica_state::live;
  else
    chunk.replicas.push_back({q.host, replica_state::live});
  META_TRY(txn.put_node_chunk(q.host, key));
  spare_from_lost_walk(q.host, key);
  META_TRY(requeue(txn, key, before, chunk.live_count(), inode.final_replicas,
                   repair_reason::under_replicated, now_ms));
  META_TRY(drop_surplus(txn, inode, q.index));
  META_TRY(txn.put_inode(inode));
  return replica_add_reply{static_cast<uint8_t>(inode.chunks[q.index].live_count())};
}

result<corrupt_report_reply> meta_shard_state::corrupt_report(meta_txn& txn,
                                                              const corrupt_report_request& q,
                                                              int64_t now_ms) {
  auto found = require_chunk(txn, q.file_id, q.index);
  if (!found) return found.err();
  inode_record inode = std::move(found.value());
  auto& chunk = inode.chunks[q.index];
  auto* rep = chunk.find_replica(q.host);
  if (!rep)
    return error{errc::not_found, "host " + std::to_string(q.host) + " holds no replica of chunk " +
                                      std::to_string(q.index)};
  if (rep->state == replica_state::corrupt) return corrupt_report_reply{};
  uint32_t before = chunk.live_count();
  rep->state = replica_state::corrupt;
  // The node still holds the bad bytes: its node_chunks entry stays until repair
  // replaces the replica.
  META_TRY(requeue(txn, {inode.id, q.index}, before, chunk.live_count(), inode.final_replicas,
                   repair_reason::corrupt, now_ms));
  META_TRY(txn.put_inode(inode));
  return corrupt_report_reply{};
}

}  // namespace cairn
