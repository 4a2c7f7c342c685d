#pragma once
// chunk_store: where a storage node keeps chunk bytes and its index of them. The real
// implementation is disk_chunk_store; the simulation puts a fake disk behind this same
// interface, so it stays small and says nothing about files.
//
// Writes go through one open batch: append() and remove() stage work, commit() makes
// the whole batch durable at once (one data sync, then one index commit). Nothing
// staged is visible to get() before commit() succeeds, and nothing staged survives a
// crash before it. Not thread-safe: one owner calls it.
//
// Time comes in from the caller (commit(now_ms)); a store never reads a clock. Each
// committed chunk keeps the time of the commit that last wrote it, which scan() reports
// so the orphan scan can leave young chunks alone.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/ids.hpp"
#include "runtime/result.hpp"

namespace cairn {

// What a put is acknowledged with once its batch commits.
struct chunk_receipt {
  uint32_t crc = 0;  // CRC32C of the chunk's bytes
  uint32_t length = 0;
};

// A committed chunk as read back: bytes whose CRC32C was checked against `crc`.
struct chunk_data {
  uint32_t crc = 0;
  std::string bytes;
};

struct batch_receipt {
  // One entry per remove() of the batch, in call order: whether the key was indexed
  // when that removal applied.
  std::vector<bool> existed;
};

// A committed chunk as scan() lists it.
struct stored_chunk_info {
  chunk_key key;
  // now_ms of the commit() that last wrote the chunk; 0 for a chunk written before
  // stores kept the time (as old as can be).
  int64_t commit_ms = 0;
  friend bool operator==(const stored_chunk_info&, const stored_chunk_info&) = default;
};

struct chunk_store_stats {
  uint64_t chunks = 0;      // committed chunks
  uint64_t bytes = 0;       // their payload bytes
  uint64_t free_bytes = 0;  // room left for new chunks
};

class chunk_store {
 public:
  virtual ~chunk_store() = default;

  // Stages the chunk's bytes in the open batch; a later commit() indexes them,
  // replacing any chunk already stored under `key`.
  // Errors: no_space when the chunk does not fit (the batch is unaffected);
  // io_error or no_space from the device: the whole batch is failed — its staged
  // bytes are discarded and every later append() and the commit() of this batch
  // return the same error.
  virtual result<chunk_receipt> append(const chunk_key& key, std::string_view bytes) = 0;

  // Stages the removal of `key` from the index, ordered after earlier appends.
  virtual void remove(const chunk_key& key) = 0;

  // Makes the open batch durable (data first, then the index) and starts a new one.
  // Every chunk the batch writes records `now_ms` as its commit time.
  // On error nothing of the batch is indexed.
  virtual result<batch_receipt> commit(int64_t now_ms) = 0;

  // Committed bytes of `key`, checksum verified. not_found; corrupt when the stored
  // bytes do not match their CRC32C; io_error.
  virtual result<chunk_data> get(const chunk_key& key) = 0;

  // The CRC32C and length the store recorded for a committed chunk, without reading its
  // bytes: a chunk whose bytes went bad still has them. not_found; corrupt when the
  // record does not decode; io_error. This default reads the chunk through get(), so
  // there a chunk whose bytes fail their CRC is corrupt; a store with an index overrides it.
  virtual result<chunk_receipt> describe(const chunk_key& key) {
    auto chunk = get(key);
    if (!chunk) return chunk.err();
    return chunk_receipt{chunk->crc, static_cast<uint32_t>(chunk->bytes.size())};
  }

  // Up to `limit` committed chunks with keys greater than `after`, in key order, with
  // their commit times; fewer than `limit` means the last key was reached. Staged work
  // is not listed. The smallest key, {0, 0}, is never listed: file id 0 is never
  // allocated. A chunk whose index record does not decode is listed with time 0.
  // REQUIRES: limit > 0. io_error when the index cannot be read.
  virtual result<std::vector<stored_chunk_info>> scan(const chunk_key& after, size_t limit) = 0;

  virtual chunk_store_stats stats() = 0;

  // Simulated time the last commit()'s sync took, in ms: the node holds that batch's
  // replies as long. A real disk already blocked in commit(), so it returns 0.
  virtual uint32_t last_sync_latency_ms() const { return 0; }
};

}  // namespace cairn
