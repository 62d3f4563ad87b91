#include "util/log_limiter.h"

#include <gtest/gtest.h>

namespace apigw::util {
namespace {

TEST(LogLimiter, WritesNPerSecondAndCountsTheRestIntoTheNextLine) {
  LogLimiter limiter(3);
  std::uint64_t held = 99;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(limiter.allow(100, held));
    EXPECT_EQ(held, 0u);
  }
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limiter.allow(100, held));
  EXPECT_TRUE(limiter.allow(101, held)) << "a new second";
  EXPECT_EQ(held, 5u);
  EXPECT_TRUE(limiter.allow(101, held));
  EXPECT_EQ(held, 0u) << "reported once";
}

}  // namespace
}  // namespace apigw::util
