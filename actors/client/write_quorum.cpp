#include "actors/client/write_quorum.hpp"

#include "runtime/assert.hpp"

namespace cairn {

void write_quorum::add_chunk(uint32_t index, size_t targets, uint32_t crc, uint32_t length) {
  chunks_.push_back(chunk{index, crc, length, targets, 0, {}});
}

write_quorum::chunk* write_quorum::find(uint32_t index) {
  for (auto& c : chunks_)
    if (c.index == index) return &c;
  return nullptr;
}

uint32_t write_quorum::chunk_crc(uint32_t index) const {
  for (auto& c : chunks_)
    if (c.index == index) return c.crc;
  CAIRN_ASSERT(false);
  return 0;
}

void write_quorum::on_ack(uint32_t index, host_id host, uint32_t crc) {
  auto* c = find(index);
  CAIRN_ASSERT(c != nullptr);
  if (crc != c->crc) {
    // The node stored other bytes than we sent: not a replica we can count.
    on_failure(index, host, errc::corrupt);
    return;
  }
  for (auto h : c->acked)
    if (h == host) return;  // duplicate answer
  c->acked.push_back(host);
}

void write_quorum::on_failure(uint32_t index, host_id, errc code) {
  auto* c = find(index);
  CAIRN_ASSERT(c != nullptr);
  ++c->failures;
  if (c->targets - c->failures < min_ && failure_code_ == errc::ok) {
    // A full disk is the operator-relevant cause; otherwise report unavailability.
    failure_code_ = code == errc::no_space ? errc::no_space : errc::unavailable;
  }
}

bool write_quorum::committable() const {
  if (failed()) return false;
  for (auto& c : chunks_)
    if (c.acked.size() < min_) return false;
  return true;
}

bool write_quorum::all_answered() const {
  for (auto& c : chunks_)
    if (c.acked.size() + c.failures < c.targets) return false;
  return true;
}

bool write_quorum::failed() const { return failure_code_ != errc::ok; }

}  // namespace cairn
