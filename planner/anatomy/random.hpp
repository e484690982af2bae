#pragma once
// A deterministic, portable pseudo-random stream for seeded sampling and phantoms.
// std::uniform_real_distribution is implementation-defined, so equal seeds could give
// different points on another standard library; SplitMix64 (Steele, Lea, Flood 2014) with
// our own mapping to [0, 1) gives the same numbers everywhere.
#include <cstdint>

namespace hdr::anatomy {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

 private:
  uint64_t state_;
};

}  // namespace hdr::anatomy
