// ProxyExchange, retries: acting on the retry policy (proxy/retry_policy.h) — failover, the retry
// budget, the backoff wait — and buffering a request body so that it can be sent again.
// docs/resilience.md.
#include <boost/asio/steady_timer.hpp>

#include <algorithm>

#include "proxy/balancers/balancer.h"
#include "proxy/outlier.h"
#include "proxy/retry_policy.h"
#include "server/proxy_exchange.h"
#include "server/worker.h"

namespace apigw::server {
namespace {

// RFC 9110 §9.2.2: a request with one of these methods can be repeated without a different
// effect on the server.
bool is_idempotent(http::Method method) {
  switch (method) {
    case http::Method::get:
    case http::Method::head:
    case http::Method::put:
    case http::Method::del:
    case http::Method::options:
    case http::Method::trace:
      return true;
    default:
      return false;
  }
}

}  // namespace

bool ProxyExchange::method_may_retry() const {
  return route_.config->retry.non_idempotent || is_idempotent(session_.scratch().head.method);
}

proxy::AfterTry ProxyExchange::after_try(UpstreamOutcome outcome, TryCounts& counts,
                                         std::span<const std::uint8_t> tried) {
  const config::RetryConfig& retry = route_.config->retry;
  proxy::TryFacts facts;
  facts.outcome = outcome;
  facts.status = response_.status;
  facts.attempt = counts.attempt;
  facts.failovers = counts.failovers;
  facts.targets = tried.size();
  facts.untried_target = std::find(tried.begin(), tried.end(), 0) != tried.end();
  facts.method_may_retry = method_may_retry();
  // The body must still be whole in our buffer (nothing of it streamed and consumed) to be sent
  // again; a failover only needs nothing of it consumed yet (the rest still waits in the socket).
  facts.body_replayable = body_complete_in_buffer_ && !request_body_sent_;
  facts.body_untouched = !request_body_sent_;
  facts.stopping = session_.aborted() || session_.worker().draining();
  const proxy::AfterTry next = proxy::decide_after_try(retry, facts);
  if (next == proxy::AfterTry::fail_over) {
    ++counts.failovers;
    serving_.count(observe::Family::retries, cluster_index_, observe::RetryResult::failover).add();
    connection_.reset();
  }
  return next;
}

awaitable<bool> ProxyExchange::retry_after_backoff(TryCounts& counts) {
  const config::RetryConfig& retry = route_.config->retry;
  proxy::UpstreamState& state = *cluster_.state;
  const std::int64_t now = proxy::steady_now_ns();
  if (!proxy::budget_has_room(retry, proxy::budget_totals(state.retry_budget, now))) {
    serving_.count(observe::Family::retries, cluster_index_, observe::RetryResult::budget_exhausted)
        .add();
    co_return false;
  }
  proxy::budget_count_retry(state.retry_budget, now);
  serving_.count(observe::Family::retries, cluster_index_, observe::RetryResult::retried).add();
  // Whatever this attempt left (a response we will not relay, a broken connection) is dropped.
  connection_.reset();
  response_.clear();

  const std::uint64_t random =
      proxy::hash_key(context_.request_id) ^ (0x9e3779b97f4a7c15ull * counts.attempt);
  const auto wait = proxy::backoff_wait(retry, counts.attempt, random);
  ++counts.attempt;
  if (wait.count() > 0) {
    steady_timer timer(session_.worker().context());
    timer.expires_after(wait);
    co_await timer.async_wait(use_nothrow);
  }
  co_return !session_.aborted() && !session_.worker().draining();
}

awaitable<UpstreamOutcome> ProxyExchange::buffer_body_for_replay() {
  keep_head();
  const http::RequestHead& head = session_.scratch().head;
  ByteBuffer& input = session_.input();
  const std::size_t whole = static_cast<std::size_t>(head.content_length);
  if (input.capacity() < whole) input.grow(whole);
  input.compact();
  session_.expect_body();
  if (head.expect_continue && input.empty()) {
    // The client waits for our go-ahead before it sends the body we want to keep.
    const error_code ec = co_await session_.send_continue();
    if (ec) co_return UpstreamOutcome::client_gone;
  }
  while (input.size() < whole) {
    session_.expect_body();
    auto [ec, n] = co_await session_.read_body(
        net::buffer(input.write_position(), std::min(input.writable(), whole - input.size())));
    if (ec) {
      co_return session_.timed_out() ? UpstreamOutcome::client_timeout
                                     : UpstreamOutcome::client_gone;
    }
    context_.bytes_in += n;
    input.commit(n);
  }
  session_.clear_deadline();
  buffered_body_ = whole;
  body_complete_in_buffer_ = true;
  co_return UpstreamOutcome::ok;
}

}  // namespace apigw::server
