// What a route does after a try that produced nothing to relay: fail over to another target,
// retry (within the budget, after a backoff wait), or give up. I/O-free, so every rule of
// docs/resilience.md is a unit test (retry_policy_test.cpp); ProxyExchange gathers the facts and
// acts on the answer.
#pragma once

#include <chrono>
#include <cstdint>

#include "config/schema.h"
#include "proxy/target_state.h"
#include "proxy/upstream_outcome.h"

namespace apigw::proxy {

enum class AfterTry : std::uint8_t {
  give_up,    // relay what the try produced (a response, or its 502/504)
  fail_over,  // no byte reached the upstream: another target at once, outside the budget
  retry,      // the conditions allow a retry; the budget (budget_has_room) decides
};

// Requests and retries of an upstream over the retry budget's window (RetryBudgetWindow::kSlices
// seconds, all workers).
struct BudgetTotals {
  std::uint64_t requests = 0;
  std::uint64_t retries = 0;
};

// What ProxyExchange knows about the request and the try that just ended.
struct TryFacts {
  UpstreamOutcome outcome = UpstreamOutcome::ok;
  int status = 0;                 // the response's status, when outcome is ok
  std::uint32_t attempt = 1;      // tries made so far that count against `attempts`
  std::uint32_t failovers = 0;    // failovers made so far
  std::size_t targets = 1;        // targets of the upstream, backups included
  bool untried_target = false;    // a target of the upstream this request has not tried
  bool method_may_retry = false;  // idempotent, or the route allows non_idempotent
  bool body_replayable = false;   // the whole request body is still in apigw's buffer
  bool body_untouched = false;    // nothing of the body was streamed: it can still be sent
  bool stopping = false;          // the client left or the gateway is shutting down
};

// A try failed before any byte of the request could reach the upstream (connection refused,
// unreachable, not established in time, or its TLS handshake failed): the upstream cannot have
// acted on it.
bool nothing_reached_upstream(UpstreamOutcome outcome);

// The conditions only: a `retry` answer still needs budget_has_room (read only then, so that a
// try that succeeded costs no look at the budget).
AfterTry decide_after_try(const config::RetryConfig& retry, const TryFacts& facts);

// The budget (as Finagle's and Linkerd's): over the last RetryBudgetWindow::kSlices seconds,
// retries stay below budget.percent % of the upstream's requests plus budget.min per second. A
// rate, not a count of retries in progress: a burst of failures at one instant (a target dying
// with requests in flight) is retried, a sustained share of failing requests is not.
bool budget_has_room(const config::RetryConfig& retry, BudgetTotals totals);

// The window's totals at `now_ns` (steady clock), and the counting of one request (each request
// once, at its first try) or one retry. Relaxed atomics: a count may land in a neighbouring
// second when slices turn over, which a budget can afford and a lock on the hot path cannot.
BudgetTotals budget_totals(const RetryBudgetWindow& window, std::int64_t now_ns);
void budget_count_request(RetryBudgetWindow& window, std::int64_t now_ns);
void budget_count_retry(RetryBudgetWindow& window, std::int64_t now_ns);

// The wait before retry number `retry_number` (1 for the first retry): full jitter, a value in
// [0, min(max, base × 2^(n−1))] chosen by `random`.
std::chrono::milliseconds backoff_wait(const config::RetryConfig& retry, std::uint32_t retry_number,
                                       std::uint64_t random);

}  // namespace apigw::proxy
