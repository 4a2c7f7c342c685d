#pragma once
// disk_chunk_store: chunk_store on real files. Layout under data_dir:
//   segments/NNNNNNNN.seg  append-only records (segment_file), rolled at segment_bytes_max
//   index/                 LMDB (chunk_index): chunk key -> where its record is
// A batch's records are packed in memory (batch_writer) and reach the active segment
// with O_DIRECT writes of whole 4 KiB blocks at commit (earlier only when the write
// buffer fills), the batch zero-padded to a block boundary.
// Durability order: a batch's segment bytes are fdatasync'ed before its index
// transaction commits, so after a crash the index only points at synced bytes. On
// open, the active segment is cut back to the block boundary after its last indexed
// record: a tail past it was never acknowledged. Space of replaced or removed records
// is not reclaimed (no compaction yet). Capacity counts padding: a record is admitted
// only if the batch still fits once padded.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/storage_node/batch_writer.hpp"
#include "actors/storage_node/chunk_index.hpp"
#include "actors/storage_node/chunk_store.hpp"
#include "actors/storage_node/segment_file.hpp"

namespace cairn {

struct disk_chunk_store_options {
  std::string data_dir;         // created if missing
  uint64_t capacity_bytes = 0;  // quota on segment bytes; 0 = the filesystem's free space
  uint64_t segment_bytes_max = uint64_t{1} << 30;
  uint64_t index_map_bytes = uint64_t{16} << 30;  // LMDB map: address space, not disk
  // Memory a batch is packed in before it is written; a multiple of segment_block_bytes.
  // A larger batch is written in pieces of this size.
  uint64_t write_buffer_bytes_max = uint64_t{16} << 20;
};

class disk_chunk_store final : public chunk_store {
 public:
  // Opens or creates the store and recovers from an unclean shutdown.
  // io_error / corrupt with the path and reason.
  static result<std::unique_ptr<disk_chunk_store>> open(const disk_chunk_store_options& opt);

  result<chunk_receipt> append(const chunk_key& key, std::string_view bytes) override;
  void remove(const chunk_key& key) override;
  result<batch_receipt> commit(int64_t now_ms) override;
  result<chunk_data> get(const chunk_key& key) override;
  // From the index alone.
  result<chunk_receipt> describe(const chunk_key& key) override;
  result<std::vector<stored_chunk_info>> scan(const chunk_key& after, size_t limit) override;
  chunk_store_stats stats() override;

 private:
  disk_chunk_store(disk_chunk_store_options opt, chunk_index index, batch_writer writer)
      : opt_(std::move(opt)), index_(std::move(index)), writer_(std::move(writer)) {}

  std::string segments_dir() const { return opt_.data_dir + "/segments"; }
  status recover();
  // Whether a record of `record_bytes` goes to a new segment.
  bool needs_roll(uint64_t record_bytes) const;
  // Segment bytes a record of `record_bytes` adds once its batch is padded.
  uint64_t footprint(uint64_t record_bytes) const;
  // Writes the open batch's tail to the active segment and opens the next one.
  // The write's errors fail the batch; the open's do not.
  status roll_segment();
  uint64_t free_bytes() const;
  // Fails the open batch with `why` and cuts it back; returns `why`.
  error fail_batch(error why);
  // Drops the batch's packed bytes and cuts every segment it touched back to where
  // the batch started.
  void discard_batch();
  void reset_batch();

  disk_chunk_store_options opt_;
  chunk_index index_;
  std::map<uint32_t, segment_file> segments_;
  uint32_t active_ = 0;
  batch_writer writer_;  // packs the open batch for the active segment
  // Sum of segment sizes, the open batch included as it will be once padded.
  uint64_t used_bytes_ = 0;
  uint64_t batch_used_bytes_ = 0;  // the open batch's share of used_bytes_
  uint64_t chunks_ = 0;            // committed
  uint64_t bytes_ = 0;             // committed payload bytes

  std::vector<index_op> batch_ops_;
  std::map<uint32_t, uint64_t> batch_start_;  // segment -> its size before the batch
  std::optional<error> batch_error_;
};

}  // namespace cairn
