#include "server/proxy_exchange.h"

#include <openssl/err.h>
#include <array>
#include <boost/asio/connect.hpp>
#include <charconv>
#include <tuple>

#include "proxy/circuit_breaker.h"
#include "proxy/head_writer.h"
#include "proxy/outlier.h"
#include "proxy/request_key.h"
#include "proxy/retry_policy.h"
#include "server/proxy_h2_state.h"
#include "server/read_now.h"
#include "server/upstream_connect.h"
#include "server/worker.h"
#include "server/write_all.h"
#include "util/log.h"

namespace apigw::server {
namespace {

// Upstream heads may be larger than what we accept from clients (big cookies, CSP headers).
constexpr http::HeadLimits kUpstreamHeadLimits{64 * 1024, 256, 64 * 1024};

std::uint64_t micros_since(Clock::time_point start) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count());
}

}  // namespace

ProxyExchange::ProxyExchange(RequestStream& session, WorkerSnapshot& serving,
                             const snapshot::CompiledRoute& route, const snapshot::RouteArm& arm,
                             bool is_fallback)
    : session_(session),
      serving_(serving),
      snapshot_(*serving.snapshot),
      route_(route),
      arm_(arm),
      context_(session.request()),
      cluster_index_(arm.cluster_index),
      is_fallback_(is_fallback),
      cluster_(snapshot_.clusters[arm.cluster_index]) {
  response_.headers.swap(session_.scratch().response_headers);
}

ProxyExchange::~ProxyExchange() {
  if (tunnel_slot_) tunnel_slot_->open.fetch_sub(1, std::memory_order_relaxed);
  response_.headers.clear();
  response_.headers.swap(session_.scratch().response_headers);
}

awaitable<bool> ProxyExchange::run() {
  const http::RequestHead& head = session_.scratch().head;
  ByteBuffer& input = session_.input();
  head_start_ = input.readable().data();
  input.consume(head.head_bytes);
  // A WebSocket upgrade (the Connection field names "upgrade": one test of a bit for the others),
  // on an HTTP/1 connection and a route that allows it, to an HTTP/1 upstream. Elsewhere the
  // Upgrade field is hop-by-hop like any other and the request goes on as a plain one.
  if ((head.connection.fields & http::field_bit(http::Field::upgrade)) != 0 &&
      route_.config->websocket.enabled && session_.can_tunnel() && !is_fallback_ &&
      cluster_.config->protocol == config::UpstreamProtocol::http1) {
    if (const ws::Upgrade kind = ws::check_upgrade(head); kind != ws::Upgrade::none) {
      co_return co_await upgrade(kind);
    }
  }

  // What of the body came in with the head? If all of it, the request can be replayed.
  switch (head.framing) {
    case http::BodyFraming::content_length:
      buffered_body_ = std::min<std::uint64_t>(input.size(), head.content_length);
      body_complete_in_buffer_ = buffered_body_ == head.content_length;
      break;
    case http::BodyFraming::chunked: {
      request_chunks_.reset();
      const auto step = request_chunks_.scan(input.readable());
      if (step.error) co_return co_await reply_for(UpstreamOutcome::invalid_body);
      if (request_chunks_.payload_bytes() > route_.max_body_bytes)
        co_return co_await reply_for(UpstreamOutcome::request_too_large);
      buffered_body_ = step.consumed;
      body_complete_in_buffer_ = step.done;
      break;
    }
    case http::BodyFraming::stream_end:
      // An HTTP/2 body of undeclared length, still coming: it goes upstream chunked, from
      // send_request_body() (an HTTP/2 stream whose body had ended declares its length).
      body_complete_in_buffer_ = false;
      break;
    default:
      body_complete_in_buffer_ = true;
  }

  const config::RetryConfig& retry = route_.config->retry;
  attempt_timeout_ = retry.per_try_timeout.value_or(arm_.timeout);
  if (arm_.chain->body_needs().request && head.framing != http::BodyFraming::none) {
    // A filter wants the whole body: read it, let the filters see (and change) it.
    const UpstreamOutcome read = co_await buffer_request_body();
    if (read != UpstreamOutcome::ok) co_return co_await reply_for(read);
    if (arm_.chain->run_request_body_phase(context_) != pipeline::Verdict::next) {
      co_return co_await session_.answer(std::move(*context_.local_reply), head.keep_alive);
    }
  } else if (retry.attempts > 1 && method_may_retry() && !body_complete_in_buffer_ &&
             head.framing == http::BodyFraming::content_length &&
             head.content_length <= retry.replay_limit) {
    // Keep the whole body so that another attempt can send it again.
    const UpstreamOutcome buffered = co_await buffer_body_for_replay();
    if (buffered != UpstreamOutcome::ok) co_return co_await reply_for(buffered);
  }

  if (route_.mirror && !is_fallback_) mirror_request();
  co_return co_await proxy();
}

