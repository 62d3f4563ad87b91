// The retry policy on its own (no I/O): failover outside attempts and the budget, the conditions
// of a retry, the budget at realistic settings, and the backoff's full-jitter bounds.
#include "proxy/retry_policy.h"

#include <gtest/gtest.h>

#include <set>

namespace apigw::proxy {
namespace {

using std::chrono::milliseconds;

// A GET on a 3-target upstream whose first try just failed to connect.
TryFacts refused_get() {
  TryFacts facts;
  facts.outcome = UpstreamOutcome::connect_failed;
  facts.targets = 3;
  facts.untried_target = true;
  facts.method_may_retry = true;
  facts.body_replayable = true;
  facts.body_untouched = true;
  return facts;
}

TEST(RetryPolicy, AConnectFailureFailsOverWithNoRetryConfigured) {
  const config::RetryConfig defaults;  // attempts = 1
  EXPECT_EQ(decide_after_try(defaults, refused_get()), AfterTry::fail_over);
  TryFacts timed_out = refused_get();
  timed_out.outcome = UpstreamOutcome::connect_timeout;
  EXPECT_EQ(decide_after_try(defaults, timed_out), AfterTry::fail_over);
}

TEST(RetryPolicy, FailoverIgnoresTheMethodAndTheBudget) {
  config::RetryConfig retry;
  retry.budget_percent = 0;
  retry.budget_min = 0;
  TryFacts post = refused_get();
  post.method_may_retry = false;  // a POST: the upstream never saw it, so it is safe to move
  post.body_replayable = false;   // its body streams: nothing of it was consumed yet
  EXPECT_EQ(decide_after_try(retry, post), AfterTry::fail_over);
}

TEST(RetryPolicy, FailoverStopsWhenEveryTargetWasTriedOrTheBodyStreamed) {
  const config::RetryConfig defaults;
  TryFacts all_tried = refused_get();
  all_tried.untried_target = false;
  EXPECT_EQ(decide_after_try(defaults, all_tried), AfterTry::give_up);
  TryFacts bounded = refused_get();
  bounded.failovers = 2;  // two failovers on three targets: each target had its try
  EXPECT_EQ(decide_after_try(defaults, bounded), AfterTry::give_up);
  TryFacts streamed = refused_get();
  streamed.body_untouched = false;
  EXPECT_EQ(decide_after_try(defaults, streamed), AfterTry::give_up);
  config::RetryConfig off;
  off.failover = false;
  EXPECT_EQ(decide_after_try(off, refused_get()), AfterTry::give_up);
}

TEST(RetryPolicy, OnlyConnectFailuresFailOver) {
  const config::RetryConfig defaults;
  for (const auto outcome : {UpstreamOutcome::reset, UpstreamOutcome::response_timeout,
                             UpstreamOutcome::invalid_response}) {
    TryFacts facts = refused_get();
    facts.outcome = outcome;
    EXPECT_EQ(decide_after_try(defaults, facts), AfterTry::give_up)
        << "the upstream may have acted on the request";
  }
}

TEST(RetryPolicy, WhenFailoverIsOverTheRetryRulesApply) {
  config::RetryConfig retry;
  retry.attempts = 2;
  retry.failover = false;
  EXPECT_EQ(decide_after_try(retry, refused_get()), AfterTry::retry);
  retry.on_connect_failure = false;
  EXPECT_EQ(decide_after_try(retry, refused_get()), AfterTry::give_up);
}

TEST(RetryPolicy, ARetryNeedsAttemptsLeftAnIdempotentMethodAndAWholeBody) {
  config::RetryConfig retry;
  retry.attempts = 3;
  TryFacts reset = refused_get();
  reset.outcome = UpstreamOutcome::reset;
  EXPECT_EQ(decide_after_try(retry, reset), AfterTry::retry);
  TryFacts last = reset;
  last.attempt = 3;
  EXPECT_EQ(decide_after_try(retry, last), AfterTry::give_up);
  TryFacts post = reset;
  post.method_may_retry = false;
  EXPECT_EQ(decide_after_try(retry, post), AfterTry::give_up);
  TryFacts streamed = reset;
  streamed.body_replayable = false;
  EXPECT_EQ(decide_after_try(retry, streamed), AfterTry::give_up);
  // A streaming body whose connection failed is still whole (nothing of it left): retried.
  config::RetryConfig no_failover = retry;
  no_failover.failover = false;
  TryFacts refused_stream = refused_get();
  refused_stream.body_replayable = false;
  EXPECT_EQ(decide_after_try(no_failover, refused_stream), AfterTry::retry);
  TryFacts leaving = reset;
  leaving.stopping = true;
  EXPECT_EQ(decide_after_try(retry, leaving), AfterTry::give_up);
}

TEST(RetryPolicy, StatusesAndTimeoutsAreRetriedOnlyWhenListed) {
  config::RetryConfig retry;
  retry.attempts = 2;
  TryFacts answered = refused_get();
  answered.outcome = UpstreamOutcome::ok;
  answered.status = 503;
  EXPECT_EQ(decide_after_try(retry, answered), AfterTry::retry);
  answered.status = 500;  // not in the default list (502, 503, 504)
  EXPECT_EQ(decide_after_try(retry, answered), AfterTry::give_up);
  TryFacts slow = refused_get();
  slow.outcome = UpstreamOutcome::response_timeout;
  EXPECT_EQ(decide_after_try(retry, slow), AfterTry::give_up) << "timeout is off by default";
  retry.on_timeout = true;
  EXPECT_EQ(decide_after_try(retry, slow), AfterTry::retry);
  TryFacts client = refused_get();
  client.outcome = UpstreamOutcome::client_timeout;
  EXPECT_EQ(decide_after_try(retry, client), AfterTry::give_up);
}

TEST(RetryPolicy, TheDefaultBudgetAllowsTwentyPercentOfRequestsPlusThreePerSecond) {
  const config::RetryConfig retry;  // budget 20%, min 3
  // 1,000 requests in the window allow 200 retries, plus 3 per second of the 10 s window.
  EXPECT_TRUE(budget_has_room(retry, {.requests = 1000, .retries = 229}));
  EXPECT_FALSE(budget_has_room(retry, {.requests = 1000, .retries = 230}));
  // A quiet upstream still gets `min` retries per second.
  EXPECT_TRUE(budget_has_room(retry, {.requests = 0, .retries = 29}));
  EXPECT_FALSE(budget_has_room(retry, {.requests = 0, .retries = 30}));
}

TEST(RetryPolicy, BudgetArithmetic) {
  config::RetryConfig retry;
  retry.budget_percent = 50;
  retry.budget_min = 0;
  EXPECT_TRUE(budget_has_room(retry, {.requests = 10, .retries = 4}));
  EXPECT_FALSE(budget_has_room(retry, {.requests = 10, .retries = 5}));
  EXPECT_FALSE(budget_has_room(retry, {.requests = 1, .retries = 0})) << "half of one rounds down";
  retry.budget_percent = 0;
  EXPECT_FALSE(budget_has_room(retry, {.requests = 1'000'000, .retries = 0}));
}

TEST(RetryBudgetWindow, CountsTheLastTenSecondsAndForgetsOlderOnes) {
  constexpr std::int64_t kSecond = 1'000'000'000;
  RetryBudgetWindow window;
  const std::int64_t start = 1'000 * kSecond;
  for (int i = 0; i < 5; ++i) budget_count_request(window, start);
  budget_count_retry(window, start + kSecond / 2);
  budget_count_request(window, start + 9 * kSecond);
  BudgetTotals totals = budget_totals(window, start + 9 * kSecond);
  EXPECT_EQ(totals.requests, 6u);
  EXPECT_EQ(totals.retries, 1u);
  // Ten seconds on, the first second has left the window.
  totals = budget_totals(window, start + 10 * kSecond);
  EXPECT_EQ(totals.requests, 1u);
  EXPECT_EQ(totals.retries, 0u);
  // Its slice is reused for the new second, starting from zero.
  budget_count_request(window, start + 10 * kSecond);
  EXPECT_EQ(budget_totals(window, start + 10 * kSecond).requests, 2u);
}

TEST(RetryPolicy, BackoffIsFullJitterUnderADoublingCeiling) {
  config::RetryConfig retry;
  retry.backoff_base = milliseconds(25);
  retry.backoff_max = milliseconds(250);
  // The random value modulo ceiling + 1: the largest wait each retry can draw.
  const std::uint64_t top = ~std::uint64_t{0};
  EXPECT_EQ(backoff_wait(retry, 1, 25), milliseconds(25));
  EXPECT_EQ(backoff_wait(retry, 1, 26), milliseconds(0));
  EXPECT_EQ(backoff_wait(retry, 2, 50), milliseconds(50));
  EXPECT_EQ(backoff_wait(retry, 3, 100), milliseconds(100));
  EXPECT_EQ(backoff_wait(retry, 5, 250), milliseconds(250)) << "capped at max";
  EXPECT_EQ(backoff_wait(retry, 40, 250), milliseconds(250)) << "no overflow for late retries";
  for (std::uint32_t n = 1; n < 8; ++n) {
    EXPECT_LE(backoff_wait(retry, n, top), milliseconds(250));
  }
  // Different random values spread the waits (no two retries of a burst wait alike).
  std::set<std::int64_t> waits;
  for (std::uint64_t r = 0; r < 100; ++r) waits.insert(backoff_wait(retry, 3, r * 7919).count());
  EXPECT_GT(waits.size(), 50u);
}

}  // namespace
}  // namespace apigw::proxy
