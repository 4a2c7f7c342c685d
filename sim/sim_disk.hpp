#pragma once
// sim_disk: the simulated device of one host, and sim_chunk_store, the chunk_store a
// storage node runs on it under simulation.
//
// A sim_disk outlives the storage-node incarnations on its host: the simulation and
// the node's store share it. It holds only committed chunks; a store's open batch
// lives in the store, so a crash (destroying the store without commit()) loses the
// staged batch and keeps every committed chunk, as a real disk does. Faults are
// injected from outside: a full device, a slow sync, a flipped bit, a wipe.
// Everything here is deterministic: ordered containers, no clock, no randomness, no
// CAF. Single-threaded, like the simulation.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "actors/storage_node/chunk_store.hpp"
#include "runtime/ids.hpp"
#include "runtime/result.hpp"

namespace cairn {

// One committed chunk as the device holds it.
struct sim_chunk {
  std::string bytes;
  uint32_t crc = 0;       // CRC32C of the bytes as written; a bit flip leaves it stale
  int64_t commit_ms = 0;  // the store's commit(now_ms) that wrote it
};

// Faults the device injected or applied, for the run's report.
struct sim_disk_faults {
  uint64_t bit_flips = 0;
  uint64_t wipes = 0;
  uint64_t full_refusals = 0;  // appends and commits refused because the disk was set full
  uint64_t slow_syncs = 0;     // commits that took sync_latency_ms > 0
};

class sim_disk {
 public:
  // Room for `capacity_bytes` of chunk payload (no per-record overhead is modelled).
  explicit sim_disk(uint64_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}

  // -- faults --

  // While set, every append fails with no_space, and a commit whose batch holds an
  // append fails as a whole with no_space (a write that hit ENOSPC).
  void set_full(bool full) { full_ = full; }
  bool full() const { return full_; }
  // How long every later sync takes, in simulated ms: a store reports it through
  // chunk_store::last_sync_latency_ms() and the node holds that batch's replies as long.
  void set_sync_latency_ms(uint32_t ms) { sync_latency_ms_ = ms; }
  uint32_t sync_latency_ms() const { return sync_latency_ms_; }
  // Flips bit `bit % (8 * size)` of the chunk's stored bytes and leaves its crc as it
  // was, so the next read of the chunk fails with corrupt. False (and nothing counted)
  // when the key is absent or the chunk is empty.
  bool flip_bit(const chunk_key& key, uint64_t bit);
  // Every chunk is gone, as on a new device. Fault settings stay.
  void wipe();

  // -- read-only views for checkers --

  // Committed keys in ascending order.
  std::vector<chunk_key> keys() const;
  // The committed chunk under `key`, or nullptr. Valid until the disk is next changed.
  const sim_chunk* find(const chunk_key& key) const;
  size_t chunk_count() const { return chunks_.size(); }
  uint64_t capacity_bytes() const { return capacity_bytes_; }
  uint64_t used_bytes() const { return used_bytes_; }  // payload bytes of committed chunks
  const sim_disk_faults& faults() const { return faults_; }

 private:
  friend class sim_chunk_store;

  void write(const chunk_key& key, std::string bytes, uint32_t crc, int64_t commit_ms);
  // Whether `key` was stored.
  bool erase(const chunk_key& key);

  std::map<chunk_key, sim_chunk> chunks_;
  uint64_t capacity_bytes_;
  uint64_t used_bytes_ = 0;
  bool full_ = false;
  uint32_t sync_latency_ms_ = 0;
  sim_disk_faults faults_;
};

// chunk_store on a sim_disk, with disk_chunk_store's contract: a staged batch is
// invisible until commit(), which applies its appends and removes in call order;
// reads verify the CRC32C. Capacity counts committed and staged payload bytes.
// REQUIRES: one store at a time writes to a disk (one node per host).
class sim_chunk_store final : public chunk_store {
 public:
  // REQUIRES: disk != nullptr.
  explicit sim_chunk_store(std::shared_ptr<sim_disk> disk);

  // no_space when the chunk does not fit or the disk is set full (the batch is
  // unaffected); invalid_argument past 4 GiB.
  result<chunk_receipt> append(const chunk_key& key, std::string_view bytes) override;
  void remove(const chunk_key& key) override;
  // no_space, nothing applied, when the disk is set full and the batch holds an append.
  result<batch_receipt> commit(int64_t now_ms) override;
  // not_found; corrupt when the stored bytes no longer match their crc.
  result<chunk_data> get(const chunk_key& key) override;
  // The crc and length as written, like an index: a flipped chunk still describes.
  result<chunk_receipt> describe(const chunk_key& key) override;
  // Never fails.
  result<std::vector<stored_chunk_info>> scan(const chunk_key& after, size_t limit) override;
  chunk_store_stats stats() override;
  // The disk's sync latency when the last commit synced a batch; 0 otherwise.
  uint32_t last_sync_latency_ms() const override { return last_sync_latency_ms_; }

 private:
  struct staged_op {
    chunk_key key;
    bool remove = false;
    std::string bytes;
    uint32_t crc = 0;
  };

  std::shared_ptr<sim_disk> disk_;
  std::vector<staged_op> batch_;
  uint64_t batch_bytes_ = 0;  // payload bytes of the batch's appends
  bool batch_has_append_ = false;
  uint32_t last_sync_latency_ms_ = 0;
};

}  // namespace cairn
