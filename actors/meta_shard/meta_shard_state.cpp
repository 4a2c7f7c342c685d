#include "actors/meta_shard/meta_shard_state.hpp"

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

meta_shard_state::meta_shard_state(meta_shard_config cfg) : cfg_(std::move(cfg)) {}

status meta_shard_state::bootstrap(meta_txn& txn) {
  auto existing = txn.get_counters();
  if (!existing) return existing.err();
  if (existing->has_value()) return ok_status();
  meta_counters c;
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
  auto reply = std::visit(
      [&, this](const auto& q) -> result<meta_reply> {
        using T = std::decay_t<decltype(q)>;
        if constexpr (std::is_same_v<T, lookup_request>) return widen(lookup(txn, q));
        else if constexpr (std::is_same_v<T, dir_create_request>) return widen(dir_create(txn, q));
        else if constexpr (std::is_same_v<T, link_request>) return widen(link(txn, q));
        else if constexpr (std::is_same_v<T, unlink_request>) return widen(unlink(txn, q));
        else if constexpr (std::is_same_v<T, dir_remove_request>) return widen(dir_remove(txn, q));
        else if constexpr (std::is_same_v<T, list_request>) return widen(list(txn, q));
        else if constexpr (std::is_same_v<T, file_create_request>)
          return widen(file_create(txn, q, now_ms, r));
        else if constexpr (std::is_same_v<T, file_commit_request>)
          return widen(file_commit(txn, q, now_ms));
        else if constexpr (std::is_same_v<T, inode_get_request>) return widen(inode_get(txn, q));
        else if constexpr (std::is_same_v<T, inode_drop_request>) return widen(inode_drop(txn, q));
        else if constexpr (std::is_same_v<T, rename_request>) return widen(rename(txn, q));
        else if constexpr (std::is_same_v<T, replica_add_request>)
          return widen(replica_add(txn, q, now_ms));
        else if constexpr (std::is_same_v<T, corrupt_report_request>)
          return widen(corrupt_report(txn, q, now_ms));
        else if constexpr (std::is_same_v<T, shard_stats_request>) return widen(stats(txn));
        else return widen(gc_done(txn, q));
      },
      req);
  bool gc_queued = gc_queued_ && reply.ok();
  return meta_outcome{std::move(reply), gc_queued};
}

result<inode_id> meta_shard_state::allocate_id(meta_txn& txn) {
  inode_id id = 0;
  status st = update_counters(txn, [&id, this](meta_counters& c) {
    id = c.next_counter <= counter_max ? make_inode_id(cfg_.shard, c.next_counter++) : 0;
  });
  if (!st) return st.err();
  if (id == 0) return error{errc::no_space, "the shard's id space is exhausted"};
  return id;
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
  shard_stats s{cfg_.shard, cfg_.host, v.files, v.directories, v.bytes, *ur, v.pending, *gc};
  return shard_stats_reply{s};
}

result<gc_done_reply> meta_shard_state::gc_done(meta_txn& txn, const gc_done_request& q) {
  auto rec = txn.get_gc(q.chunk);
  if (!rec) return rec.err();
  if (!rec->has_value()) return gc_done_reply{};
  auto hosts = (*rec)->hosts;
  std::erase(hosts, q.host);
  if (hosts.empty()) META_TRY(txn.delete_gc(q.chunk));
  else META_TRY(txn.put_gc(q.chunk, gc_record{hosts}));
  return gc_done_reply{};
}

}  // namespace cairn
