#include "runtime/rng.hpp"

#include "runtime/assert.hpp"

namespace cairn {
namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

rng::rng(uint64_t seed) : seed_(seed) {
  uint64_t x = seed;
  for (auto& s : s_) s = splitmix64(x);
}

uint64_t rng::next() {
  uint64_t result = rotl(s_[1] * 5, 7) * 9;
  uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

uint64_t rng::below(uint64_t bound) {
  CAIRN_ASSERT(bound > 0);
  // Rejection sampling keeps the distribution exact.
  uint64_t limit = ~uint64_t{0} - (~uint64_t{0} % bound);
  uint64_t v;
  do v = next();
  while (v >= limit);
  return v % bound;
}

rng rng::derive(std::string_view label) const {
  uint64_t h = 0xCBF29CE484222325ull;  // FNV-1a over the label, mixed with the seed
  for (char c : label) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001B3ull;
  uint64_t x = seed_ ^ h;
  return rng(splitmix64(x));
}

}  // namespace cairn
