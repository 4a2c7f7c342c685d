#pragma once
// Tracks the replica acknowledgements of one file's chunk writes and decides when the
// file may be committed: every chunk durable on at least `min` targets. A chunk that
// can no longer reach `min` (too many targets failed) fails the whole write.
// Pure logic: no I/O, no clock.
#include <cstdint>
#include <vector>

#include "runtime/errc.hpp"
#include "runtime/ids.hpp"

namespace cairn {

class write_quorum {
 public:
  write_quorum(uint8_t min_replicas, uint8_t final_replicas)
      : min_(min_replicas), final_(final_replicas) {}

  // Registers chunk `index` written to `targets` hosts.
  void add_chunk(uint32_t index, size_t targets, uint32_t crc, uint32_t length);
  // A target's answer. ack: durable with `crc`; otherwise failed with `code`.
  void on_ack(uint32_t index, host_id host, uint32_t crc);
  void on_failure(uint32_t index, host_id host, errc code);

  // Every chunk has >= min acks.
  bool committable() const;
  // Every target of every chunk answered.
  bool all_answered() const;
  // Some chunk can no longer reach min; the first such chunk's most telling error.
  bool failed() const;
  errc failure_code() const { return failure_code_; }

  struct chunk {
    uint32_t index = 0, crc = 0, length = 0;
    size_t targets = 0, failures = 0;
    std::vector<host_id> acked;
  };
  const std::vector<chunk>& chunks() const { return chunks_; }
  // REQUIRES: add_chunk(index) happened.
  uint32_t chunk_crc(uint32_t index) const;
  uint8_t min_replicas() const { return min_; }
  uint8_t final_replicas() const { return final_; }

 private:
  chunk* find(uint32_t index);
  uint8_t min_, final_;
  std::vector<chunk> chunks_;
  errc failure_code_ = errc::ok;
};

}  // namespace cairn
