#pragma once
// The repair protocol's values as plain C++: the under-replicated queue as a meta shard
// answers it (schema/meta.capnp RepairQueue*) and the replicaAdd that records a copy
// (the copy itself, chunkReplicate, is the storage node's codec). No Cap'n Proto here:
// repairer_codec.hpp converts. A namespace of their own: the meta shard has its own
// structs for the same messages, as the server side.
#include <cstdint>
#include <optional>
#include <vector>

#include "runtime/ids.hpp"

namespace cairn::repair {

// A replica record's state; values equal wire::ReplicaState's. An unknown wire value
// (a newer peer) reads as missing: not a source, but still a record (never a target).
enum class replica_state : uint8_t { live = 0, corrupt = 1, missing = 2, offline = 3 };

struct replica {
  host_id host = 0;
  replica_state state = replica_state::live;
  friend bool operator==(const replica&, const replica&) = default;
};

// One entry of a shard's under-replicated queue (wire::RepairEntry).
struct entry {
  chunk_key chunk;
  uint32_t length = 0;
  uint32_t crc = 0;
  uint8_t live = 0;
  uint8_t final_replicas = 0;
  uint8_t reason = 0;  // records.capnp RepairReason
  int64_t since_ms = 0;
  std::vector<replica> replicas;  // every record of the chunk, in any state
};

// A position in the queue, whose key is (live, fileId, index).
struct cursor {
  uint8_t live = 0;
  chunk_key chunk;
  friend bool operator==(const cursor&, const cursor&) = default;
};

// RepairQueueRequest: `after` empty reads from the head.
struct queue_request {
  uint32_t limit = 0;
  std::optional<cursor> after;
};

// RepairQueueReply.
struct queue_reply {
  uint64_t epoch = 0;  // the shard's map epoch
  std::vector<entry> entries;
  bool more = false;
  uint64_t total = 0;  // entries in the whole queue
};

// ReplicaAddRequest as the repairer sends it.
struct replica_add_request {
  chunk_key chunk;
  host_id host = 0;
  uint32_t crc = 0;
  uint64_t epoch = 0;  // the repairer's map epoch
};

}  // namespace cairn::repair
