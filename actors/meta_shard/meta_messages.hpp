#pragma once
// The meta shard's requests and replies as plain C++ values. They mirror meta.capnp
// one to one (see its comments for the protocol); meta_codec.hpp converts. Requests
// marked internal never travel on the wire: the shell queues them itself.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "actors/meta_shard/meta_types.hpp"
#include "runtime/cluster_stats.hpp"

namespace cairn {

struct lookup_request {
  inode_id parent_id = 0;
  std::vector<std::string> names;
};
struct lookup_reply {
  std::vector<entry_info> entries;
  std::optional<inode_record> inode;  // the final file's inode when it is local and committed
};

struct dir_create_request {
  inode_id parent_id = 0;
  std::string name;
};
struct dir_create_reply {
  inode_id dir_id = 0;
};

struct link_request {
  inode_id parent_id = 0;
  std::string name;
  entry_kind kind{};
  inode_id id = 0;
};
struct link_reply {
  bool created = true;  // false: the name already held this entry (a repeated link)
};

struct unlink_request {
  inode_id parent_id = 0;
  std::string name;
  inode_id expect_id = 0;   // 0: any
  bool keep_inode = false;  // remove only the entry (second step of a cross-shard rename)
};
struct unlink_reply {
  entry_kind kind{};
  inode_id id = 0;
  bool inode_dropped = false;
  // The file's inode lives on another shard and this shard now owns dropping it there
  // (a drop_outbox record): the client must not send its own inodeDrop.
  bool inode_drop_queued = false;
};

struct dir_remove_request {
  inode_id dir_id = 0;
};
struct dir_remove_reply {};

struct list_request {
  inode_id dir_id = 0;
  std::string start_after;
  uint32_t limit = 0;
};
struct list_reply {
  std::vector<entry_info> entries;
  bool more = false;
};

struct file_create_request {
  inode_id parent_id = 0;
  std::string name;
  uint64_t size = 0;
  uint8_t min_replicas = 0;    // 0: the shard's default
  uint8_t final_replicas = 0;  // 0: the shard's default
};
struct chunk_placement {
  uint32_t index = 0;
  std::vector<host_id> targets;
};
struct file_create_reply {
  inode_id file_id = 0;
  uint64_t chunk_size = 0;
  uint8_t min_replicas = 0;
  uint8_t final_replicas = 0;
  std::vector<chunk_placement> chunks;
};

struct chunk_commit {
  uint32_t index = 0;
  uint32_t length = 0;
  uint32_t crc = 0;
  std::vector<host_id> replicas;
};
struct file_commit_request {
  inode_id file_id = 0;
  std::vector<chunk_commit> chunks;
};
struct file_commit_reply {
  uint32_t under_replicated_chunks = 0;
};

struct inode_get_request {
  inode_id file_id = 0;
};
struct inode_get_reply {
  inode_record inode;
};

struct inode_drop_request {
  inode_id file_id = 0;
};
struct inode_drop_reply {};

struct rename_request {
  inode_id src_parent_id = 0;
  std::string src_name;
  inode_id dst_parent_id = 0;
  std::string dst_name;
};
struct rename_reply {};

struct replica_add_request {
  inode_id file_id = 0;
  uint32_t index = 0;
  host_id host = 0;
  uint32_t crc = 0;
};
struct replica_add_reply {};

struct corrupt_report_request {
  inode_id file_id = 0;
  uint32_t index = 0;
  host_id host = 0;
};
struct corrupt_report_reply {};

// chunkCheck: a storage node asks whether its copy of chunk (file_id, index) is still
// wanted. (Not named chunk_check_*: storage_codec.hpp has its own chunk_check_request,
// the storage node's side of the same message.)
struct chunk_referenced_request {
  inode_id file_id = 0;
  uint32_t index = 0;
  host_id host = 0;  // the asking node
};
struct chunk_referenced_reply {
  bool referenced = false;
};

struct shard_stats_request {};
struct shard_stats_reply {
  shard_stats stats;
};

// Internal: `host` confirmed the deletion of its replica of `chunk`.
struct gc_done_request {
  chunk_key chunk;
  host_id host = 0;
};
struct gc_done_reply {};

// Internal: drop the pending inodes older than the ttl, at most pending_expire_max.
struct pending_expire_request {};
struct pending_expire_reply {
  uint32_t expired = 0;
};

// Internal: the inode's shard acknowledged the drop of `file`: remove its outbox record.
struct drop_done_request {
  inode_id file = 0;
};
struct drop_done_reply {};

using meta_request =
    std::variant<lookup_request, dir_create_request, link_request, unlink_request,
                 dir_remove_request, list_request, file_create_request, file_commit_request,
                 inode_get_request, inode_drop_request, rename_request, replica_add_request,
                 corrupt_report_request, chunk_referenced_request, shard_stats_request,
                 gc_done_request, pending_expire_request, drop_done_request>;

using meta_reply = std::variant<lookup_reply, dir_create_reply, link_reply, unlink_reply,
                                dir_remove_reply, list_reply, file_create_reply, file_commit_reply,
                                inode_get_reply, inode_drop_reply, rename_reply, replica_add_reply,
                                corrupt_report_reply, chunk_referenced_reply, shard_stats_reply,
                                gc_done_reply, pending_expire_reply, drop_done_reply>;

// Reads run in a read-only transaction on committed state; writes go through a batch.
inline bool is_read(const meta_request& r) {
  return std::holds_alternative<lookup_request>(r) || std::holds_alternative<list_request>(r) ||
         std::holds_alternative<inode_get_request>(r) ||
         std::holds_alternative<chunk_referenced_request>(r) ||
         std::holds_alternative<shard_stats_request>(r);
}

}  // namespace cairn
