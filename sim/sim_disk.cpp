#include "sim/sim_disk.hpp"

#include <limits>
#include <utility>

#include "runtime/assert.hpp"
#include "runtime/crc32c.hpp"

namespace cairn {

bool sim_disk::flip_bit(const chunk_key& key, uint64_t bit) {
  auto it = chunks_.find(key);
  if (it == chunks_.end() || it->second.bytes.empty()) return false;
  auto& bytes = it->second.bytes;
  bit %= uint64_t{8} * bytes.size();
  bytes[bit / 8] = static_cast<char>(bytes[bit / 8] ^ (1 << (bit % 8)));
  ++faults_.bit_flips;
  return true;
}

void sim_disk::wipe() {
  chunks_.clear();
  used_bytes_ = 0;
  ++faults_.wipes;
}

std::vector<chunk_key> sim_disk::keys() const {
  std::vector<chunk_key> out;
  out.reserve(chunks_.size());
  for (auto& [key, _] : chunks_) out.push_back(key);
  return out;
}

const sim_chunk* sim_disk::find(const chunk_key& key) const {
  auto it = chunks_.find(key);
  return it == chunks_.end() ? nullptr : &it->second;
}

void sim_disk::write(const chunk_key& key, std::string bytes, uint32_t crc, int64_t commit_ms) {
  used_bytes_ += bytes.size();
  auto [it, inserted] = chunks_.try_emplace(key);
  if (!inserted) used_bytes_ -= it->second.bytes.size();
  it->second = sim_chunk{std::move(bytes), crc, commit_ms};
}

bool sim_disk::erase(const chunk_key& key) {
  auto it = chunks_.find(key);
  if (it == chunks_.end()) return false;
  used_bytes_ -= it->second.bytes.size();
  chunks_.erase(it);
  return true;
}

sim_chunk_store::sim_chunk_store(std::shared_ptr<sim_disk> disk) : disk_(std::move(disk)) {
  CAIRN_ASSERT(disk_ != nullptr);
}

result<chunk_receipt> sim_chunk_store::append(const chunk_key& key, std::string_view bytes) {
  if (bytes.size() > std::numeric_limits<uint32_t>::max())
    return error{errc::invalid_argument, "chunk larger than 4 GiB"};
  if (disk_->full()) {
    ++disk_->faults_.full_refusals;
    return error{errc::no_space, "simulated disk is full"};
  }
  uint64_t used = disk_->used_bytes() + batch_bytes_;
  uint64_t room = disk_->capacity_bytes() > used ? disk_->capacity_bytes() - used : 0;
  if (bytes.size() > room)
    return error{errc::no_space, "chunk of " + std::to_string(bytes.size()) +
                                     " bytes does not fit in " + std::to_string(room) +
                                     " free bytes"};
  auto length = static_cast<uint32_t>(bytes.size());
  uint32_t crc = crc32c(bytes.data(), bytes.size());
  batch_.push_back(staged_op{key, false, std::string(bytes), crc});
  batch_bytes_ += length;
  batch_has_append_ = true;
  return chunk_receipt{crc, length};
}

void sim_chunk_store::remove(const chunk_key& key) {
  batch_.push_back(staged_op{key, true, {}, 0});
}

result<batch_receipt> sim_chunk_store::commit(int64_t now_ms) {
  last_sync_latency_ms_ = 0;
  auto batch = std::move(batch_);
  bool has_append = batch_has_append_;
  batch_.clear();
  batch_bytes_ = 0;
  batch_has_append_ = false;
  batch_receipt receipt;
  if (batch.empty()) return receipt;
  if (has_append && disk_->full()) {
    ++disk_->faults_.full_refusals;
    return error{errc::no_space, "simulated disk filled up before the batch was written"};
  }
  for (auto& op : batch) {
    if (op.remove)
      receipt.existed.push_back(disk_->erase(op.key));
    else
      disk_->write(op.key, std::move(op.bytes), op.crc, now_ms);
  }
  last_sync_latency_ms_ = disk_->sync_latency_ms();
  if (last_sync_latency_ms_ > 0) ++disk_->faults_.slow_syncs;
  return receipt;
}

result<chunk_data> sim_chunk_store::get(const chunk_key& key) {
  const sim_chunk* chunk = disk_->find(key);
  if (chunk == nullptr) return error{errc::not_found, "chunk not stored"};
  if (uint32_t crc = crc32c(chunk->bytes.data(), chunk->bytes.size()); crc != chunk->crc)
    return error{errc::corrupt, "crc32c mismatch: stored " + std::to_string(chunk->crc) +
                                    ", computed " + std::to_string(crc)};
  return chunk_data{chunk->crc, chunk->bytes};
}

result<chunk_receipt> sim_chunk_store::describe(const chunk_key& key) {
  const sim_chunk* chunk = disk_->find(key);
  if (chunk == nullptr) return error{errc::not_found, "chunk not stored"};
  return chunk_receipt{chunk->crc, static_cast<uint32_t>(chunk->bytes.size())};
}

result<std::vector<stored_chunk_info>> sim_chunk_store::scan(const chunk_key& after, size_t limit) {
  CAIRN_ASSERT(limit > 0);
  std::vector<stored_chunk_info> out;
  for (auto it = disk_->chunks_.upper_bound(after);
       it != disk_->chunks_.end() && out.size() < limit; ++it)
    out.push_back(stored_chunk_info{it->first, it->second.commit_ms});
  return out;
}

chunk_store_stats sim_chunk_store::stats() {
  uint64_t used = disk_->used_bytes() + batch_bytes_;
  uint64_t capacity = disk_->capacity_bytes();
  uint64_t free_bytes = disk_->full() || used >= capacity ? 0 : capacity - used;
  return chunk_store_stats{disk_->chunk_count(), disk_->used_bytes(), free_bytes};
}

}  // namespace cairn
