// splitmix64: a 64-bit random number in a few nanoseconds, with no lock when each thread or worker
// owns its generator. For spreading load and making ids, never for secrets.
#pragma once

#include <cstdint>
#include <random>

namespace apigw::util {

class FastRandom {
 public:
  explicit FastRandom(std::uint64_t seed) : state_(seed) {}
  // Seeded from std::random_device, so two generators (workers, threads) do not move in step.
  static FastRandom seeded() {
    std::random_device device;
    return FastRandom((std::uint64_t{device()} << 32) ^ device());
  }

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

}  // namespace apigw::util
