// meta_shard_state: directories and names (lookup, mkdir, link, unlink, rmdir, list,
// rename).
#include <algorithm>

#include "actors/meta_shard/meta_shard_state.hpp"
#include "actors/meta_shard/meta_state_try.hpp"
#include "runtime/path.hpp"

namespace cairn {
namespace {

std::string quoted(const std::string& name) { return "\"" + name + "\""; }
std::string dir_text(inode_id dir) { return "directory " + std::to_string(dir); }

}  // namespace

status meta_shard_state::require_marker(meta_txn& txn, inode_id dir) {
  if (home_shard(dir) != cfg_.shard)
    return error{errc::not_found,
                 dir_text(dir) + " does not live on shard " + std::to_string(cfg_.shard)};
  auto m = txn.get_dir(dir);
  if (!m) return m.err();
  if (!m->has_value()) return error{errc::not_found, "no " + dir_text(dir)};
  return ok_status();
}

result<entry_info> meta_shard_state::describe(meta_txn& txn, const std::string& name,
                                              const entry_record& e) {
  entry_info info{name, e.kind, e.id, 0, 0};
  if (e.kind != entry_kind::file || home_shard(e.id) != cfg_.shard) return info;
  auto inode = txn.get_inode(e.id);
  if (!inode) return inode.err();
  if (inode->has_value() && (*inode)->state == inode_state::committed) {
    info.size = (*inode)->size;
    info.mtime_ms = (*inode)->created_ms;
  }
  return info;
}

result<lookup_reply> meta_shard_state::lookup(meta_txn& txn, const lookup_request& q) {
  if (q.names.size() > path_depth_max)
    return error{errc::invalid_argument, "path deeper than " + std::to_string(path_depth_max)};
  for (auto& n : q.names) META_TRY(validate_name(n));
  META_TRY(require_marker(txn, q.parent_id));
  lookup_reply out;
  inode_id dir = q.parent_id;
  for (size_t i = 0; i < q.names.size(); ++i) {
    const auto& name = q.names[i];
    auto e = txn.get_entry(dir, name);
    if (!e) return e.err();
    if (!e->has_value())
      return error{errc::not_found, "no " + quoted(name) + " in " + dir_text(dir)};
    auto info = describe(txn, name, **e);
    if (!info) return info.err();
    out.entries.push_back(std::move(info.value()));
    bool last = i + 1 == q.names.size();
    if ((*e)->kind == entry_kind::file) {
      if (!last) return error{errc::not_a_directory, quoted(name) + " is a file"};
      if (home_shard((*e)->id) == cfg_.shard) {
        auto inode = txn.get_inode((*e)->id);
        if (!inode) return inode.err();
        if (inode->has_value() && (*inode)->state == inode_state::committed)
          out.inode = std::move(**inode);
      }
      break;
    }
    if (home_shard((*e)->id) != cfg_.shard) break;  // the client continues there
    if (!last) {
      auto marker = txn.get_dir((*e)->id);
      if (!marker) return marker.err();
      if (!marker->has_value())
        return error{errc::not_found, "directory " + quoted(name) + " no longer exists"};
    }
    dir = (*e)->id;
  }
  return out;
}

result<dir_create_reply> meta_shard_state::dir_create(meta_txn& txn, const dir_create_request& q) {
  META_TRY(validate_name(q.name));
  auto id = allocate_id();
  if (!id) return id.err();
  META_TRY(txn.put_dir(*id, dir_record{q.parent_id, q.name}));
  META_TRY(update_counters(txn, [](meta_counters& c) { ++c.directories; }));
  return dir_create_reply{*id};
}

// Records a local inode's or marker's new place after a link or rename, so that later
// checks (rename cycles, inode drops) see where it is linked now.
status meta_shard_state::relocate(meta_txn& txn, const entry_record& e, inode_id parent,
                                  const std::string& name) {
  if (home_shard(e.id) != cfg_.shard) return ok_status();
  if (e.kind == entry_kind::directory) {
    auto m = txn.get_dir(e.id);
    if (!m) return m.err();
    if (!m->has_value() || e.id == root_dir_id) return ok_status();
    return txn.put_dir(e.id, dir_record{parent, name});
  }
  auto inode = txn.get_inode(e.id);
  if (!inode) return inode.err();
  if (!inode->has_value() || (*inode)->state != inode_state::committed) return ok_status();
  (*inode)->parent_id = parent;
  (*inode)->name = name;
  return txn.put_inode(**inode);
}

result<link_reply> meta_shard_state::link(meta_txn& txn, const link_request& q) {
  META_TRY(validate_name(q.name));
  if (q.id == 0 || q.kind > entry_kind::directory)
    return error{errc::invalid_argument, "link needs a valid kind and a nonzero id"};
  META_TRY(require_marker(txn, q.parent_id));
  if (q.kind == entry_kind::directory) META_TRY(check_not_ancestor(txn, q.id, q.parent_id));
  entry_record wanted{q.kind, q.id};
  auto e = txn.get_entry(q.parent_id, q.name);
  if (!e) return e.err();
  if (e->has_value()) {
    if (**e == wanted) return link_reply{false};  // a retry of the same link, or another mover's
    return error{errc::already_exists, quoted(q.name) + " exists in " + dir_text(q.parent_id)};
  }
  META_TRY(txn.put_entry(q.parent_id, q.name, wanted));
  META_TRY(relocate(txn, wanted, q.parent_id, q.name));
  return link_reply{};
}

result<unlink_reply> meta_shard_state::unlink(meta_txn& txn, const unlink_request& q,
                                              int64_t now_ms) {
  META_TRY(validate_name(q.name));
  auto e = txn.get_entry(q.parent_id, q.name);
  if (!e) return e.err();
  if (!e->has_value() || (q.expect_id != 0 && (*e)->id != q.expect_id))
    return error{errc::not_found,
                 "no " + quoted(q.name) +
                     (q.expect_id ? " with id " + std::to_string(q.expect_id) : "") + " in " +
                     dir_text(q.parent_id)};
  unlink_reply out{(*e)->kind, (*e)->id, false, false};
  bool local = home_shard(out.id) == cfg_.shard;
  if (!q.keep_inode && !local && out.kind == entry_kind::file && cfg_.remote_drops) {
    // The inode's shard cannot see this entry go: this shard drops the inode there,
    // retrying until acknowledged (the shell sends the outbox).
    META_TRY(txn.put_drop_outbox(out.id));
    out.inode_drop_queued = true;
    drops_queued_ = true;
  } else if (!q.keep_inode && local && out.kind == entry_kind::file) {
    auto inode = txn.get_inode(out.id);
    if (!inode) return inode.err();
    if (inode->has_value()) {
      META_TRY(drop_inode(txn, **inode, now_ms));
      out.inode_dropped = true;
    }
  } else if (!q.keep_inode && local && out.kind == entry_kind::directory) {
    auto marker = txn.get_dir(out.id);
    if (!marker) return marker.err();
    if (marker->has_value()) {
      auto child = txn.list_entries(out.id, "", 1);
      if (!child) return child.err();
      if (!child->empty()) return error{errc::not_empty, quoted(q.name) + " is not empty"};
      META_TRY(txn.delete_dir(out.id));
      META_TRY(update_counters(txn, [](meta_counters& c) { --c.directories; }));
      out.inode_dropped = true;
    }
  }
  META_TRY(txn.delete_entry(q.parent_id, q.name));
  return out;
}

result<dir_remove_reply> meta_shard_state::dir_remove(meta_txn& txn, const dir_remove_request& q) {
  if (q.dir_id == root_dir_id) return error{errc::invalid_argument, "the root cannot be removed"};
  META_TRY(require_marker(txn, q.dir_id));
  auto child = txn.list_entries(q.dir_id, "", 1);
  if (!child) return child.err();
  if (!child->empty())
    return error{errc::not_empty,
                 dir_text(q.dir_id) + " is not empty (has " + quoted(child->front().name) + ")"};
  META_TRY(txn.delete_dir(q.dir_id));
  META_TRY(update_counters(txn, [](meta_counters& c) { --c.directories; }));
  return dir_remove_reply{};
}

result<list_reply> meta_shard_state::list(meta_txn& txn, const list_request& q) {
  META_TRY(require_marker(txn, q.dir_id));
  uint32_t limit = q.limit == 0 ? list_limit_max : std::min(q.limit, list_limit_max);
  auto found = txn.list_entries(q.dir_id, q.start_after, size_t{limit} + 1);
  if (!found) return found.err();
  list_reply out;
  out.more = found->size() > limit;
  if (out.more) found->pop_back();
  for (auto& ne : *found) {
    auto info = describe(txn, ne.name, ne.entry);
    if (!info) return info.err();
    out.entries.push_back(std::move(info.value()));
  }
  return out;
}

// invalid_argument if `dir` is `descendant` or one of its ancestors, as far as the
// ancestors' markers are on this shard (beyond that the check cannot see).
status meta_shard_state::check_not_ancestor(meta_txn& txn, inode_id dir, inode_id descendant) {
  inode_id cur = descendant;
  for (size_t step = 0; step < ancestor_walk_max; ++step) {
    if (cur == dir)
      return error{errc::invalid_argument,
                   dir_text(dir) + " cannot be moved into itself or its descendants"};
    if (cur == root_dir_id || home_shard(cur) != cfg_.shard) break;
    auto m = txn.get_dir(cur);
    if (!m) return m.err();
    if (!m->has_value()) break;
    cur = (*m)->parent_id;
  }
  return ok_status();
}

result<rename_reply> meta_shard_state::rename(meta_txn& txn, const rename_request& q) {
  META_TRY(validate_name(q.src_name));
  META_TRY(validate_name(q.dst_name));
  META_TRY(require_marker(txn, q.src_parent_id));
  META_TRY(require_marker(txn, q.dst_parent_id));
  auto src = txn.get_entry(q.src_parent_id, q.src_name);
  if (!src) return src.err();
  if (!src->has_value())
    return error{errc::not_found, "no " + quoted(q.src_name) + " in " + dir_text(q.src_parent_id)};
  if (q.src_parent_id == q.dst_parent_id && q.src_name == q.dst_name) return rename_reply{};
  auto dst = txn.get_entry(q.dst_parent_id, q.dst_name);
  if (!dst) return dst.err();
  if (dst->has_value())
    return error{errc::already_exists,
                 quoted(q.dst_name) + " exists in " + dir_text(q.dst_parent_id)};
  if ((*src)->kind == entry_kind::directory)
    META_TRY(check_not_ancestor(txn, (*src)->id, q.dst_parent_id));
  META_TRY(txn.delete_entry(q.src_parent_id, q.src_name));
  META_TRY(txn.put_entry(q.dst_parent_id, q.dst_name, **src));
  META_TRY(relocate(txn, **src, q.dst_parent_id, q.dst_name));
  return rename_reply{};
}

}  // namespace cairn
