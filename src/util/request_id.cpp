#include "util/request_id.h"

#include <cstdint>
#include <random>

namespace apigw::util {
namespace {

// splitmix64: tiny, fast, and good enough for ids (they need uniqueness, not secrecy).
struct IdGenerator {
  std::uint64_t state;
  IdGenerator() {
    std::random_device device;
    state = (std::uint64_t{device()} << 32) ^ device();
  }
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
};

}  // namespace

void make_request_id(RequestIdText& out) {
  thread_local IdGenerator generator;
  static constexpr char kHex[] = "0123456789abcdef";
  for (int half = 0; half < 2; ++half) {
    std::uint64_t bits = generator.next();
    for (int i = 0; i < 16; ++i) {
      out[half * 16 + i] = kHex[bits & 0xf];
      bits >>= 4;
    }
  }
}

}  // namespace apigw::util
