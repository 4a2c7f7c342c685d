#pragma once
// The meta shard's records as plain C++ values: what meta_store reads and writes and
// what meta_shard_state reasons about. Their on-disk form (Cap'n Proto, records.capnp
// and meta.capnp) is the store's business; their enum values equal the wire enums'.
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/fs_types.hpp"
#include "runtime/ids.hpp"

namespace cairn {

enum class inode_state : uint8_t { pending = 0, committed = 1 };
enum class repair_reason : uint8_t { under_replicated = 0, corrupt = 1, host_lost = 2 };

// A name in a directory.
struct entry_record {
  entry_kind kind = entry_kind::file;
  inode_id id = 0;
  friend bool operator==(const entry_record&, const entry_record&) = default;
};

struct named_entry {
  std::string name;
  entry_record entry;
};

// A directory's marker on its home shard: the directory exists here.
struct dir_record {
  inode_id parent_id = 0;
  std::string name;
};

struct replica_record {
  host_id host = 0;
  replica_state state = replica_state::live;
  friend bool operator==(const replica_record&, const replica_record&) = default;
};

struct chunk_record {
  uint32_t index = 0;
  uint32_t length = 0;
  uint32_t crc = 0;
  // Committed: the hosts holding (or having held) a replica. Pending: the placement,
  // every target `missing` until the commit names the acknowledged ones.
  std::vector<replica_record> replicas;

  uint32_t live_count() const {
    uint32_t n = 0;
    for (auto& r : replicas) n += r.state == replica_state::live;
    return n;
  }
  replica_record* find_replica(host_id host) {
    for (auto& r : replicas)
      if (r.host == host) return &r;
    return nullptr;
  }
};

struct inode_record {
  inode_id id = 0;
  inode_state state = inode_state::pending;
  uint64_t size = 0;
  uint64_t chunk_size = 0;
  uint8_t min_replicas = 0;
  uint8_t final_replicas = 0;
  int64_t created_ms = 0;
  std::vector<chunk_record> chunks;  // ordered by index, index == position
  inode_id parent_id = 0;            // where it was created (pending) or linked
  std::string name;
};

// Key of the under-replicated queue: fewest live replicas sorts first.
struct under_replicated_key {
  uint8_t live_replicas = 0;
  chunk_key chunk;
};

struct under_replicated_record {
  repair_reason reason = repair_reason::under_replicated;
  uint8_t live_replicas = 0;
  uint8_t final_replicas = 0;
  int64_t since_ms = 0;
};

// Replicas of a deleted chunk still to be removed from storage nodes.
struct gc_record {
  std::vector<host_id> hosts;
  int64_t not_before_ms = 0;  // the planner leaves the entry alone until then
};

// Key of the pending index: a pending inode by creation time, oldest first.
struct pending_key {
  int64_t created_ms = 0;
  inode_id file = 0;
  friend bool operator==(const pending_key&, const pending_key&) = default;
};

struct meta_counters {
  // Every counter at or above it is unused: the next open starts here. Only grows; it
  // runs ahead of the counters handed out (id_allocator.hpp). Stored under the key
  // "next_counter", whose old meaning (the next counter) is a valid ceiling too.
  uint64_t counter_ceiling = first_counter;
  uint64_t files = 0;        // committed inodes
  uint64_t directories = 0;  // directory markers
  uint64_t bytes = 0;        // sum of committed sizes
  uint64_t pending = 0;      // pending inodes
};

}  // namespace cairn
