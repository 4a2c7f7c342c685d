#include "actors/client/namespace_ops.hpp"

#include <optional>

#include "actors/client/client_codec.hpp"
#include "actors/coordinator/coordinator_codec.hpp"
#include "runtime/cluster_map_codec.hpp"
#include "runtime/path.hpp"

namespace cairn {
namespace {

using wire::MessageKind;

// Parses a reply payload inside guarded(), or forwards the error.
template <class T, class Parse>
void deliver(result<reply>& r, const callback<T>& cb, Parse parse) {
  if (!r) return cb(r.err());
  auto& env = *r.value();
  cb(guarded([&]() -> result<T> { return parse(env); }));
}

auto no_payload = [](const envelope_reader&) { return unit{}; };

void set_names(capnp::List<capnp::Text>::Builder out, const std::vector<std::string>& names,
               size_t from) {
  for (size_t i = from; i < names.size(); ++i) out.set(static_cast<unsigned>(i - from), names[i]);
}

// What a path resolved to: one entry per name and, when the last is a file whose inode
// lives on the shard that resolved it, that inode (saves an inodeGet).
struct resolution {
  std::vector<entry_info> entries;
  std::optional<file_info> inode;
};

void resolve_from(context_ptr ctx, uint64_t trace, inode_id from,
                  std::shared_ptr<std::vector<std::string>> names, std::shared_ptr<resolution> acc,
                  callback<resolution> cb) {
  size_t done = acc->entries.size();
  if (done == names->size()) return cb(*acc);
  ctx->call(
      ctx->map().meta_address_for(from), MessageKind::LOOKUP_REQUEST, trace,
      [&](envelope_builder& b) {
        auto p = b.init_payload<wire::LookupRequest>();
        p.setParentId(from);
        set_names(p.initNames(static_cast<unsigned>(names->size() - done)), *names, done);
      },
      [=](result<reply> r) {
        if (!r) return cb(r.err());
        auto got = guarded([&]() -> result<resolution> {
          auto p = r.value()->payload<wire::LookupReply>();
          resolution step{read_entries(p.getEntries()), std::nullopt};
          if (p.hasInode()) step.inode = read_inode(p.getInode());
          return step;
        });
        if (!got) return cb(got.err());
        auto& entries = got->entries;
        if (entries.empty() || entries.size() > names->size() - done)
          return cb(error{errc::internal, "lookup made no progress"});
        for (auto& e : entries) {
          bool last = acc->entries.size() + 1 == names->size();
          acc->entries.push_back(e);
          if (!last && e.kind != entry_kind::directory)
            return cb(error{errc::not_a_directory,
                            join_path({names->begin(),
                                       names->begin() + static_cast<long>(acc->entries.size())}) +
                                " is a file"});
        }
        if (got->inode && got->inode->id == acc->entries.back().id)
          acc->inode = std::move(got->inode);
        resolve_from(ctx, trace, acc->entries.back().id, names, acc, cb);
      });
}

// The shard where a new directory's marker goes: spread by (parent, name).
shard_id shard_for_new_dir(const cluster_map& map, inode_id parent, const std::string& name) {
  uint64_t h = 0xCBF29CE484222325ull ^ parent;
  for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001B3ull;
  return static_cast<shard_id>(h % map.shard_count());
}

// Whether the link made the name (false: the name already held this entry).
void link_entry(const context_ptr& ctx, uint64_t trace, inode_id parent, const std::string& name,
                entry_kind kind, inode_id id, callback<bool> cb) {
  ctx->call(
      ctx->map().meta_address_for(parent), MessageKind::LINK_REQUEST, trace,
      [&](envelope_builder& b) {
        auto p = b.init_payload<wire::LinkRequest>();
        p.setParentId(parent);
        p.setName(name);
        p.setKind(to_wire(kind));
        p.setId(id);
      },
      [cb](result<reply> r) {
        deliver<bool>(r, cb, [](const envelope_reader& env) {
          return env.payload<wire::LinkReply>().getCreated();
        });
      });
}

struct unlink_result {
  inode_id id = 0;
  bool inode_dropped = false;
  bool inode_drop_queued = false;  // the entry's shard drops the remote inode itself
};

void unlink_entry(const context_ptr& ctx, uint64_t trace, inode_id parent, const std::string& name,
                  inode_id expect, bool keep_inode, callback<unlink_result> cb) {
  ctx->call(
      ctx->map().meta_address_for(parent), MessageKind::UNLINK_REQUEST, trace,
      [&](envelope_builder& b) {
        auto p = b.init_payload<wire::UnlinkRequest>();
        p.setParentId(parent);
        p.setName(name);
        p.setExpectId(expect);
        p.setKeepInode(keep_inode);
      },
      [cb](result<reply> r) {
        deliver<unlink_result>(r, cb, [](const envelope_reader& env) {
          auto p = env.payload<wire::UnlinkReply>();
          return unlink_result{p.getId(), p.getInodeDropped(), p.getInodeDropQueued()};
        });
      });
}

void create_dir(const context_ptr& ctx, uint64_t trace, inode_id parent, const std::string& name,
                callback<inode_id> cb) {
  auto home = ctx->map().meta_address(shard_for_new_dir(ctx->map(), parent, name));
  ctx->call(
      home, MessageKind::DIR_CREATE_REQUEST, trace,
      [&](envelope_builder& b) {
        auto p = b.init_payload<wire::DirCreateRequest>();
        p.setParentId(parent);
        p.setName(name);
      },
      [=](result<reply> r) {
        if (!r) return cb(r.err());
        auto id = guarded([&]() -> result<inode_id> {
          return r.value()->payload<wire::DirCreateReply>().getDirId();
        });
        if (!id) return cb(id.err());
        inode_id dir = *id;
        link_entry(ctx, trace, parent, name, entry_kind::directory, dir, [=](result<bool> linked) {
          if (linked) return cb(dir);
          // The name was taken: the unlinked marker would be an orphan, remove it.
          ctx->call(
              home, MessageKind::DIR_REMOVE_REQUEST, trace,
              [&](envelope_builder& b) { b.init_payload<wire::DirRemoveRequest>().setDirId(dir); },
              [cb, err = linked.err()](result<reply>) { cb(err); });
        });
      });
}

void mkdir_parents(context_ptr ctx, uint64_t trace, std::shared_ptr<std::vector<std::string>> names,
                   size_t i, inode_id parent, callback<inode_id> cb) {
  if (i == names->size()) return cb(parent);
  auto next = [=](result<inode_id> id) {
    if (!id) return cb(id.err());
    mkdir_parents(ctx, trace, names, i + 1, *id, cb);
  };
  resolve_from(
      ctx, trace, parent, std::make_shared<std::vector<std::string>>(1, (*names)[i]),
      std::make_shared<resolution>(), [=](result<resolution> found) {
        if (found) {
          if (found->entries.back().kind != entry_kind::directory)
            return cb(error{errc::not_a_directory,
                            join_path({names->begin(), names->begin() + static_cast<long>(i) + 1}) +
                                " is a file"});
          return next(found->entries.back().id);
        }
        if (found.code() != errc::not_found) return cb(found.err());
        create_dir(ctx, trace, parent, (*names)[i], [=](result<inode_id> made) {
          // Lost a race with another mkdir of the same name: use theirs.
          if (!made && made.code() == errc::already_exists)
            return mkdir_parents(ctx, trace, names, i, parent, cb);
          next(std::move(made));
        });
      });
}

void remove_entry(const context_ptr& ctx, uint64_t trace, inode_id parent, const entry_info& e,
                  bool recursive, callback<unit> cb);

void remove_children(context_ptr ctx, uint64_t trace, inode_id dir, callback<unit> cb);

// Removes list[i..] one at a time, then lists `dir` again for the next page. A page
// of which nothing could be removed ends the walk instead of listing it forever.
void remove_listed(context_ptr ctx, uint64_t trace, inode_id dir,
                   std::shared_ptr<std::vector<entry_info>> list, size_t i, size_t removed,
                   callback<unit> cb) {
  if (i == list->size()) {
    if (removed == 0)
      return cb(
          error{errc::internal, "rm -r made no progress in directory " + std::to_string(dir)});
    return remove_children(ctx, trace, dir, cb);
  }
  remove_entry(ctx, trace, dir, (*list)[i], true, [=](result<unit> done) {
    if (!done && done.code() != errc::not_found) return cb(done.err());
    remove_listed(ctx, trace, dir, list, i + 1, removed + (done ? 1 : 0), cb);
  });
}

// Removes every child of `dir`, one at a time, page by page.
void remove_children(context_ptr ctx, uint64_t trace, inode_id dir, callback<unit> cb) {
  ctx->call(
      ctx->map().meta_address_for(dir), MessageKind::LIST_REQUEST, trace,
      [&](envelope_builder& b) {
        auto p = b.init_payload<wire::ListRequest>();
        p.setDirId(dir);
        p.setLimit(256);
      },
      [=](result<reply> r) {
        if (!r) return cb(r.err());
        auto entries = guarded([&]() -> result<std::vector<entry_info>> {
          return read_entries(r.value()->payload<wire::ListReply>().getEntries());
        });
        if (!entries) return cb(entries.err());
        if (entries->empty()) return cb(unit{});
        remove_listed(ctx, trace, dir,
                      std::make_shared<std::vector<entry_info>>(std::move(*entries)), 0, 0, cb);
      });
}

void remove_dir(const context_ptr& ctx, uint64_t trace, inode_id parent, const entry_info& e,
                callback<unit> cb) {
  auto unlink = [=]() {
    unlink_entry(ctx, trace, parent, e.name, e.id, false,
                 [cb](result<unlink_result> r) { r ? cb(unit{}) : cb(r.err()); });
  };
  if (home_shard(e.id) == home_shard(parent)) return unlink();  // one txn checks emptiness
  ctx->call(
      ctx->map().meta_address_for(e.id), MessageKind::DIR_REMOVE_REQUEST, trace,
      [&](envelope_builder& b) { b.init_payload<wire::DirRemoveRequest>().setDirId(e.id); },
      [=](result<reply> r) {
        // not_found: an earlier rm removed the marker but died before the unlink.
        if (!r && r.code() != errc::not_found) return cb(r.err());
        unlink();
      });
}

void remove_entry(const context_ptr& ctx, uint64_t trace, inode_id parent, const entry_info& e,
                  bool recursive, callback<unit> cb) {
  if (e.kind == entry_kind::directory) {
    if (!recursive) return remove_dir(ctx, trace, parent, e, cb);
    return remove_children(ctx, trace, e.id, [=](result<unit> r) {
      // not_found: the marker is already gone (an earlier rm died half way), so only
      // the entry is left to remove.
      if (!r && r.code() != errc::not_found) return cb(r.err());
      remove_dir(ctx, trace, parent, e, cb);
    });
  }
  unlink_entry(ctx, trace, parent, e.name, e.id, false, [=](result<unlink_result> r) {
    if (!r) return cb(r.err());
    // The entry's shard dropped the inode, or owns its drop on the inode's shard. Only a
    // shard that does not know where the others run leaves the drop to us.
    if (r->inode_dropped || r->inode_drop_queued) return cb(unit{});
    drop_inode(ctx, trace, r->id, cb);
  });
}

void read_inode_of(const context_ptr& ctx, uint64_t trace, inode_id id, callback<file_info> cb) {
  ctx->call(
      ctx->map().meta_address_for(id), MessageKind::INODE_GET_REQUEST, trace,
      [&](envelope_builder& b) { b.init_payload<wire::InodeGetRequest>().setFileId(id); },
      [cb](result<reply> r) {
        deliver<file_info>(r, cb, [](const envelope_reader& env) {
          return read_inode(env.payload<wire::InodeGetReply>().getInode());
        });
      });
}

void fill_sizes(context_ptr ctx, uint64_t trace, inode_id dir,
                std::shared_ptr<std::vector<entry_info>> entries, size_t i,
                callback<std::vector<entry_info>> cb) {
  while (i < entries->size() && ((*entries)[i].kind != entry_kind::file ||
                                 home_shard((*entries)[i].id) == home_shard(dir)))
    ++i;
  if (i == entries->size()) return cb(*entries);
  read_inode_of(ctx, trace, (*entries)[i].id, [=](result<file_info> f) {
    if (f) (*entries)[i].size = f->size, (*entries)[i].mtime_ms = f->created_ms;
    fill_sizes(ctx, trace, dir, entries, i + 1, cb);
  });
}

void list_dir(context_ptr ctx, uint64_t trace, inode_id dir, std::string after,
              std::shared_ptr<std::vector<entry_info>> acc, callback<std::vector<entry_info>> cb) {
  ctx->call(
      ctx->map().meta_address_for(dir), MessageKind::LIST_REQUEST, trace,
      [&](envelope_builder& b) {
        auto p = b.init_payload<wire::ListRequest>();
        p.setDirId(dir);
        p.setStartAfter(after);
        p.setLimit(1000);
      },
      [=](result<reply> r) {
        if (!r) return cb(r.err());
        auto page = guarded([&]() -> result<std::pair<std::vector<entry_info>, bool>> {
          auto p = r.value()->payload<wire::ListReply>();
          return std::make_pair(read_entries(p.getEntries()), p.getMore());
        });
        if (!page) return cb(page.err());
        for (auto& e : page->first) acc->push_back(e);
        if (page->second && !page->first.empty())
          return list_dir(ctx, trace, dir, page->first.back().name, acc, cb);
        cb(*acc);
      });
}

}  // namespace

void fetch_map(const context_ptr& ctx, callback<cluster_map> cb) {
  ctx->call(
      coordinator_address(), MessageKind::CLUSTER_MAP_REQUEST, ctx->new_trace_id(),
      [](envelope_builder& b) { b.init_payload<wire::ClusterMapRequest>(); },
      [cb](result<reply> r) {
        deliver<cluster_map>(r, cb, [](const envelope_reader& env) -> result<cluster_map> {
          auto m = read_cluster_map(env.payload<wire::ClusterMapReply>());
          if (m.shard_count() == 0 || m.hosts.empty())
            return error{errc::corrupt, "cluster map without shards or hosts"};
          return m;
        });
      });
}

void fetch_status(const context_ptr& ctx, callback<cluster_status> cb) {
  ctx->call(
      coordinator_address(), MessageKind::CLUSTER_STATUS_REQUEST, ctx->new_trace_id(),
      [](envelope_builder& b) { b.init_payload<wire::ClusterStatusRequest>(); },
      [cb](result<reply> r) {
        deliver<cluster_status>(r, cb, [](const envelope_reader& env) {
          return read_cluster_status(env.payload<wire::ClusterStatusReply>());
        });
      });
}

static void resolve_full(const context_ptr& ctx, uint64_t trace, std::vector<std::string> names,
                         callback<resolution> cb) {
  resolve_from(ctx, trace, root_dir_id,
               std::make_shared<std::vector<std::string>>(std::move(names)),
               std::make_shared<resolution>(), std::move(cb));
}

void resolve(const context_ptr& ctx, uint64_t trace, std::vector<std::string> names,
             callback<std::vector<entry_info>> cb) {
  resolve_full(ctx, trace, std::move(names), [cb](result<resolution> r) {
    if (!r) return cb(r.err());
    cb(std::move(r->entries));
  });
}

void resolve_dir(const context_ptr& ctx, uint64_t trace, std::vector<std::string> names,
                 callback<inode_id> cb) {
  auto path = join_path(names);
  resolve(ctx, trace, std::move(names), [cb, path](result<std::vector<entry_info>> r) {
    if (!r) return cb(r.err());
    if (r->empty()) return cb(root_dir_id);
    if (r->back().kind != entry_kind::directory)
      return cb(error{errc::not_a_directory, path + " is a file"});
    cb(r->back().id);
  });
}

void stat_path(const context_ptr& ctx, const std::string& path, callback<file_info> cb) {
  auto names = split_path(path);
  if (!names) return cb(names.err());
  auto trace = ctx->new_trace_id();
  resolve_full(ctx, trace, *names, [=](result<resolution> r) {
    if (!r) return cb(r.err());
    auto& entries = r->entries;
    if (entries.empty() || entries.back().kind == entry_kind::directory) {
      file_info d;
      d.path = path;
      d.kind = entry_kind::directory;
      d.id = entries.empty() ? root_dir_id : entries.back().id;
      return cb(d);
    }
    if (r->inode) {
      r->inode->path = path;
      return cb(std::move(*r->inode));
    }
    read_inode_of(ctx, trace, entries.back().id, [cb, path](result<file_info> f) {
      if (f) f->path = path;
      cb(std::move(f));
    });
  });
}

void list_path(const context_ptr& ctx, const std::string& path, bool with_sizes,
               callback<std::vector<entry_info>> cb) {
  auto names = split_path(path);
  if (!names) return cb(names.err());
  auto trace = ctx->new_trace_id();
  resolve(ctx, trace, *names, [=](result<std::vector<entry_info>> r) {
    if (!r) return cb(r.err());
    if (!r->empty() && r->back().kind == entry_kind::file) {
      auto self = r->back();
      return read_inode_of(ctx, trace, self.id, [cb, self](result<file_info> f) mutable {
        if (!f) return cb(f.err());
        self.size = f->size;
        self.mtime_ms = f->created_ms;
        cb(std::vector<entry_info>{self});
      });
    }
    inode_id dir = r->empty() ? root_dir_id : r->back().id;
    auto acc = std::make_shared<std::vector<entry_info>>();
    list_dir(ctx, trace, dir, "", acc, [=](result<std::vector<entry_info>> all) {
      if (!all || !with_sizes) return cb(std::move(all));
      fill_sizes(ctx, trace, dir, std::make_shared<std::vector<entry_info>>(std::move(*all)), 0,
                 cb);
    });
  });
}

void make_dir(const context_ptr& ctx, const std::string& path, bool parents,
              callback<inode_id> cb) {
  auto names = split_path(path);
  if (!names) return cb(names.err());
  auto trace = ctx->new_trace_id();
  if (names->empty()) {
    if (parents) return cb(root_dir_id);
    return cb(error{errc::already_exists, "/ already exists"});
  }
  if (parents)
    return mkdir_parents(ctx, trace, std::make_shared<std::vector<std::string>>(*names), 0,
                         root_dir_id, cb);
  auto name = names->back();
  names->pop_back();
  resolve_dir(ctx, trace, *names, [=](result<inode_id> parent) {
    if (!parent) return cb(parent.err());
    create_dir(ctx, trace, *parent, name, [cb, path](result<inode_id> made) {
      if (!made && made.code() == errc::already_exists)
        return cb(error{errc::already_exists, path + " already exists"});
      cb(std::move(made));
    });
  });
}

void remove_path(const context_ptr& ctx, const std::string& path, bool recursive,
                 callback<unit> cb) {
  auto names = split_path(path);
  if (!names) return cb(names.err());
  if (names->empty()) return cb(error{errc::invalid_argument, "refusing to remove /"});
  auto trace = ctx->new_trace_id();
  resolve(ctx, trace, *names, [=](result<std::vector<entry_info>> r) {
    if (!r) return cb(r.err());
    inode_id parent = r->size() >= 2 ? (*r)[r->size() - 2].id : root_dir_id;
    remove_entry(ctx, trace, parent, r->back(), recursive, [cb, path](result<unit> done) {
      if (!done && done.code() == errc::not_empty)
        return cb(error{errc::not_empty, path + " is a non-empty directory (use -r)"});
      cb(std::move(done));
    });
  });
}

void move_path(const context_ptr& ctx, const std::string& src, const std::string& dst,
               callback<unit> cb) {
  auto from = split_path(src);
  if (!from) return cb(from.err());
  auto to = split_path(dst);
  if (!to) return cb(to.err());
  if (from->empty() || to->empty()) return cb(error{errc::invalid_argument, "cannot move /"});
  if (to->size() >= from->size() && std::equal(from->begin(), from->end(), to->begin()))
    return cb(error{errc::invalid_argument, "cannot move " + src + " into itself"});
  auto trace = ctx->new_trace_id();
  auto dst_name = to->back();
  auto dst_parent_names = *to;
  dst_parent_names.pop_back();
  resolve(ctx, trace, *from, [=](result<std::vector<entry_info>> r) {
    if (!r) return cb(r.err());
    auto entry = r->back();
    inode_id src_parent = r->size() >= 2 ? (*r)[r->size() - 2].id : root_dir_id;
    resolve_dir(ctx, trace, dst_parent_names, [=](result<inode_id> dst_parent) {
      if (!dst_parent) return cb(dst_parent.err());
      if (home_shard(src_parent) == home_shard(*dst_parent)) {
        return ctx->call(
            ctx->map().meta_address_for(src_parent), MessageKind::RENAME_REQUEST, trace,
            [&](envelope_builder& b) {
              auto p = b.init_payload<wire::RenameRequest>();
              p.setSrcParentId(src_parent);
              p.setSrcName(entry.name);
              p.setDstParentId(*dst_parent);
              p.setDstName(dst_name);
            },
            [cb](result<reply> done) { deliver<unit>(done, cb, no_payload); });
      }
      // Across shards: link the new name, then unlink the old one. If the old name no
      // longer points at the entry (a concurrent rm or mv took it), take the new link
      // back: it would be a second name for a moved entry or a name for a dropped inode.
      // Not atomic: docs/architecture.md ("Known gaps") says what can still go wrong.
      link_entry(ctx, trace, *dst_parent, dst_name, entry.kind, entry.id, [=](result<bool> linked) {
        if (!linked) return cb(linked.err());
        bool created = *linked;
        unlink_entry(
            ctx, trace, src_parent, entry.name, entry.id, true, [=](result<unlink_result> u) {
              if (u) return cb(unit{});
              // Only a link this move made is taken back: an existing one belongs to a
              // concurrent move of the same entry that may have been acknowledged.
              if (u.code() != errc::not_found || !created) return cb(u.err());
              unlink_entry(
                  ctx, trace, *dst_parent, dst_name, entry.id, true,
                  [cb, u, dst](result<unlink_result> back) {
                    if (back || back.code() == errc::not_found) return cb(u.err());
                    cb(error{errc::unavailable, "the source vanished during the move and " + dst +
                                                    " may remain: " + back.err().message});
                  });
            });
      });
    });
  });
}

void drop_inode(const context_ptr& ctx, uint64_t trace, inode_id id, callback<unit> cb) {
  ctx->call(
      ctx->map().meta_address_for(id), MessageKind::INODE_DROP_REQUEST, trace,
      [&](envelope_builder& b) { b.init_payload<wire::InodeDropRequest>().setFileId(id); },
      [cb](result<reply> r) { deliver<unit>(r, cb, no_payload); });
}

}  // namespace cairn
