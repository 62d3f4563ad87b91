#include "util/hex.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace apigw::util {
namespace {

TEST(Hex, AnyLengthMatchesPrintf) {
  std::vector<std::uint8_t> bytes(40);
  std::uint32_t seed = 12345;
  for (int round = 0; round < 50; ++round) {
    for (auto& byte : bytes) byte = static_cast<std::uint8_t>((seed = seed * 1103515245 + 12345) >> 16);
    for (std::size_t size = 0; size <= bytes.size(); ++size) {
      std::string expected;
      for (std::size_t i = 0; i < size; ++i) {
        char pair[3];
        std::snprintf(pair, sizeof pair, "%02x", bytes[i]);
        expected += pair;
      }
      std::string got(2 * size, '?');
      write_hex(bytes.data(), size, got.data());
      ASSERT_EQ(got, expected) << size;
    }
  }
}

}  // namespace
}  // namespace apigw::util
