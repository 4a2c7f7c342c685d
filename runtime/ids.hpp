#pragma once
// Identifiers. A file or directory id is globally unique and never reused: the top
// 16 bits name the meta shard that allocated it, the low 48 bits are that shard's
// counter, which only grows and is persisted in the same transaction as its use.
#include <cstdint>
#include <string>

namespace cairn {

using host_id = uint32_t;
using shard_id = uint16_t;
using inode_id = uint64_t;

inline constexpr host_id client_host = 0xFFFFFFFFu;
inline constexpr int shard_bits_shift = 48;
inline constexpr uint64_t counter_max = (uint64_t{1} << shard_bits_shift) - 1;

constexpr inode_id make_inode_id(shard_id shard, uint64_t counter) {
  return (uint64_t{shard} << shard_bits_shift) | (counter & counter_max);
}
constexpr shard_id home_shard(inode_id id) { return static_cast<shard_id>(id >> shard_bits_shift); }
// The root directory: shard 0, counter 1. Counters of every shard start above it.
inline constexpr inode_id root_dir_id = make_inode_id(0, 1);
inline constexpr uint64_t first_counter = 2;

struct chunk_key {
  inode_id file = 0;
  uint32_t index = 0;
  friend bool operator==(const chunk_key&, const chunk_key&) = default;
  friend auto operator<=>(const chunk_key&, const chunk_key&) = default;
};

// Actor names on a host.
std::string meta_actor_name(shard_id shard);
inline constexpr const char* storage_actor_name = "storage";
inline constexpr const char* coordinator_actor_name = "coordinator";
inline constexpr const char* detector_actor_name = "detector";  // one per host
inline constexpr const char* peers_actor_name = "peers";        // multi-host: one per process
std::string repairer_actor_name(shard_id shard);  // "repair.<shard>", beside its shard

}  // namespace cairn
