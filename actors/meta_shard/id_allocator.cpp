#include "actors/meta_shard/id_allocator.hpp"

#include <algorithm>

#include "runtime/assert.hpp"
#include "runtime/ids.hpp"

namespace cairn {

id_allocator::id_allocator(uint64_t block) : block_(block) { CAIRN_ASSERT(block >= 2); }

void id_allocator::load(uint64_t persisted_ceiling) {
  next_ = std::max(persisted_ceiling, first_counter);
  durable_ = persisted_ceiling;
  staged_.reset();
}

std::optional<uint64_t> id_allocator::allocate() {
  if (next_ > counter_max) return std::nullopt;
  return next_++;
}

std::optional<uint64_t> id_allocator::stage() {
  staged_.reset();
  uint64_t wanted = next_ + block_ / 2;  // half a block of room left after this batch
  if (wanted <= durable_) return std::nullopt;
  uint64_t ceiling = durable_ + block_;
  if (ceiling < wanted) ceiling += (wanted - ceiling + block_ - 1) / block_ * block_;
  staged_ = std::min(ceiling, counter_max + 1);
  return staged_;
}

void id_allocator::committed() {
  if (staged_) durable_ = std::max(durable_, *staged_);
  staged_.reset();
}

}  // namespace cairn
