#include "actors/storage_node/batch_writer.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "runtime/assert.hpp"

namespace cairn {

void batch_writer::free_deleter::operator()(char* p) const { std::free(p); }

result<batch_writer> batch_writer::create(size_t buffer_bytes_max) {
  CAIRN_ASSERT(buffer_bytes_max > 0 && buffer_bytes_max % segment_block_bytes == 0);
  void* buffer = nullptr;
  if (::posix_memalign(&buffer, segment_block_bytes, buffer_bytes_max) != 0)
    return error{errc::io_error, "cannot allocate a segment write buffer of " +
                                     std::to_string(buffer_bytes_max) + " bytes"};
  return batch_writer(static_cast<char*>(buffer), buffer_bytes_max);
}

void batch_writer::reset(uint64_t base) {
  CAIRN_ASSERT(base % segment_block_bytes == 0);
  base_ = base;
  fill_ = 0;
}

status batch_writer::add(segment_file& seg, const segment_record_header& header,
                         std::string_view bytes) {
  char head[segment_record_header_bytes];
  encode_record_header(header, head);
  if (auto st = pack(seg, {head, sizeof(head)}); !st) return st;
  return pack(seg, bytes);
}

status batch_writer::pack(segment_file& seg, std::string_view data) {
  while (!data.empty()) {
    if (fill_ == capacity_) {
      // A full buffer is whole blocks: write them all and start over behind them.
      if (auto st = seg.write_blocks(base_, buffer_.get(), fill_); !st) return st;
      base_ += fill_;
      fill_ = 0;
    }
    size_t n = std::min(data.size(), capacity_ - fill_);
    std::memcpy(buffer_.get() + fill_, data.data(), n);
    fill_ += n;
    data.remove_prefix(n);
  }
  return ok_status();
}

status batch_writer::finish(segment_file& seg) {
  if (fill_ == 0) return ok_status();
  size_t padded = static_cast<size_t>(align_up_to_block(fill_));
  std::memset(buffer_.get() + fill_, 0, padded - fill_);
  if (auto st = seg.write_blocks(base_, buffer_.get(), padded); !st) return st;
  base_ += padded;
  fill_ = 0;
  return ok_status();
}

}  // namespace cairn
