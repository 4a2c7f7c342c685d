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
  uint64_t epoch = 0;  // the sender's map epoch (a repairer); older than the shard's: stale
};
struct replica_add_reply {
  uint8_t live = 0;  // live replicas of the chunk after the add
};

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
  uint32_t crc = 0;  // the checksum of the node's copy
};
struct chunk_referenced_reply {
  bool referenced = false;
};

// repairQueue: the head of the under-replicated queue for a repairer, each chunk with
// its replicas.
struct repair_queue_request {
  uint32_t limit = 0;                         // 0 or above repair_queue_limit_max: the max
  std::optional<under_replicated_key> after;  // resume after this key
};
struct repair_entry {
  chunk_key chunk;
  uint32_t length = 0;
  uint32_t crc = 0;
  uint8_t live = 0;
  uint8_t final_replicas = 0;
  repair_reason reason = repair_reason::under_replicated;
  int64_t since_ms = 0;
  std::vector<replica_record> replicas;
};
struct repair_queue_reply {
  uint64_t epoch = 0;  // the shard's map epoch
  std::vector<repair_entry> entries;
  bool more = false;
  uint64_t total = 0;
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

// Internal: one page of a host's node -> chunk index, after a membership change.
//   mark_offline: the host is down or draining: its live replicas become offline and
//                 their chunks are queued for repair;
//   forget:       the host is out: its replicas leave the inodes and the index;
//   mark_lost:    the host's disk is new (hostWiped): as mark_offline, whatever its state.
enum class host_scan_mode : uint8_t { mark_offline, forget, mark_lost };
struct host_scan_request {
  host_id host = 0;
  host_scan_mode mode = host_scan_mode::mark_offline;
  std::optional<chunk_key> after;  // resume after this chunk
};
struct host_scan_reply {
  std::optional<chunk_key> last;  // the last chunk of the page: the next request's `after`
  bool done = false;              // the index has no more chunks of the host
  uint32_t records_read = 0;      // index keys and inodes read (a scan never reads others)
  uint32_t changed = 0;           // replicas changed
  uint32_t kept = 0;              // forget: records kept, being their chunk's last copies
  uint32_t skipped = 0;           // index entries whose inode could not be read
};

using meta_request =
    std::variant<lookup_request, dir_create_request, link_request, unlink_request,
                 dir_remove_request, list_request, file_create_request, file_commit_request,
                 inode_get_request, inode_drop_request, rename_request, replica_add_request,
                 corrupt_report_request, chunk_referenced_request, shard_stats_request,
                 gc_done_request, pending_expire_request, drop_done_request, repair_queue_request,
                 host_scan_request>;

using meta_reply =
    std::variant<lookup_reply, dir_create_reply, link_reply, unlink_reply, dir_remove_reply,
                 list_reply, file_create_reply, file_commit_reply, inode_get_reply,
                 inode_drop_reply, rename_reply, replica_add_reply, corrupt_report_reply,
                 chunk_referenced_reply, shard_stats_reply, gc_done_reply, pending_expire_reply,
                 drop_done_reply, repair_queue_reply, host_scan_reply>;

// Reads run in a read-only transaction on committed state; writes go through a batch.
// chunkCheck is a write: it may take back a returning host's copy or forget it.
inline bool is_read(const meta_request& r) {
  return std::holds_alternative<lookup_request>(r) || std::holds_alternative<list_request>(r) ||
         std::holds_alternative<inode_get_request>(r) ||
         std::holds_alternative<repair_queue_request>(r) ||
         std::holds_alternative<shard_stats_request>(r);
}

}  // namespace cairn
