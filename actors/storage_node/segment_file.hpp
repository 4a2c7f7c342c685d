#pragma once
// segment_file: one append-only file of chunk records, <data_dir>/segments/NNNNNNNN.seg.
// A record is a 24-byte header, then the chunk's bytes:
//   u32 magic "CSG1", u64 file id, u32 chunk index, u32 length, u32 crc32c (little-endian)
// The header lets a reader check that the index points at the record it expects; the
// index (chunk_index) is the only authority on which records are live.
//
// Records of one group-commit batch are packed back to back; the batch ends with zeros
// up to the next segment_block_bytes boundary, where the next batch starts (see
// batch_writer). A scanner that finds a zero word where a magic belongs is in padding
// and resumes at the next block boundary.
//
// Writes bypass the page cache (O_DIRECT) through their own descriptor; reads and
// truncation use a buffered one (a direct write invalidates the cached pages it covers,
// so reads stay coherent). A filesystem that refuses O_DIRECT gets buffered writes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/ids.hpp"
#include "runtime/result.hpp"

namespace cairn {

inline constexpr uint32_t segment_record_magic = 0x31475343u;  // "CSG1"
inline constexpr size_t segment_record_header_bytes = 24;
// O_DIRECT unit: buffer addresses, write offsets and write lengths are multiples of it.
inline constexpr size_t segment_block_bytes = 4096;

inline constexpr uint64_t align_up_to_block(uint64_t n) {
  return (n + segment_block_bytes - 1) & ~uint64_t{segment_block_bytes - 1};
}

struct segment_record_header {
  chunk_key key;
  uint32_t length = 0;
  uint32_t crc = 0;
  friend bool operator==(const segment_record_header&, const segment_record_header&) = default;
};

void encode_record_header(const segment_record_header& h, char* out);
// corrupt when the magic does not match.
result<segment_record_header> decode_record_header(const char* in);

// "<dir>/00000042.seg" for segment 42.
std::string segment_path(const std::string& dir, uint32_t segment);

class segment_file {
 public:
  // Opens (creating if missing) the segment at `path` for reading and appending. When
  // the filesystem refuses O_DIRECT (EINVAL) writes fall back to the buffered
  // descriptor, with a warning in the storage log.
  static result<segment_file> open(const std::string& path);

  segment_file(segment_file&& other) noexcept;
  segment_file& operator=(segment_file&& other) noexcept;
  segment_file(const segment_file&) = delete;
  segment_file& operator=(const segment_file&) = delete;
  ~segment_file();

  // Bytes in the file as far as this object knows: the end of the last good write.
  uint64_t size() const { return size_; }
  // Whether writes bypass the page cache.
  bool direct() const { return direct_fd_ >= 0; }

  // Writes `bytes` of `data` at `offset`; size() grows to cover them only if all of
  // it was written. On error the file may hold part of it: truncate() drops it.
  // REQUIRES: offset, bytes and the address of data are multiples of segment_block_bytes.
  // no_space (ENOSPC, EDQUOT) or io_error.
  status write_blocks(uint64_t offset, const char* data, size_t bytes);

  // Reads exactly `bytes` at `offset`. corrupt when the file is shorter; io_error.
  status read_exact(uint64_t offset, char* out, size_t bytes) const;

  // Cuts or zero-extends the file to `size`.
  status truncate(uint64_t size);
  // fdatasync: every write so far, and the file size, survive a crash.
  status sync();

 private:
  segment_file(int fd, int direct_fd, std::string path, uint64_t size)
      : fd_(fd), direct_fd_(direct_fd), path_(std::move(path)), size_(size) {}
  void close_all();

  int fd_ = -1;         // buffered: reads, truncate, sync, and writes without O_DIRECT
  int direct_fd_ = -1;  // O_DIRECT writes; -1 when the filesystem refuses them
  std::string path_;
  uint64_t size_ = 0;
};

// An errno from a file operation as an error: ENOSPC/EDQUOT are no_space, the rest io_error.
error file_error(int err, const std::string& what, const std::string& path);

}  // namespace cairn
