#pragma once
// segment_file: one append-only file of chunk records, <data_dir>/segments/NNNNNNNN.seg.
// A record is a 24-byte header, then the chunk's bytes:
//   u32 magic "CSG1", u64 file id, u32 chunk index, u32 length, u32 crc32c (little-endian)
// The header lets a reader check that the index points at the record it expects; the
// index (chunk_index) is the only authority on which records are live.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/ids.hpp"
#include "runtime/result.hpp"

namespace cairn {

inline constexpr uint32_t segment_record_magic = 0x31475343u;  // "CSG1"
inline constexpr size_t segment_record_header_bytes = 24;

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
  // Opens (creating if missing) the segment at `path` for reading and appending.
  static result<segment_file> open(const std::string& path);

  segment_file(segment_file&& other) noexcept;
  segment_file& operator=(segment_file&& other) noexcept;
  segment_file(const segment_file&) = delete;
  segment_file& operator=(const segment_file&) = delete;
  ~segment_file();

  // Bytes in the file as far as this object knows: the end of the last good append.
  uint64_t size() const { return size_; }

  // Writes header and bytes at size(); size() grows only if all of it was written.
  // On error the file may hold a partial record past size(): truncate(size()) drops it.
  // no_space (ENOSPC, EDQUOT) or io_error.
  status append(const segment_record_header& header, std::string_view bytes);

  // Reads exactly `bytes` at `offset`. corrupt when the file is shorter; io_error.
  status read_exact(uint64_t offset, char* out, size_t bytes) const;

  status truncate(uint64_t size);
  // fdatasync: every append so far survives a crash.
  status sync();

 private:
  segment_file(int fd, std::string path, uint64_t size) : fd_(fd), path_(std::move(path)), size_(size) {}
  int fd_ = -1;
  std::string path_;
  uint64_t size_ = 0;
};

// An errno from a file operation as an error: ENOSPC/EDQUOT are no_space, the rest io_error.
error file_error(int err, const std::string& what, const std::string& path);

}  // namespace cairn
