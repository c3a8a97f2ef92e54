// The plan's random numbers: our own generator and distributions, so that a seed gives the
// same plan with every standard library (std::*_distribution are implementation-defined).
#pragma once

#include <cstdint>

#include "execbench/workloads/spec.hpp"

namespace execbench::workloads {

// splitmix64's finalizer: a bijective 64-bit mix, also used for deterministic content.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// xoshiro256** seeded through splitmix64.
class rng {
 public:
  explicit rng(std::uint64_t seed) noexcept;
  std::uint64_t next() noexcept;
  // Uniform in [0, 1), 53 bits.
  double uniform() noexcept;
  // Uniform integer in [0, n), n > 0.
  std::uint64_t below(std::uint64_t n) noexcept;
  // Standard normal (Box-Muller).
  double normal() noexcept;

 private:
  std::uint64_t s_[4];
};

// One draw from d, in microseconds (never negative).
double draw_us(const latency_dist& d, rng& r) noexcept;

}  // namespace execbench::workloads
