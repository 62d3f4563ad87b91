#include "util/request_id.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace apigw::util {
namespace {

TEST(RequestId, IsTheHexOfItsBitsAndUnique) {
  FastRandom random = FastRandom::seeded();
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    RequestIdText id;
    RequestIdBits bits;
    make_request_id(id, bits, random);
    const std::string text(id.data(), id.size());
    EXPECT_EQ(text.find_first_not_of("0123456789abcdef"), std::string::npos) << text;
    std::string expected(32, '?');
    for (std::size_t b = 0; b < bits.size(); ++b) {
      expected[2 * b] = "0123456789abcdef"[bits[b] >> 4];
      expected[2 * b + 1] = "0123456789abcdef"[bits[b] & 0xf];
    }
    EXPECT_EQ(text, expected);
    seen.insert(text);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace apigw::util
