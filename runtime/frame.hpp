#pragma once
// Framing of envelopes on a byte stream. A frame is an 8-byte header, then the body:
//   u32 magic "CRN1" (little-endian 0x314E5243), u32 body length (little-endian),
//   body = a Cap'n Proto flat message (a whole number of 8-byte words).
// The 8-byte header keeps the body word-aligned in memory, which Cap'n Proto needs
// to read it in place. Frames are the unit in one process too: an envelope travels
// between local actors as the same bytes it would have on the wire.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "runtime/result.hpp"

namespace cairn {

inline constexpr uint32_t frame_magic = 0x314E5243u;  // "CRN1"
inline constexpr size_t frame_header_bytes = 8;

// Writes a header announcing `body_bytes` into out[0..8).
void write_frame_header(char* out, uint32_t body_bytes);

// Splits a byte stream into frames. Any violation (bad magic, a length of zero, not a
// multiple of 8, or above frame_bytes_max) poisons the splitter: the connection
// carrying it must be closed, since nothing after a bad header can be trusted.
class frame_splitter {
 public:
  explicit frame_splitter(size_t frame_bytes_max) : frame_bytes_max_(frame_bytes_max) {}

  // Appends bytes and cuts every complete frame out of them.
  status feed(std::string_view bytes);

  bool has_frame() const { return !frames_.empty(); }
  // A frame has begun and not yet ended (a slow sender's, or one still in transit).
  bool has_partial() const { return !buffer_.empty(); }
  // REQUIRES: has_frame(). A whole frame, header included.
  std::string pop_frame();

 private:
  status poison(status why);

  size_t frame_bytes_max_;
  std::string buffer_;
  std::deque<std::string> frames_;
  bool poisoned_ = false;
};

// Validates a whole frame's header against its actual size.
status check_frame(std::string_view frame, size_t frame_bytes_max);

}  // namespace cairn
