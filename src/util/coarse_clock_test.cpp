// The coarse clock is the steady clock as of a recent tick (never ahead of it), and its
// deadlines carry the slack.
#include "util/coarse_clock.h"

#include <gtest/gtest.h>

namespace apigw::util {
namespace {

TEST(CoarseClock, IsTheSteadyClockNeverAheadAndNotFarBehind) {
  for (int i = 0; i < 10000; ++i) {
    const auto before = std::chrono::steady_clock::now();
    const auto coarse = coarse_now();
    const auto after = std::chrono::steady_clock::now();
    ASSERT_LE(coarse, after) << "never ahead of the precise clock";
    // Ticks come every few milliseconds; a second apart would be another clock (a realtime or
    // boot-time one), not a late tick.
    ASSERT_LT(before - coarse, std::chrono::seconds(1));
  }
}

TEST(CoarseClock, SlackIsTwoTicksAndDeadlinesCarryIt) {
  timespec resolution{};
  clock_getres(CLOCK_MONOTONIC_COARSE, &resolution);
  EXPECT_EQ(coarse_slack(), 2 * std::chrono::nanoseconds(resolution.tv_nsec));
  EXPECT_GT(coarse_slack(), std::chrono::nanoseconds(0));
  const auto now = coarse_now();
  const auto deadline = coarse_deadline(std::chrono::milliseconds(5));
  EXPECT_GE(deadline, now + coarse_slack() + std::chrono::milliseconds(5));
  EXPECT_LT(deadline,
            now + coarse_slack() + std::chrono::milliseconds(5) + std::chrono::seconds(1));
}

}  // namespace
}  // namespace apigw::util
