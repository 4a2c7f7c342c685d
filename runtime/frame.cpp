#include "runtime/frame.hpp"

#include <algorithm>
#include <cstring>

namespace cairn {
namespace {

uint32_t load_u32le(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

status check_header(const char* header, size_t frame_bytes_max, uint32_t& body_bytes) {
  if (load_u32le(header) != frame_magic) return error{errc::corrupt, "bad frame magic"};
  body_bytes = load_u32le(header + 4);
  if (body_bytes == 0 || body_bytes % 8 != 0)
    return error{errc::corrupt, "frame body length " + std::to_string(body_bytes) +
                                    " is not a positive multiple of 8"};
  if (body_bytes + frame_header_bytes > frame_bytes_max)
    return error{errc::corrupt, "frame of " + std::to_string(body_bytes) +
                                    " bytes exceeds the limit of " +
                                    std::to_string(frame_bytes_max)};
  return ok_status();
}

}  // namespace

void write_frame_header(char* out, uint32_t body_bytes) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((frame_magic >> (8 * i)) & 0xFF);
  for (int i = 0; i < 4; ++i) out[4 + i] = static_cast<char>((body_bytes >> (8 * i)) & 0xFF);
}

status frame_splitter::poison(status why) {
  poisoned_ = true;
  buffer_.clear();
  return why;
}

// Every byte is copied once, into the frame it belongs to: complete frames are cut
// straight from the input, and only a frame split across reads is assembled in buffer_.
status frame_splitter::feed(std::string_view bytes) {
  if (poisoned_) return error{errc::corrupt, "stream already rejected"};
  uint32_t body = 0;
  while (!buffer_.empty() && !bytes.empty()) {
    size_t want = frame_header_bytes;
    if (buffer_.size() >= frame_header_bytes) {
      if (auto st = check_header(buffer_.data(), frame_bytes_max_, body); !st) return poison(st);
      want += body;
    }
    size_t take = std::min(want - buffer_.size(), bytes.size());
    buffer_.append(bytes.data(), take);
    bytes.remove_prefix(take);
    if (want > frame_header_bytes && buffer_.size() == want) {
      frames_.push_back(std::move(buffer_));
      buffer_.clear();
    }
  }
  if (buffer_.empty()) {
    while (bytes.size() >= frame_header_bytes) {
      if (auto st = check_header(bytes.data(), frame_bytes_max_, body); !st) return poison(st);
      size_t total = frame_header_bytes + body;
      if (bytes.size() < total) break;
      frames_.emplace_back(bytes.substr(0, total));
      bytes.remove_prefix(total);
    }
    buffer_.assign(bytes);
  }
  // A header that just became whole is checked now, not when its body arrives.
  if (buffer_.size() >= frame_header_bytes) {
    if (auto st = check_header(buffer_.data(), frame_bytes_max_, body); !st) return poison(st);
  }
  return ok_status();
}

std::string frame_splitter::pop_frame() {
  CAIRN_ASSERT(!frames_.empty());
  std::string out = std::move(frames_.front());
  frames_.pop_front();
  return out;
}

status check_frame(std::string_view frame, size_t frame_bytes_max) {
  if (frame.size() < frame_header_bytes) return error{errc::corrupt, "truncated frame header"};
  uint32_t body = 0;
  if (auto st = check_header(frame.data(), frame_bytes_max, body); !st) return st;
  if (frame.size() != frame_header_bytes + body)
    return error{errc::corrupt, "frame length does not match its header"};
  return ok_status();
}

}  // namespace cairn
