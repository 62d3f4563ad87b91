// What a route does after a try that produced nothing to relay: fail over to another target,
// retry (within the budget, after a backoff wait), or give up. I/O-free, so every rule of
// docs/resilience.md is a unit test (retry_policy_test.cpp); ProxyExchange gathers the facts and
// acts on the answer.
#pragma once

#include <chrono>
#include <cstdint>

#include "config/schema.h"
#include "proxy/upstream_outcome.h"

namespace apigw::proxy {

enum class AfterTry : std::uint8_t {
  give_up,            // relay what the try produced (a response, or its 502/504)
  fail_over,          // no byte reached the upstream: another target at once, outside the budget
  retry,              // a retry: holds a budget slot, waits the backoff first
  refused_by_budget,  // a retry the conditions allow but the budget does not
};

// What ProxyExchange knows about the request and the try that just ended.
struct TryFacts {
  UpstreamOutcome outcome = UpstreamOutcome::ok;
  int status = 0;                    // the response's status, when outcome is ok
  std::uint32_t attempt = 1;         // tries made so far that count against `attempts`
  std::uint32_t failovers = 0;       // failovers made so far
  std::size_t targets = 1;           // targets of the upstream, backups included
  bool untried_target = false;       // a target of the upstream this request has not tried
  bool method_may_retry = false;     // idempotent, or the route allows non_idempotent
  bool body_replayable = false;      // the whole request body is still in apigw's buffer
  bool body_untouched = false;       // nothing of the body was streamed: it can still be sent
  bool stopping = false;             // the client left or the gateway is shutting down
  std::int64_t upstream_active = 0;  // requests being proxied to the upstream, all workers
  std::int64_t retries_active = 0;   // of those, on a retry (the budget's count)
};

// A try failed before any byte of the request could reach the upstream (connection refused,
// unreachable, or not established in time): the upstream cannot have acted on it.
bool nothing_reached_upstream(UpstreamOutcome outcome);

AfterTry decide_after_try(const config::RetryConfig& retry, const TryFacts& facts);

// The budget's limit: retries in progress on the upstream stay below
// max(budget.min, active × budget.percent / 100).
bool budget_has_room(const config::RetryConfig& retry, std::int64_t upstream_active,
                     std::int64_t retries_active);

// The wait before retry number `retry_number` (1 for the first retry): full jitter, a value in
// [0, min(max, base × 2^(n−1))] chosen by `random`.
std::chrono::milliseconds backoff_wait(const config::RetryConfig& retry, std::uint32_t retry_number,
                                       std::uint64_t random);

}  // namespace apigw::proxy
