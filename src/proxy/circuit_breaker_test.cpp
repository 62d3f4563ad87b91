// The circuit breaker state machine without I/O: opening on a failure rate, a slow-call rate and
// consecutive failures; staying closed below minimum_calls; half-open trial calls; reopening.
#include "proxy/circuit_breaker.h"

#include <gtest/gtest.h>

namespace apigw::proxy {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
constexpr std::int64_t kMs = 1'000'000;

config::CircuitBreakerConfig breaker() {
  config::CircuitBreakerConfig config;
  config.enabled = true;
  config.failure_rate = 50;
  config.window = milliseconds(1000);
  config.minimum_calls = 4;
  config.open_duration = milliseconds(500);
  config.half_open_calls = 2;
  return config;
}

std::optional<BreakerState> call(const config::CircuitBreakerConfig& config, BreakerCell& state,
                                 bool failed, std::int64_t now,
                                 milliseconds took = milliseconds(1)) {
  return breaker_record(config, state, failed, nanoseconds(took), now);
}

TEST(CircuitBreaker, OpensOnTheFailureRateOnlyAfterMinimumCalls) {
  const auto config = breaker();
  BreakerCell state;
  EXPECT_EQ(call(config, state, true, 0), std::nullopt);
  EXPECT_EQ(call(config, state, true, 1 * kMs), std::nullopt);
  EXPECT_EQ(call(config, state, false, 2 * kMs), std::nullopt) << "3 calls < minimum_calls";
  EXPECT_EQ(call(config, state, false, 3 * kMs), BreakerState::open) << "2 of 4 failed: 50%";
  EXPECT_FALSE(breaker_admits(config, state, 4 * kMs));
}

TEST(CircuitBreaker, OldCallsLeaveTheWindow) {
  const auto config = breaker();
  BreakerCell state;
  call(config, state, true, 0);
  call(config, state, true, 10 * kMs);
  // A second later those failures are out of the window: 1 failure in 4 is 25%.
  call(config, state, false, 1100 * kMs);
  call(config, state, false, 1110 * kMs);
  call(config, state, false, 1120 * kMs);
  EXPECT_EQ(call(config, state, true, 1130 * kMs), std::nullopt);
  EXPECT_EQ(state.state.load(), BreakerState::closed);
}

TEST(CircuitBreaker, OpensOnSlowCallsAndOnConsecutiveFailures) {
  auto slow = breaker();
  slow.failure_rate = 0;
  slow.slow_call_rate = 75;
  slow.slow_call_duration = milliseconds(100);
  BreakerCell state;
  call(slow, state, false, 0, milliseconds(150));
  call(slow, state, false, 1, milliseconds(150));
  call(slow, state, false, 2, milliseconds(10));
  EXPECT_EQ(call(slow, state, false, 3, milliseconds(150)), BreakerState::open) << "3 of 4 slow";

  auto consecutive = breaker();
  consecutive.failure_rate = 0;
  consecutive.consecutive_failures = 3;
  BreakerCell other;
  call(consecutive, other, true, 0);
  call(consecutive, other, true, 1);
  EXPECT_EQ(call(consecutive, other, true, 2), BreakerState::open);
}

TEST(CircuitBreaker, HalfOpenTrialsCloseItOrReopenIt) {
  const auto config = breaker();
  BreakerCell state;
  for (int i = 0; i < 4; ++i) call(config, state, true, i);
  ASSERT_EQ(state.state.load(), BreakerState::open);
  EXPECT_FALSE(breaker_admits(config, state, 499 * kMs));
  // After open_duration: half-open, two trial calls and no more.
  EXPECT_TRUE(breaker_admits(config, state, 600 * kMs));
  EXPECT_EQ(state.state.load(), BreakerState::half_open);
  breaker_on_pick(state);
  EXPECT_TRUE(breaker_admits(config, state, 600 * kMs));
  breaker_on_pick(state);
  EXPECT_FALSE(breaker_admits(config, state, 600 * kMs)) << "only half_open_calls trials";
  EXPECT_EQ(call(config, state, false, 601 * kMs), std::nullopt);
  EXPECT_EQ(call(config, state, false, 602 * kMs), BreakerState::closed);
  EXPECT_TRUE(breaker_admits(config, state, 603 * kMs));

  // Open again; this time a trial fails: open for another open_duration.
  for (int i = 0; i < 4; ++i) call(config, state, true, (700 + i) * kMs);
  ASSERT_EQ(state.state.load(), BreakerState::open);
  ASSERT_TRUE(breaker_admits(config, state, 1300 * kMs));
  breaker_on_pick(state);
  EXPECT_EQ(call(config, state, true, 1301 * kMs), BreakerState::open);
  EXPECT_FALSE(breaker_admits(config, state, 1700 * kMs));
  EXPECT_TRUE(breaker_admits(config, state, 1802 * kMs));
}

TEST(CircuitBreaker, DisabledAdmitsEverything) {
  auto config = breaker();
  config.enabled = false;
  BreakerCell state;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(call(config, state, true, i), std::nullopt);
  EXPECT_TRUE(breaker_admits(config, state, 10));
}

}  // namespace
}  // namespace apigw::proxy
