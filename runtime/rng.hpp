#pragma once
// Deterministic pseudo-random streams (xoshiro256**, seeded through splitmix64).
// Logic never reads a random device: a stream is passed in. One root seed per run;
// each host and role derives its own stream by label, so adding a consumer does not
// shift the numbers another consumer sees.
#include <cstdint>
#include <string_view>

namespace cairn {

class rng {
 public:
  explicit rng(uint64_t seed);

  uint64_t next();
  // Uniform in [0, bound). REQUIRES: bound > 0.
  uint64_t below(uint64_t bound);
  // A new independent stream named by `label`.
  rng derive(std::string_view label) const;

 private:
  uint64_t s_[4];
  uint64_t seed_;
};

}  // namespace cairn
