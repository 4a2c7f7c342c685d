#include "actors/meta_shard/meta_shard_state.hpp"

#include <algorithm>
#include <type_traits>

#include "actors/meta_shard/meta_state_try.hpp"

namespace cairn {
namespace {

template <class R>
result<meta_reply> widen(result<R> r) {
  if (!r) return r.err();
  return meta_reply{std::move(r.value())};
}

}  // namespace

meta_shard_state::meta_shard_state(meta_shard_config cfg)
    : cfg_(std::move(cfg)), ids_(cfg_.id_block) {}

status meta_shard_state::bootstrap(meta_txn& txn) {
  auto existing = txn.get_counters();
  if (!existing) return existing.err();
  if (existing->has_value()) {
    ids_.load((*existing)->counter_ceiling);
    auto indexed = txn.count_pending();
    if (!indexed) return indexed.err();
    // A store written before the pending index: index its pending inodes once.
    if (*indexed < (*existing)->pending) return index_pending(txn);
    return ok_status();
  }
  meta_counters c;
  ids_.load(c.counter_ceiling);
  if (cfg_.shard == home_shard(root_dir_id)) {
    // The root is its own parent, so walks up the tree stop there.
    META_TRY(txn.put_dir(root_dir_id, dir_record{root_dir_id, ""}));
    c.directories = 1;
  }
  return txn.put_counters(c);
}

meta_outcome meta_shard_state::handle(meta_txn& txn, const meta_request& req, int64_t now_ms,
                                      rng& r) {
  gc_queued_ = false;
  drops_queued_ = false;
  auto reply = std::visit(
      [&, this](const auto& q) -> result<meta_reply> {
        using T = std::decay_t<decltype(q)>;
        if constexpr (std::is_same_v<T, lookup_request>)
          return widen(lookup(txn, q));
        else if constexpr (std::is_same_v<T, dir_create_request>)
          return widen(dir_create(txn, q));
        else if constexpr (std::is_same_v<T, link_request>)
          return widen(link(txn, q));
        else if constexpr (std::is_same_v<T, unlink_request>)
          return widen(unlink(txn, q, now_ms));
        else if constexpr (std::is_same_v<T, dir_remove_request>)
          return widen(dir_remove(txn, q));
        else if constexpr (std::is_same_v<T, list_request>)
          return widen(list(txn, q));
        else if constexpr (std::is_same_v<T, file_create_request>)
          return widen(file_create(txn, q, now_ms, r));
        else if constexpr (std::is_same_v<T, file_commit_request>)
          return widen(file_commit(txn, q, now_ms));
        else if constexpr (std::is_same_v<T, inode_get_request>)
          return widen(inode_get(txn, q));
        else if constexpr (std::is_same_v<T, inode_drop_request>)
          return widen(inode_drop(txn, q, now_ms));
        else if constexpr (std::is_same_v<T, rename_request>)
          return widen(rename(txn, q));
        else if constexpr (std::is_same_v<T, replica_add_request>)
          return widen(replica_add(txn, q, now_ms));
        else if constexpr (std::is_same_v<T, corrupt_report_request>)
          return widen(corrupt_report(txn, q, now_ms));
        else if constexpr (std::is_same_v<T, chunk_referenced_request>)
          return widen(chunk_check(txn, q, now_ms));
        else if constexpr (std::is_same_v<T, repair_queue_request>)
          return widen(repair_queue(txn, q));
        else if constexpr (std::is_same_v<T, host_scan_request>)
          return widen(host_scan(txn, q, now_ms));
        else if constexpr (std::is_same_v<T, shard_stats_request>)
          return widen(stats(txn));
        else if constexpr (std::is_same_v<T, gc_done_request>)
          return widen(gc_done(txn, q));
        else if constexpr (std::is_same_v<T, pending_expire_request>)
          return widen(expire_pending(txn, now_ms));
        else
          return widen(drop_done(txn, q));
      },
      req);
  bool ok = reply.ok();
  bool early = ok && may_reply_early(reply.value());
  meta_outcome out{std::move(reply)};
  out.gc_queued = gc_queued_ && ok;
  out.drops_queued = drops_queued_ && ok;
  out.reply_early = early;
  return out;
}

// Only a fileCreate: it exposes nothing but a pending inode. Its id must be below the
// durable ceiling, or a crash could hand the acknowledged id out again.
bool meta_shard_state::may_reply_early(const meta_reply& reply) const {
  auto* created = std::get_if<file_create_reply>(&reply);
  return created != nullptr && ids_.is_durable(created->file_id & counter_max);
}

status meta_shard_state::reserve_ids(meta_txn& txn) {
  auto ceiling = ids_.stage();
  if (!ceiling) return ok_status();
  return update_counters(txn, [c = *ceiling](meta_counters& m) {
    m.counter_ceiling = std::max(m.counter_ceiling, c);
  });
}

// From memory: the counter is persisted only as part of a ceiling (reserve_ids).
result<inode_id> meta_shard_state::allocate_id() {
  auto counter = ids_.allocate();
  if (!counter) return error{errc::no_space, "the shard's id space is exhausted"};
  return make_inode_id(cfg_.shard, *counter);
}

status meta_shard_state::update_counters(meta_txn& txn,
                                         const std::function<void(meta_counters&)>& fn) {
  auto c = txn.get_counters();
  if (!c) return c.err();
  if (!c->has_value()) return error{errc::internal, "meta store was never bootstrapped"};
  meta_counters v = **c;
  fn(v);
  return txn.put_counters(v);
}

result<shard_stats_reply> meta_shard_state::stats(meta_txn& txn) {
  auto c = txn.get_counters();
  if (!c) return c.err();
  auto ur = txn.count_under_replicated();
  if (!ur) return ur.err();
  auto gc = txn.count_gc();
  if (!gc) return gc.err();
  meta_counters v = c->value_or(meta_counters{});
  shard_stats s{cfg_.shard, cfg_.host, v.files, v.directories, v.bytes, *ur, v.pending, *gc, true};
  return shard_stats_reply{s};
}

result<gc_done_reply> meta_shard_state::gc_done(meta_txn& txn, const gc_done_request& q) {
  auto rec = txn.get_gc(q.chunk);
  if (!rec) return rec.err();
  if (!rec->has_value()) return gc_done_reply{};
  auto hosts = (*rec)->hosts;
  std::erase(hosts, q.host);
  if (hosts.empty())
    META_TRY(txn.delete_gc(q.chunk));
  else
    META_TRY(txn.put_gc(q.chunk, gc_record{hosts, (*rec)->not_before_ms}));
  return gc_done_reply{};
}

}  // namespace cairn