awaitable<bool> ProxyExchange::proxy() {
  const config::CircuitBreakerConfig& breaker = cluster_.config->circuit_breaker;
  if (breaker.enabled && breaker.max_in_flight > 0 &&
      cluster_.state->active.load(std::memory_order_relaxed) >=
          static_cast<std::int64_t>(breaker.max_in_flight)) {
    // Shed load now rather than queue it behind an upstream that is already at its limit.
    co_return co_await fail(UpstreamOutcome::overloaded);
  }
  if (breaker.enabled && breaker.scope != config::CircuitBreakerConfig::Scope::target) {
    bool half_open = false;
    if (!proxy::breaker_admits(breaker, cluster_.state->breaker, proxy::steady_now_ns(),
                               &half_open)) {
      co_return co_await fail(UpstreamOutcome::circuit_open);
    }
    if (half_open) {
      serving_
          .count(observe::Family::breaker_transitions, cluster_index_,
                 observe::BreakerTransition::upstream_half_open)
          .add();
      util::log_info("upstream '" + cluster_.config->name +
                     "': circuit breaker of the upstream half_open");
    }
    proxy::breaker_on_pick(cluster_.state->breaker);
  }
  const proxy::CountGuard active(&cluster_.state->active);
  const bool h2 = cluster_.config->protocol == config::UpstreamProtocol::h2;
  const std::optional<std::uint64_t> key = balancing_key();
  // The targets this request tried: inline for an upstream of up to 64 (no allocation per
  // request), on the heap past that.
  std::array<std::uint8_t, 64> tried_inline{};
  std::vector<std::uint8_t> tried_spilled;
  std::span<std::uint8_t> tried =
      std::span(tried_inline).first(std::min(cluster_.targets.size(), tried_inline.size()));
  if (cluster_.targets.size() > tried_inline.size()) {
    tried_spilled.assign(cluster_.targets.size(), 0);
    tried = tried_spilled;
  }
  UpstreamOutcome outcome = UpstreamOutcome::ok;
  std::int64_t try_number = 0;
  for (TryCounts counts;;) {
    // Another target than the ones already tried, when there is one.
    const std::size_t target_index = serving_.pick_target(cluster_index_, key, tried);
    if (target_index == proxy::Balancer::npos) co_return co_await fail(UpstreamOutcome::no_target);
    tried[target_index] = 1;
    target_index_ = target_index;
    const proxy::Target& target = cluster_.targets[target_index];
    TargetPool& pool = serving_.pool(cluster_index_, target_index);
    const proxy::CountGuard in_flight(&target.state->in_flight);
    target_address_ = target.address;
    ++try_number;
    context_.upstream_tries = static_cast<std::uint32_t>(try_number);
    observe::SpanId try_span{};
    if (context_.trace.active) try_span = session_.begin_call_span();
    context_.upstream_address = target.address;
    context_.upstream_name = cluster_.config->name;
    context_.target_live = serving_.target_live[cluster_index_][target_index].get();
    bool stale = false;
    // HTTP/1: a pooled connection the upstream had already closed; h2: a stream the target
    // refused (its GOAWAY or stream limit came first). Either way the request never reached the
    // target (and its body is still in our buffer): one more try on a fresh connection is safe.
    // (No co_await inside ?: — GCC 12 miscompiles it: the coroutine resumed a null frame.)
    if (h2) {
      outcome = co_await exchange_h2(pool, target, false, stale);
      if (outcome != UpstreamOutcome::ok && stale && !session_.aborted()) {
        outcome = co_await exchange_h2(pool, target, true, stale);
      }
    } else {
      build_upstream_head(target);
      outcome = co_await exchange(pool, target, false, stale);
      if (outcome != UpstreamOutcome::ok && stale && !session_.aborted()) {
        outcome = co_await exchange(pool, target, true, stale);
      }
    }
    context_.upstream_micros = micros_since(upstream_start_);
    context_.upstream_answered = outcome == UpstreamOutcome::ok;
    session_.watch_upstream(nullptr);
    record_try(target_index, outcome, counts.attempt == 1 && counts.failovers == 0);
    if (context_.trace.sampled) export_try_span(try_span, target, outcome, try_number);
    const proxy::AfterTry next = after_try(outcome, counts, tried);
    if (next == proxy::AfterTry::give_up) break;
    if (next == proxy::AfterTry::retry && !co_await retry_after_backoff(counts)) break;
  }
  if (outcome != UpstreamOutcome::ok) co_return co_await fail(outcome);
  if (h2) co_return co_await relay_h2_response();
  if (tunnel_slot_ && response_.status == 101) co_return co_await start_tunnel();
  const bool keep_alive = co_await relay_response();
  if (connection_ && connection_->buffer.empty() && response_.keep_alive &&
      response_.framing != http::BodyFraming::until_close) {
    TargetPool& pool = *connection_->pool();
    pool.put(std::move(connection_));
  }
  connection_.reset();
  co_return keep_alive;
}

