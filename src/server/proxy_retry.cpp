// ProxyExchange, retries: which failed attempts are tried again, the retry budget, the backoff
// wait, and buffering a request body so that it can be sent again. docs/resilience.md.
#include <boost/asio/steady_timer.hpp>

#include <algorithm>

#include "proxy/balancers/balancer.h"
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

awaitable<bool> ProxyExchange::retry_after(UpstreamOutcome outcome, std::uint32_t attempt,
                                           proxy::CountGuard& retrying) {
  retrying.release();
  const config::RetryConfig& retry = route_.config->retry;
  if (attempt >= retry.attempts || session_.aborted() || !method_may_retry()) co_return false;
  // The body must still be whole in our buffer (nothing of it streamed and consumed) — unless no
  // connection was made: then no byte of the request has left, the part of a streaming body we
  // hold is untouched and the rest is still in the client's socket.
  const bool nothing_sent =
      outcome == UpstreamOutcome::connect_failed || outcome == UpstreamOutcome::connect_timeout;
  if (request_body_sent_ || (!body_complete_in_buffer_ && !nothing_sent)) co_return false;
  bool condition = false;
  switch (proxy::describe(outcome).retry_on) {
    case proxy::RetryOn::status:
      condition = std::find(retry.on_statuses.begin(), retry.on_statuses.end(), response_.status) !=
                  retry.on_statuses.end();
      break;
    case proxy::RetryOn::connect_failure:
      condition = retry.on_connect_failure;
      break;
    case proxy::RetryOn::timeout:
      condition = retry.on_timeout;
      break;
    case proxy::RetryOn::reset:
      condition = retry.on_reset;
      break;
    case proxy::RetryOn::never:  // the client's side failed, or no target: nothing to retry
      break;
  }
  if (!condition) co_return false;

  // The budget: retries under way on this upstream (all workers) stay within budget_percent of
  // its active requests, or budget_min, whichever is more — so an outage does not turn every
  // request into `attempts` requests.
  proxy::UpstreamState& state = *cluster_.state;
  const std::int64_t active = state.active.load(std::memory_order_relaxed);
  const std::int64_t allowed = std::max<std::int64_t>(
      retry.budget_min, active * static_cast<std::int64_t>(retry.budget_percent) / 100);
  if (state.retries_active.load(std::memory_order_relaxed) >= allowed) {
    serving_.count(observe::Family::retries, cluster_index_, observe::RetryResult::budget_exhausted)
        .add();
    co_return false;
  }
  retrying.reset(&state.retries_active);
  serving_.count(observe::Family::retries, cluster_index_, observe::RetryResult::retried).add();

  // Whatever this attempt left (a response we will not relay, a broken connection) is dropped.
  connection_.reset();
  response_.clear();

  // Exponential backoff with full jitter: a random wait in [0, min(max, base * 2^(attempt-1))].
  const auto ceiling = std::min<std::int64_t>(retry.backoff_max.count(),
                                              retry.backoff_base.count()
                                                  << std::min<std::uint32_t>(attempt - 1, 20));
  const std::uint64_t random =
      proxy::hash_key(context_.request_id) ^ (0x9e3779b97f4a7c15ull * attempt);
  const auto wait = std::chrono::milliseconds(
      ceiling > 0 ? static_cast<std::int64_t>(random % static_cast<std::uint64_t>(ceiling + 1))
                  : 0);
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
  session_.expect(Phase::client_body,
                  session_.worker().current()->snapshot->config.server.timeouts.body_read);
  if (head.expect_continue && input.empty()) {
    // The client waits for our go-ahead before it sends the body we want to keep.
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    auto [ec, n] =
        co_await net::async_write(session_.socket(), net::buffer(kContinue), use_nothrow);
    if (ec) co_return UpstreamOutcome::client_gone;
  }
  while (input.size() < whole) {
    auto [ec, n] = co_await session_.socket().async_read_some(
        net::buffer(input.write_position(), std::min(input.writable(), whole - input.size())),
        use_nothrow);
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
