#pragma once
// id_allocator: hands out one shard's id counters from memory, below a reserved
// ceiling that the store persists (meta_counters::counter_ceiling). Pure: it never
// touches the store; meta_shard_state writes the ceiling it stages.
//
// Contract:
// - A counter below the durable ceiling may be acknowledged before the batch that
//   allocated it commits: after any crash the next open starts at a persisted ceiling
//   at or above it, so it is never handed out again.
// - A counter at or above the durable ceiling may be acknowledged only after the batch
//   that staged a ceiling above it committed.
// - The ceiling rises by whole blocks once the next counter comes within half a block
//   of the durable one. The unused rest of a block is skipped at the next open: gaps
//   are fine, reuse never.
#include <cstdint>
#include <optional>

namespace cairn {

inline constexpr uint64_t id_block_default = 4096;

class id_allocator {
 public:
  // REQUIRES: block >= 2.
  explicit id_allocator(uint64_t block = id_block_default);

  // Starts from a persisted ceiling: any counter below it may have been handed out.
  void load(uint64_t persisted_ceiling);

  // The next counter; nullopt once the 48-bit counter space is exhausted.
  std::optional<uint64_t> allocate();

  // True when `counter` is below the durable ceiling (see the contract above).
  bool is_durable(uint64_t counter) const { return counter < durable_; }

  // The ceiling the batch being built must persist, above every counter allocated so
  // far, or nullopt when the durable ceiling still has half a block of room. Forgets
  // what an earlier batch staged but never reported committed.
  std::optional<uint64_t> stage();

  // The batch that persisted the last staged ceiling committed durably.
  void committed();

  uint64_t next() const { return next_; }
  uint64_t durable_ceiling() const { return durable_; }

 private:
  uint64_t block_;
  uint64_t next_ = 0;
  uint64_t durable_ = 0;
  std::optional<uint64_t> staged_;
};

}  // namespace cairn
