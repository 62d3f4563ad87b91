#include "util/request_id.h"

#include <array>
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

// Two hex digits per byte value, so an id is 16 table loads rather than 32 digit computations.
constexpr std::array<char, 512> make_hex_pairs() {
  constexpr char kHex[] = "0123456789abcdef";
  std::array<char, 512> pairs{};
  for (int byte = 0; byte < 256; ++byte) {
    pairs[2 * byte] = kHex[byte >> 4];
    pairs[2 * byte + 1] = kHex[byte & 0xf];
  }
  return pairs;
}
constexpr std::array<char, 512> kHexPairs = make_hex_pairs();

}  // namespace

void make_request_id(RequestIdText& out) {
  thread_local IdGenerator generator;
  for (int half = 0; half < 2; ++half) {
    std::uint64_t bits = generator.next();
    for (int i = 0; i < 8; ++i) {
      const std::size_t byte = bits & 0xff;
      out[half * 16 + 2 * i] = kHexPairs[2 * byte];
      out[half * 16 + 2 * i + 1] = kHexPairs[2 * byte + 1];
      bits >>= 8;
    }
  }
}

}  // namespace apigw::util
