#include "util/request_id.h"

#include <array>
#include <cstdint>

#include "util/fast_random.h"

namespace apigw::util {
namespace {

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
  // splitmix64 is good enough for ids: they need uniqueness, not secrecy.
  thread_local FastRandom generator = FastRandom::seeded();
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
