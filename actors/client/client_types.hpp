#pragma once
// What the client library returns: plain data for the CLI, tests and workloads.
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/fs_types.hpp"
#include "runtime/ids.hpp"

namespace cairn {

struct replica_info {
  host_id host = 0;
  replica_state state = replica_state::live;
};

struct chunk_info {
  uint32_t index = 0;
  uint32_t length = 0;
  uint32_t crc = 0;
  std::vector<replica_info> replicas;
  size_t live_replicas() const;
};

struct file_info {
  std::string path;
  entry_kind kind = entry_kind::file;
  inode_id id = 0;
  bool committed = true;
  uint64_t size = 0;
  uint64_t chunk_size = 0;
  uint8_t min_replicas = 0, final_replicas = 0;
  int64_t created_ms = 0;
  std::vector<chunk_info> chunks;
  uint32_t crc = 0;  // CRC32C of the whole file, combined from the chunks' bytes by get
};

struct put_options {
  uint8_t min_replicas = 0;    // 0: cluster default
  uint8_t final_replicas = 0;  // 0: cluster default
};

struct put_summary {
  inode_id id = 0;
  uint64_t bytes = 0;
  uint32_t chunks = 0;
  uint32_t under_replicated_chunks = 0;  // committed with fewer than final replicas
  uint32_t crc = 0;                      // CRC32C of the whole file
};

struct get_summary {
  uint64_t bytes = 0;
  uint32_t chunks = 0;
  uint32_t replica_fallbacks = 0;  // reads that had to try another replica
  uint32_t crc = 0;
};

}  // namespace cairn
