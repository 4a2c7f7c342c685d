#pragma once
// batch_writer: lays out one group-commit batch for O_DIRECT. Records are packed back
// to back into a segment_block_bytes-aligned buffer; finish() zero-pads the batch to
// the next block boundary and writes it, so padding costs at most one block per batch,
// never one per record, and the next batch starts on an aligned offset.
//
// The buffer is bounded by buffer_bytes_max: when a record does not fit, the full
// buffer (whole blocks) is written early and packing continues behind it, so any
// record size works with a fixed buffer. Bytes written early are as invisible as
// buffered ones: nothing points at them until the batch's index commit.
//
// Owns the buffer, never a segment: every call that writes is given the segment the
// batch is appending to. Not thread-safe.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "actors/storage_node/segment_file.hpp"
#include "runtime/result.hpp"

namespace cairn {

class batch_writer {
 public:
  // REQUIRES: buffer_bytes_max is a positive multiple of segment_block_bytes.
  // io_error when the buffer cannot be allocated.
  static result<batch_writer> create(size_t buffer_bytes_max);

  // Starts packing at segment offset `base`, dropping anything not yet written.
  // REQUIRES: base is a multiple of segment_block_bytes.
  void reset(uint64_t base);

  // The segment offset where the next record goes.
  uint64_t end() const { return base_ + fill_; }
  // Bytes packed and not yet written.
  size_t pending() const { return fill_; }

  // Packs a record (header, then bytes) at end(). When the buffer fills, writes its
  // blocks to `seg` at their offsets. Errors of segment_file::write_blocks; after one
  // the caller cuts `seg` back and calls reset().
  status add(segment_file& seg, const segment_record_header& header, std::string_view bytes);

  // Zero-pads what is pending to the next block boundary and writes it to `seg`.
  // After it, end() is aligned and nothing is pending. Errors as add().
  status finish(segment_file& seg);

 private:
  struct free_deleter {
    void operator()(char* p) const;
  };
  batch_writer(char* buffer, size_t capacity) : buffer_(buffer), capacity_(capacity) {}
  status pack(segment_file& seg, std::string_view data);

  std::unique_ptr<char, free_deleter> buffer_;
  size_t capacity_ = 0;
  uint64_t base_ = 0;  // segment offset of buffer_[0]; block-aligned
  size_t fill_ = 0;
};

}  // namespace cairn
