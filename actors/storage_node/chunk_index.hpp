#pragma once
// chunk_index: the LMDB environment at <data_dir>/index/ mapping a chunk's key
// (file id big-endian 8 bytes, index big-endian 4 bytes) to a wire::ChunkIndexRecord:
// where its bytes are. Every write is one durable transaction. Opening the same
// directory twice in one process is not allowed (an LMDB rule).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "actors/storage_node/chunk_store.hpp"
#include "runtime/ids.hpp"
#include "runtime/result.hpp"

// LMDB's handles, kept out of this header.
struct MDB_env;

namespace cairn {

struct index_entry {
  uint32_t segment = 0;
  uint64_t offset = 0;  // of the record header in the segment
  uint32_t length = 0;  // payload bytes
  uint32_t crc = 0;
  int64_t commit_ms = 0;  // when the batch that wrote it committed; 0 in older records
  friend bool operator==(const index_entry&, const index_entry&) = default;
};

struct index_op {
  chunk_key key;
  bool remove = false;
  index_entry entry;  // for a put
};

struct index_apply_receipt {
  std::vector<bool> existed;  // per op: the key was indexed before the op applied
  int64_t chunks_delta = 0;
  int64_t bytes_delta = 0;
};

class chunk_index {
 public:
  // io_error with LMDB's message when the environment cannot be opened.
  static result<chunk_index> open(const std::string& dir, uint64_t map_bytes);

  chunk_index(chunk_index&& other) noexcept;
  chunk_index& operator=(chunk_index&& other) noexcept;
  chunk_index(const chunk_index&) = delete;
  chunk_index& operator=(const chunk_index&) = delete;
  ~chunk_index();

  // not_found; corrupt when the stored record does not decode.
  result<index_entry> get(const chunk_key& key) const;

  // Applies every op in order in ONE write transaction, committed durably (LMDB syncs
  // before returning). On error none of them applied. no_space when the map is full.
  result<index_apply_receipt> apply(const std::vector<index_op>& ops);

  // Calls fn for every entry in key order. corrupt if a record does not decode.
  status scan(const std::function<void(const chunk_key&, const index_entry&)>& fn) const;

  // Up to `limit` entries with keys greater than `after`, in key order (see
  // chunk_store::scan). A record that does not decode is listed with commit time 0; a
  // key of the wrong size is skipped. REQUIRES: limit > 0.
  result<std::vector<stored_chunk_info>> list_after(const chunk_key& after, size_t limit) const;

 private:
  chunk_index(MDB_env* env, unsigned dbi) : env_(env), dbi_(dbi) {}
  MDB_env* env_ = nullptr;
  unsigned dbi_ = 0;
};

}  // namespace cairn
