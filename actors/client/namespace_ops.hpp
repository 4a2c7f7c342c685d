#pragma once
// Namespace operations of the client: path resolution, stat, ls, mkdir, rm, mv, and
// the coordinator calls (map, status). Each is a chain of requests to meta shards;
// every step's errors reach the callback unchanged. Cross-shard steps are ordered so
// a crash between them never loses an entry: a rename links at the destination
// before unlinking at the source (a crash can leave both names; repeating the mv
// completes it), a mkdir allocates the directory before linking it.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/client/client_context.hpp"
#include "actors/client/client_types.hpp"
#include "actors/coordinator/coordinator_protocol.hpp"

namespace cairn {

template <class T>
using callback = std::function<void(result<T>)>;
using context_ptr = std::shared_ptr<client_context>;

void fetch_map(const context_ptr& ctx, callback<cluster_map> cb);
void fetch_status(const context_ptr& ctx, callback<cluster_status> cb);

// One entry per name, in order. Fails with not_found / not_a_directory.
void resolve(const context_ptr& ctx, uint64_t trace, std::vector<std::string> names,
             callback<std::vector<entry_info>> cb);
// The id of the directory at `names` (root for none).
void resolve_dir(const context_ptr& ctx, uint64_t trace, std::vector<std::string> names,
                 callback<inode_id> cb);

void stat_path(const context_ptr& ctx, const std::string& path, callback<file_info> cb);
// Entries of a directory in name order (a file lists as itself). with_sizes: fill the
// size of files whose inode lives on another shard (one request each).
void list_path(const context_ptr& ctx, const std::string& path, bool with_sizes,
               callback<std::vector<entry_info>> cb);
void make_dir(const context_ptr& ctx, const std::string& path, bool parents, callback<inode_id> cb);
void remove_path(const context_ptr& ctx, const std::string& path, bool recursive,
                 callback<unit> cb);
void move_path(const context_ptr& ctx, const std::string& src, const std::string& dst,
               callback<unit> cb);

// Drops an inode on its shard (idempotent): a put's abandoned pending inode, or an
// unlinked file's inode on another shard when the entry's shard left that to the client.
void drop_inode(const context_ptr& ctx, uint64_t trace, inode_id id, callback<unit> cb);

}  // namespace cairn