void ProxyExchange::log_failed_try(const proxy::Target& target, UpstreamOutcome outcome,
                                   std::int64_t now_ns) {
  std::uint64_t held_back = 0;
  if (!util::log_enabled(util::LogLevel::warn) ||
      !session_.worker().upstream_failure_log().allow(now_ns / 1'000'000'000, held_back)) {
    return;
  }
  util::log(util::LogLevel::warn, "upstream try failed",
            {{"upstream", cluster_.config->name},
             {"target", target.address},
             {"error", proxy::describe(outcome).code},
             {"route", route_.config->name},
             {"try", std::to_string(context_.upstream_tries)},
             {"request_id", context_.request_id},
             {"held_back", std::to_string(held_back)}});
}

void ProxyExchange::record_try(std::size_t target_index, UpstreamOutcome outcome, bool first_try) {
  const std::int64_t now = proxy::steady_now_ns();
  // The budget counts the requests of routes that retry: those are the ones a retry storm is made
  // of, and a route without retries pays nothing for it.
  if (first_try && route_.config->retry.attempts > 1) {
    proxy::budget_count_request(cluster_.state->retry_budget, now);
  }
  if (outcome != UpstreamOutcome::ok && !proxy::describe(outcome).target_failed) {
    return;  // the client's side failed, or no try was made: says nothing about the target
  }
  const bool failed = outcome != UpstreamOutcome::ok || response_.status >= 500;
  serving_.upstream_latency[cluster_index_]->record(context_.upstream_micros);
  const auto& target = cluster_.targets[target_index];
  if (outcome != UpstreamOutcome::ok) log_failed_try(target, outcome, now);
  const config::CircuitBreakerConfig& breaker = cluster_.config->circuit_breaker;
  // The try's time as proxy() just measured it (one clock read per try, not two).
  const std::chrono::nanoseconds took = std::chrono::microseconds(context_.upstream_micros);
  if (breaker.scope != config::CircuitBreakerConfig::Scope::upstream) {
    if (const auto moved =
            proxy::breaker_record(breaker, target.state->breaker, failed, took, now)) {
      // Half-open is entered by a pick, not by a call's result: only closed and open show here.
      serving_
          .count(observe::Family::breaker_transitions, cluster_index_,
                 proxy::breaker_entered(/*upstream_breaker=*/false, *moved))
          .add();
      util::log_warn("upstream '" + cluster_.config->name + "': circuit breaker of target " +
                     target.address + " " + proxy::breaker_state_name(*moved));
    }
  }
  if (breaker.scope != config::CircuitBreakerConfig::Scope::target) {
    if (const auto moved =
            proxy::breaker_record(breaker, cluster_.state->breaker, failed, took, now)) {
      serving_
          .count(observe::Family::breaker_transitions, cluster_index_,
                 proxy::breaker_entered(/*upstream_breaker=*/true, *moved))
          .add();
      util::log_warn("upstream '" + cluster_.config->name + "': circuit breaker of the upstream " +
                     proxy::breaker_state_name(*moved));
    }
  }
  // Outlier detection first: when both would eject, its (configured, usually longer) ejection is
  // the one that holds; a target already ejected is not ejected again.
  const auto ejected = proxy::record_try(cluster_, target_index, failed, now);
  const bool connect_failed = proxy::nothing_reached_upstream(outcome);
  const auto refused = proxy::record_connect(cluster_, target_index, connect_failed, now);
  if (ejected.count() > 0) {
    log_ejection(target_index, ejected, cluster_.config->outlier_detection, "failure");
  } else if (refused.count() > 0) {
    log_ejection(target_index, refused, cluster_.config->connect_failure_ejection,
                 "connect failure");
  }
}

void ProxyExchange::log_ejection(std::size_t target_index, std::chrono::milliseconds duration,
                                 const config::OutlierDetectionConfig& rule,
                                 std::string_view failure) {
  serving_.count(observe::Family::ejections, cluster_index_, observe::Ejection::ejected).add();
  const std::uint32_t count = rule.consecutive_failures;
  util::log_warn("upstream '" + cluster_.config->name + "': target " +
                 cluster_.targets[target_index].address + " ejected for " +
                 std::to_string(duration.count()) + " ms after " + std::to_string(count) + " " +
                 std::string(failure) + (count == 1 ? "" : "s in a row"));
}

void ProxyExchange::keep_head() {
  // The head was parsed in place; its bytes sit before the body in the read buffer, which a
  // streamed body reuses from the start (and a replay buffer replaces). Copy them out first.
  RequestScratch& scratch = session_.scratch();
  if (head_start_ == nullptr || !scratch.head_copy.empty()) return;
  const std::size_t size = scratch.head.head_bytes;
  scratch.head_copy.assign(head_start_, size);
  scratch.head.rebase(head_start_, size, scratch.head_copy.data());
  const char* id = context_.request_id.data();
  if (id >= head_start_ && id < head_start_ + size) {
    context_.request_id = {scratch.head_copy.data() + (id - head_start_),
                           context_.request_id.size()};
  }
  head_start_ = nullptr;
}

std::optional<std::uint64_t> ProxyExchange::balancing_key() const {
  const config::UpstreamConfig& upstream = *cluster_.config;
  if (upstream.balancer != config::BalancerKind::consistent_hash) return std::nullopt;
  const RequestScratch& request = session_.scratch();
  const std::string_view key = proxy::request_key(upstream.hash_on, context_.client_address,
                                                  request.head.headers, request.params);
  if (key.empty()) return std::nullopt;
  return proxy::hash_key(key);
}

void ProxyExchange::build_upstream_head(const proxy::Target& target) {
  session_.scratch().output.clear();
  write_upstream_head(*cluster_.config, target, session_.scratch().output);
}

namespace {

// Inlined into write_upstream_head, the plain path's caller (a call of its own cost 26
// instructions per request, callgrind); h2 exchanges call the out-of-line copy.
[[gnu::always_inline]] inline proxy::UpstreamRequestInfo request_info(
    RequestStream& session, const pipeline::RequestContext& context,
    const snapshot::CompiledRoute& route, const config::UpstreamConfig& upstream,
    const proxy::Target& target) {
  const http::RequestHead& head = session.scratch().head;
  std::string& path = session.scratch().upstream_path;
  path.clear();
  if (route.rewrite.empty()) {
    path.append(session.scratch().path);
  } else {
    route.rewrite.apply(session.scratch().path, session.scratch().params, path,
                        session.matched_path());
  }
  if (head.has_query) path.append("?").append(head.query);

  proxy::UpstreamRequestInfo info;
  info.path_and_query = path;
  switch (upstream.host_header) {
    case config::HostHeaderMode::preserve:
      info.host = head.host.empty() ? std::string_view(target.address) : head.host;
      break;
    case config::HostHeaderMode::target:
      info.host = target.address;
      break;
    case config::HostHeaderMode::fixed:
      info.host = upstream.host_header_value;
      break;
  }
  info.original_host = head.host;
  info.client_ip = context.peer_address;  // X-Forwarded-For gets the hop we saw
  info.request_id = context.request_id;
  if (context.trace.active) {
    info.traceparent = context.traceparent_text();
    info.drop_tracestate = !context.trace.continued;
  }
  if (const pipeline::ConnectionTls* tls = context.tls) {
    info.proto = "https";
    if (tls->client_verified && session.forwards_client_subject()) {
      info.client_cert_subject = tls->client_subject;
    }
  }
  if (!context.upstream_request_headers.empty()) info.edits = &context.upstream_request_headers;
  if (context.request_body_buffered) info.body_length = context.request_body.size();
  return info;
}

}  // namespace

bool ProxyExchange::at_connection_limits() const {
  const config::CircuitBreakerConfig& limits = cluster_.config->circuit_breaker;
  const proxy::UpstreamState& state = *cluster_.state;
  return limits.enabled &&
         ((limits.max_connections > 0 && state.connections.load(std::memory_order_relaxed) >=
                                             static_cast<std::int64_t>(limits.max_connections)) ||
          (limits.max_pending > 0 && state.connecting.load(std::memory_order_relaxed) >=
                                         static_cast<std::int64_t>(limits.max_pending)));
}

proxy::UpstreamRequestInfo ProxyExchange::upstream_request_info(
    const config::UpstreamConfig& upstream, const proxy::Target& target) {
  return request_info(session_, context_, route_, upstream, target);
}

void ProxyExchange::write_upstream_head(const config::UpstreamConfig& upstream,
                                        const proxy::Target& target, std::string& out) {
  proxy::UpstreamRequestInfo info = request_info(session_, context_, route_, upstream, target);
  info.websocket_upgrade = tunnel_slot_ != nullptr;
  proxy::write_upstream_request_head(session_.scratch().head, info, out);
}

awaitable<UpstreamOutcome> ProxyExchange::connect(TargetPool& pool, const proxy::Target& target) {
  const tls::UpstreamContext* upstream_tls = snapshot_.upstream_tls_of(cluster_index_);
  if (upstream_tls != nullptr && upstream_tls->context() == nullptr) {
    // The upstream's TLS could not be set up (a file did not load): connecting would only
    // bother the target.
    tls_failed(pool, target, {upstream_tls->error(), false});  // logged and counted
    co_return UpstreamOutcome::tls_unusable;
  }
  connection_ = pool.make(session_.worker().context());
  cluster_.state->connections.fetch_add(1, std::memory_order_relaxed);
  connection_->open_connections = &cluster_.state->connections;
  session_.watch_upstream(connection_.get());
  session_.expect(Phase::upstream_connect, cluster_.config->connect_timeout);
  // The TCP connect stays inline (upstream_connect.h's connect_upstream would be one more
  // coroutine on the plain path); TLS continues in start_tls().
  auto [ec, endpoint] =
      co_await net::async_connect(connection_->transport.socket(), target.endpoints, use_nothrow);
  if (ec) {
    serving_.count(observe::Family::connect_errors, cluster_index_, observe::ConnectError::failed)
        .add();
    co_return session_.timed_out() ? UpstreamOutcome::connect_timeout
                                   : UpstreamOutcome::connect_failed;
  }
  error_code ignored;
  connection_->transport.socket().set_option(tcp::no_delay(true), ignored);
  connection_->transport.socket().non_blocking(true, ignored);  // for write_all's immediate write
  if (upstream_tls != nullptr) co_return co_await start_tls(pool, target);
  co_return UpstreamOutcome::ok;
}

awaitable<UpstreamOutcome> ProxyExchange::start_tls(TargetPool& pool, const proxy::Target& target) {
  const auto& context = snapshot_.upstream_tls[cluster_index_];
  UpstreamTlsFailure failure;
  const ConnectStatus status = co_await start_upstream_tls(connection_->transport, context, target,
                                                           &pool.tls_sessions(), failure);
  if (status == ConnectStatus::ok) co_return UpstreamOutcome::ok;
  if (status == ConnectStatus::failed) {
    co_return session_.timed_out() ? UpstreamOutcome::connect_timeout
                                   : UpstreamOutcome::connect_failed;
  }
  co_return tls_failed(pool, target, failure);
}

UpstreamOutcome ProxyExchange::tls_failed(TargetPool& pool, const proxy::Target& target,
                                          const UpstreamTlsFailure& failure) {
  serving_.count(observe::Family::connect_errors, cluster_index_, observe::ConnectError::tls).add();
  // A session that led to a failure is not offered again.
  pool.tls_sessions().clear();
  std::uint64_t suppressed = 0;
  if (pool.log_tls_failure(failure.reason, Clock::now(), suppressed)) {
    std::string line = describe_tls_failure(cluster_.config->name, target,
                                            *snapshot_.upstream_tls[cluster_index_], failure);
    if (suppressed > 0) line += " (" + std::to_string(suppressed) + " more since the last line)";
    util::log_warn(line);
  }
  return UpstreamOutcome::tls_failed;
}

std::optional<UpstreamOutcome> ProxyExchange::refused_by_alert(TargetPool& pool,
                                                               const proxy::Target& target) {
  // TLS 1.3: a target that refuses our client certificate (or finds none) says so after our side
  // of the handshake is done, with an alert where the response would be. It never read the
  // request.
  const unsigned long error = connection_->transport.tls()->last_error();
  if (ERR_GET_LIB(error) != ERR_LIB_SSL || ERR_GET_REASON(error) < SSL_AD_REASON_OFFSET) {
    return std::nullopt;
  }
  const char* alert = ERR_reason_error_string(error);
  return tls_failed(
      pool, target,
      {std::string(alert != nullptr ? alert : "alert") + " (after the handshake)", false});
}

awaitable<UpstreamOutcome> ProxyExchange::exchange(TargetPool& pool, const proxy::Target& target,
                                                   bool force_new_connection, bool& retryable) {
  retryable = false;
  session_.start_timing();
  connection_ = force_new_connection ? nullptr : pool.take();
  const bool reused = connection_ != nullptr;
  upstream_start_ = Clock::now();
  if (!reused) {
    if (at_connection_limits()) co_return UpstreamOutcome::overloaded;
    const proxy::CountGuard connecting(&cluster_.state->connecting);
    const UpstreamOutcome connected = co_await connect(pool, target);
    if (connected != UpstreamOutcome::ok) co_return connected;
  }
  session_.watch_upstream(connection_.get());
  ++connection_->requests_served;

  session_.expect(Phase::upstream_exchange, attempt_timeout_);
  const net::const_buffer head = net::buffer(session_.scratch().output);
  const net::const_buffer body =
      context_.request_body_buffered
          ? net::buffer(context_.request_body)
          : net::buffer(session_.input().readable().data(), buffered_body_);
  ImmediateWrite sent = connection_->transport.write_now(head, body);
  if (!sent.done) {
    auto [rest_ec, rest_written] =
        co_await connection_->transport.write_rest(head, body, sent.written);
    sent.ec = rest_ec;
    sent.written = rest_written;
  }
  connection_->count_sent(sent.written);
  if (sent.ec) {
    retryable = reused && body_complete_in_buffer_ && !session_.timed_out();
    if (!reused && !session_.timed_out() && connection_->transport.tls() != nullptr) {
      // The target may have refused the handshake and reset the connection before the request
      // went out: its alert is still to be read.
      connection_->read_now();
      if (const auto refused = refused_by_alert(pool, target)) co_return *refused;
    }
    co_return session_.timed_out() ? UpstreamOutcome::response_timeout : UpstreamOutcome::reset;
  }
  if (!body_complete_in_buffer_) {
    const UpstreamOutcome sent = co_await send_request_body();
    // An upstream that answers early (e.g. 413) and closes makes our write fail; its answer may
    // still be readable, so only give up on errors on the client side.
    if (sent != UpstreamOutcome::ok && sent != UpstreamOutcome::reset) co_return sent;
  }
  bool nothing_received = false;
  // On a busy worker the answer is read after a pass of the worker's queue, on the spot, and
  // read again after the next pass if it has not come yet (read_now.h says why). A lone request
  // waits for readiness at once: there is no pass to wait behind.
  std::size_t& awaiting = session_.worker().awaiting_upstream();
  ++awaiting;
  ReadNow polled = ReadNow::nothing;
  for (int poll = 0; polled == ReadNow::nothing && poll < kReadPolls && session_.worker().busy();
       ++poll) {
    co_await net::post(connection_->transport.socket().get_executor(), use_awaitable);
    polled = connection_->read_now();
  }
  UpstreamOutcome outcome = UpstreamOutcome::reset;
  if (polled == ReadNow::failed) {
    nothing_received = true;
    if (session_.timed_out()) outcome = UpstreamOutcome::response_timeout;
  } else {
    outcome = co_await read_response_head(polled == ReadNow::read, nothing_received);
  }
  --awaiting;
  if (outcome == UpstreamOutcome::reset && nothing_received && !reused &&
      connection_->transport.tls() != nullptr) {
    if (const auto refused = refused_by_alert(pool, target)) co_return *refused;
  }
  retryable =
      outcome == UpstreamOutcome::reset && nothing_received && reused && body_complete_in_buffer_;
  co_return outcome;
}

awaitable<UpstreamOutcome> ProxyExchange::send_request_body() {
  keep_head();
  const http::RequestHead& head = session_.scratch().head;
  const auto& timeouts = snapshot_.config.server.timeouts;
  ByteBuffer& input = session_.input();
  input.consume(buffered_body_);  // sent with the head; from here on the body streams
  std::uint64_t remaining =
      head.framing == http::BodyFraming::content_length ? head.content_length - buffered_body_ : 0;
  buffered_body_ = 0;
  if (head.expect_continue && input.empty()) {
    session_.expect(Phase::client_write, timeouts.body_read);
    const error_code ec = co_await session_.send_continue();
    if (ec) co_return UpstreamOutcome::client_gone;
  }
  const bool rechunk = head.framing == http::BodyFraming::stream_end;
  streamed_body_bytes_ = 0;
  chunk_open_ = false;
  for (;;) {
    bool ended = false;  // stream_end: the client's END_STREAM
    if (input.empty()) {
      session_.expect_body();
      auto [ec, n] =
          co_await session_.read_body(net::buffer(input.write_position(), input.writable()));
      if (ec == net::error::eof && rechunk) {
        ended = true;
      } else if (ec) {
        co_return session_.timed_out() ? UpstreamOutcome::client_timeout
                                       : UpstreamOutcome::client_gone;
      } else {
        input.commit(n);
        context_.bytes_in += n;
      }
    }
    std::size_t forward = 0;
    bool done = false;
    if (head.framing == http::BodyFraming::content_length) {
      forward = std::min<std::uint64_t>(input.size(), remaining);
      remaining -= forward;
      done = remaining == 0;
    } else if (rechunk) {
      forward = input.size();
      done = ended;
      streamed_body_bytes_ += forward;
      if (streamed_body_bytes_ > route_.max_body_bytes)
        co_return UpstreamOutcome::request_too_large;
    } else {
      const auto step = request_chunks_.scan(input.readable());
      if (step.error) co_return UpstreamOutcome::invalid_body;
      if (request_chunks_.payload_bytes() > route_.max_body_bytes)
        co_return UpstreamOutcome::request_too_large;
      forward = step.consumed;
      done = step.done;
    }
    session_.expect(Phase::upstream_exchange, attempt_timeout_);
    error_code ec;
    if (rechunk) {
      // Each piece as one chunk (head_writer.h sent "Transfer-Encoding: chunked" for it): the
      // previous chunk's CRLF and this one's size line, then its bytes; the last chunk at the end.
      char prefix[32];
      std::size_t length = 0;
      if (chunk_open_) {
        prefix[length++] = '\r';
        prefix[length++] = '\n';
        chunk_open_ = false;
      }
      if (forward > 0) {
        const auto hex = std::to_chars(prefix + length, prefix + length + 20, forward, 16);
        length = static_cast<std::size_t>(hex.ptr - prefix);
        prefix[length++] = '\r';
        prefix[length++] = '\n';
        chunk_open_ = true;
      }
      std::size_t written = 0;
      std::tie(ec, written) = co_await connection_->transport.write_all(
          net::buffer(prefix, length), net::buffer(input.readable().data(), forward));
      connection_->count_sent(written);
      if (!ec && done) {
        static constexpr std::string_view kLastChunk = "\r\n0\r\n\r\n";
        std::tie(ec, written) = co_await connection_->transport.write_all(
            net::buffer(chunk_open_ ? kLastChunk : kLastChunk.substr(2)));
        connection_->count_sent(written);
      }
    } else {
      std::size_t written = 0;
      std::tie(ec, written) = co_await connection_->transport.async_write(
          net::buffer(input.readable().data(), forward), use_nothrow);
      connection_->count_sent(written);
    }
    input.consume(forward);
    if (ec)
      co_return session_.timed_out() ? UpstreamOutcome::response_timeout : UpstreamOutcome::reset;
    if (done) break;
  }
  request_body_sent_ = true;
  co_return UpstreamOutcome::ok;
}

awaitable<UpstreamOutcome> ProxyExchange::read_response_head(bool received_any,
                                                             bool& nothing_received) {
  ByteBuffer& buffer = connection_->buffer;
  session_.expect(Phase::upstream_exchange, attempt_timeout_);
  for (;;) {
    if (!buffer.empty()) {
      const auto result = http::parse_response_head(buffer.readable(), kUpstreamHeadLimits,
                                                    session_.scratch().head.method, response_);
      if (result.status == http::ParseStatus::error) co_return UpstreamOutcome::invalid_response;
      if (result.status == http::ParseStatus::complete) {
        if (response_.status == 101) {
          // Only an upgrade asked for, and accepted as RFC 6455 says, may switch protocols.
          const bool accepted =
              tunnel_slot_ && ws::accepts(response_, ws::upgrade_key(session_.scratch().head));
          co_return accepted ? UpstreamOutcome::ok : UpstreamOutcome::invalid_response;
        }
        if (response_.status >= 200) co_return UpstreamOutcome::ok;
        buffer.consume(response_.head_bytes);  // interim 1xx: we answer 100-continue ourselves
        continue;
      }
    }
    if (buffer.writable() == 0) {
      buffer.compact();
      if (buffer.writable() == 0) buffer.grow(kUpstreamHeadLimits.max_header_bytes + 1024);
    }
    auto [ec, n] = co_await connection_->transport.async_read_some(
        net::buffer(buffer.write_position(), buffer.writable()), use_nothrow);
    if (ec) {
      nothing_received = !received_any;
      co_return session_.timed_out() ? UpstreamOutcome::response_timeout : UpstreamOutcome::reset;
    }
    received_any = true;
    connection_->count_received(n);
    buffer.commit(n);
  }
}

}  // namespace apigw::server
