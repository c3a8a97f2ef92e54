#include "execbench/workloads/random.hpp"

#include <cmath>
#include <numbers>

namespace execbench::workloads {

namespace {
constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
  return (x << k) | (x >> (64 - k));
}
}  // namespace

rng::rng(std::uint64_t seed) noexcept {
  std::uint64_t x = seed;
  for (auto& s : s_) {
    x += 0x9e3779b97f4a7c15ULL;
    s = mix64(x);
  }
}

std::uint64_t rng::next() noexcept {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double rng::uniform() noexcept {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

std::uint64_t rng::below(std::uint64_t n) noexcept {
  // Lemire's multiply-shift; the tiny bias is irrelevant for offsets and seeds.
  __extension__ using u128 = unsigned __int128;
  return static_cast<std::uint64_t>((static_cast<u128>(next()) * n) >> 64);
}

double rng::normal() noexcept {
  const double u1 = 1.0 - uniform();  // (0, 1]: log is finite
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

double draw_us(const latency_dist& d, rng& r) noexcept {
  switch (d.kind) {
    case dist_kind::fixed:
      return d.us;
    case dist_kind::uniform:
      return d.min_us + (d.max_us - d.min_us) * r.uniform();
    case dist_kind::exponential:
      return -d.mean_us * std::log(1.0 - r.uniform());
    case dist_kind::lognormal: {
      // E[exp(mu + sigma Z)] = exp(mu + sigma^2 / 2): choose mu so that the mean is mean_us.
      const double mu = std::log(d.mean_us) - d.sigma * d.sigma / 2;
      return std::exp(mu + d.sigma * r.normal());
    }
  }
  return 0;
}

}  // namespace execbench::workloads
