#include "proxy/retry_policy.h"

#include <algorithm>

namespace apigw::proxy {

bool nothing_reached_upstream(UpstreamOutcome outcome) {
  return outcome == UpstreamOutcome::connect_failed ||
         outcome == UpstreamOutcome::connect_timeout || outcome == UpstreamOutcome::tls_failed;
}

AfterTry decide_after_try(const config::RetryConfig& retry, const TryFacts& facts) {
  if (facts.stopping) return AfterTry::give_up;
  // Failover first: the upstream never saw the request, so sending it elsewhere is safe for any
  // method and costs the upstream nothing — which is why it spends neither `attempts` nor the
  // budget. Each failover has to be able to reach a new target; the count bounds it even when the
  // balancer can only offer tried ones.
  if (retry.failover && nothing_reached_upstream(facts.outcome) && facts.body_untouched &&
      facts.untried_target && facts.failovers + 1 < facts.targets) {
    return AfterTry::fail_over;
  }
  // A body is sent again from apigw's buffer; a body nothing of which left yet (no connection)
  // is still whole between the buffer and the client's socket, however large.
  const bool body_sendable =
      facts.body_replayable || (nothing_reached_upstream(facts.outcome) && facts.body_untouched);
  if (facts.attempt >= retry.attempts || !facts.method_may_retry || !body_sendable) {
    return AfterTry::give_up;
  }
  bool listed = false;
  switch (describe(facts.outcome).retry_on) {
    case RetryOn::status:
      listed = std::find(retry.on_statuses.begin(), retry.on_statuses.end(), facts.status) !=
               retry.on_statuses.end();
      break;
    case RetryOn::connect_failure:
      listed = retry.on_connect_failure;
      break;
    case RetryOn::timeout:
      listed = retry.on_timeout;
      break;
    case RetryOn::reset:
      listed = retry.on_reset;
      break;
    case RetryOn::never:  // the client's side failed, or no target: nothing to retry
      break;
  }
  if (!listed) return AfterTry::give_up;
  return AfterTry::retry;
}

bool budget_has_room(const config::RetryConfig& retry, BudgetTotals totals) {
  const std::uint64_t allowed = totals.requests * retry.budget_percent / 100 +
                                std::uint64_t{retry.budget_min} * RetryBudgetWindow::kSlices;
  return totals.retries < allowed;
}

namespace {

constexpr std::int64_t kSecondNs = 1'000'000'000;

// The slice of `now_ns`, started afresh if it still holds an older second.
RetryBudgetWindow::Slice& current_slice(RetryBudgetWindow& window, std::int64_t now_ns) {
  const std::int64_t second = now_ns / kSecondNs;
  auto& slice = window.slices[static_cast<std::size_t>(second) % RetryBudgetWindow::kSlices];
  std::int64_t seen = slice.second.load(std::memory_order_relaxed);
  if (seen != second &&
      slice.second.compare_exchange_strong(seen, second, std::memory_order_relaxed)) {
    slice.requests.store(0, std::memory_order_relaxed);
    slice.retries.store(0, std::memory_order_relaxed);
  }
  return slice;
}

}  // namespace

BudgetTotals budget_totals(const RetryBudgetWindow& window, std::int64_t now_ns) {
  const std::int64_t second = now_ns / kSecondNs;
  BudgetTotals totals;
  for (const auto& slice : window.slices) {
    const std::int64_t of = slice.second.load(std::memory_order_relaxed);
    if (of < 0 || second - of >= static_cast<std::int64_t>(RetryBudgetWindow::kSlices)) continue;
    totals.requests += slice.requests.load(std::memory_order_relaxed);
    totals.retries += slice.retries.load(std::memory_order_relaxed);
  }
  return totals;
}

void budget_count_request(RetryBudgetWindow& window, std::int64_t now_ns) {
  current_slice(window, now_ns).requests.fetch_add(1, std::memory_order_relaxed);
}

void budget_count_retry(RetryBudgetWindow& window, std::int64_t now_ns) {
  current_slice(window, now_ns).retries.fetch_add(1, std::memory_order_relaxed);
}

std::chrono::milliseconds backoff_wait(const config::RetryConfig& retry, std::uint32_t retry_number,
                                       std::uint64_t random) {
  const std::uint32_t doublings = std::min<std::uint32_t>(std::max(retry_number, 1u) - 1, 20);
  const std::int64_t ceiling =
      std::min<std::int64_t>(retry.backoff_max.count(), retry.backoff_base.count() << doublings);
  if (ceiling <= 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(random % static_cast<std::uint64_t>(ceiling + 1)));
}

}  // namespace apigw::proxy
