// ProxyExchange, response side: the response phase of the filter chain, the response head to the
// client, the streamed body, and the answers for exchanges that produced no response.
#include <array>

#include "proxy/head_writer.h"
#include "server/proxy_exchange.h"
#include "server/worker.h"
#include "server/write_all.h"

namespace apigw::server {

awaitable<bool> ProxyExchange::relay_response() {
  const http::RequestHead& head = session_.scratch_->head;
  const auto& timeouts = snapshot_.config.server.timeouts;
  ByteBuffer& upstream = connection_->buffer;
  ByteBuffer& input = session_.input_;
  input.consume(buffered_body_);  // the request is answered: its buffered body is done with
  buffered_body_ = 0;

  context_.response_status = response_.status;
  if (!route_.chain.empty()) route_.chain.run_response_phase(context_);

  // An upstream may answer before it has read our whole request body (e.g. an early 413); then
  // the rest of the client's body is still unread and the connection cannot be reused.
  const bool request_read = body_complete_in_buffer_ || request_body_sent_;
  const bool keep_alive = head.keep_alive && request_read && !session_.worker_.draining() &&
                          response_.framing != http::BodyFraming::until_close;
  proxy::ClientResponseInfo info;
  info.keep_alive = keep_alive;
  info.client_http10 = head.version_minor == 0;
  info.request_id = session_.request_id_;
  if (!context_.response_headers.empty()) info.edits = &context_.response_headers;
  session_.scratch_->output.clear();
  proxy::write_client_response_head(response_, info, session_.scratch_->output);
  upstream.consume(response_.head_bytes);

  http::ChunkedScanner chunks;
  std::uint64_t remaining = response_.content_length;
  bool done = false;
  // How much of what the upstream buffer holds belongs to the response body.
  auto body_part = [&](std::string_view available) -> std::size_t {
    switch (response_.framing) {
      case http::BodyFraming::none:
        done = true;
        return 0;
      case http::BodyFraming::content_length: {
        const std::size_t part = std::min<std::uint64_t>(available.size(), remaining);
        remaining -= part;
        done = remaining == 0;
        return part;
      }
      case http::BodyFraming::chunked: {
        const auto step = chunks.scan(available);
        if (step.error) return static_cast<std::size_t>(-1);
        done = step.done;
        return step.consumed;
      }
      case http::BodyFraming::until_close:
        return available.size();
    }
    return 0;
  };

  std::size_t part = body_part(upstream.readable());
  if (part == static_cast<std::size_t>(-1)) {
    co_return co_await reply_for(UpstreamOutcome::invalid_response);
  }
  // A good response to a GET is kept for the route's stale_if_error fallback, if small enough.
  const config::FallbackConfig& fallback = route_.config->fallback;
  const bool capture = fallback.enabled && fallback.stale_if_error.count() > 0 && !is_fallback_ &&
                       head.method == http::Method::get && response_.status == 200 &&
                       response_.framing == http::BodyFraming::content_length &&
                       response_.content_length <= fallback.stale_max_body;
  StaleCache::Entry captured;
  if (capture) {
    captured.content_type = http::find_header(response_.headers, http::Field::content_type);
    captured.body.reserve(static_cast<std::size_t>(response_.content_length));
    captured.body.append(upstream.readable().data(), part);
  }
  session_.status_sent_ = response_.status;
  session_.expect(Phase::client_write, timeouts.body_read);
  const net::const_buffer response_head = net::buffer(session_.scratch_->output);
  const net::const_buffer first_part = net::buffer(upstream.readable().data(), part);
  ImmediateWrite sent = write_now(session_.socket_, response_head, first_part);
  if (!sent.done) {
    auto [rest_ec, rest_written] =
        co_await write_rest(session_.socket_, response_head, first_part, sent.written);
    sent.ec = rest_ec;
    sent.written = rest_written;
  }
  session_.bytes_out_ += sent.written;
  upstream.consume(part);
  bool ok = !sent.ec;
  while (ok && !done) {
    session_.upstream_ = connection_.get();
    session_.expect(Phase::upstream_body, route_.timeout);
    auto [read_ec, n] = co_await connection_->socket.async_read_some(
        net::buffer(upstream.write_position(), upstream.writable()), use_nothrow);
    if (read_ec) {
      // Until-close bodies end with the connection; anything else ending early is truncated.
      done = response_.framing == http::BodyFraming::until_close && read_ec == net::error::eof;
      ok = done;
      break;
    }
    upstream.commit(n);
    part = body_part(upstream.readable());
    if (part == static_cast<std::size_t>(-1)) {
      ok = false;
      break;
    }
    session_.expect(Phase::client_write, timeouts.body_read);
    auto [write_ec, sent] =
        co_await write_all(session_.socket_, net::buffer(upstream.readable().data(), part));
    session_.bytes_out_ += sent;
    if (capture) captured.body.append(upstream.readable().data(), part);
    upstream.consume(part);
    ok = !write_ec;
  }
  session_.upstream_ = nullptr;
  session_.clear_deadline();
  session_.log_request();
  if (capture && ok && captured.body.size() == response_.content_length) {
    captured.stored = Clock::now();
    session_.worker_.stale_cache().store(stale_key(), std::move(captured));
  }
  if (!ok) {
    connection_.reset();  // half-relayed: neither side can be reused
    co_return false;
  }
  co_return keep_alive;
}

awaitable<bool> ProxyExchange::reply_for(UpstreamOutcome outcome) {
  const http::RequestHead& head = session_.scratch_->head;
  session_.input_.consume(buffered_body_);
  buffered_body_ = 0;
  connection_.reset();
  const bool request_read = body_complete_in_buffer_ || request_body_sent_;
  const bool keep_alive = head.keep_alive && request_read;
  const std::string& upstream = cluster_.config->name;
  switch (outcome) {
    case UpstreamOutcome::connect_failed:
      co_return co_await session_.send_local_reply(502, "upstream_connect_failed",
                                                   "cannot connect to upstream '" + upstream + "'",
                                                   keep_alive);
    case UpstreamOutcome::connect_timeout:
      co_return co_await session_.send_local_reply(
          504, "upstream_connect_timeout", "connecting to upstream '" + upstream + "' timed out",
          keep_alive);
    case UpstreamOutcome::reset:
      co_return co_await session_.send_local_reply(
          502, "upstream_reset", "upstream '" + upstream + "' closed the connection", keep_alive);
    case UpstreamOutcome::response_timeout:
      co_return co_await session_.send_local_reply(
          504, "upstream_timeout", "upstream '" + upstream + "' did not answer in time",
          keep_alive);
    case UpstreamOutcome::invalid_response:
      co_return co_await session_.send_local_reply(
          502, "invalid_upstream_response", "upstream '" + upstream + "' sent an invalid response",
          keep_alive);
    case UpstreamOutcome::client_timeout:
      co_return co_await session_.send_local_reply(408, "request_timeout",
                                                   "request body not received in time", false);
    case UpstreamOutcome::request_too_large:
      co_return co_await session_.send_local_reply(
          413, "payload_too_large", "request body exceeds the limit of this route", false);
    case UpstreamOutcome::invalid_body:
      co_return co_await session_.send_local_reply(400, "invalid_chunked_body",
                                                   "the chunked request body is malformed", false);
    case UpstreamOutcome::no_target:
      co_return co_await session_.send_local_reply(
          503, "no_healthy_upstream", "no available target in upstream '" + upstream + "'",
          keep_alive);
    case UpstreamOutcome::overloaded:
      co_return co_await session_.send_local_reply(
          503, "upstream_overloaded", "upstream '" + upstream + "' has too many requests in flight",
          keep_alive);
    case UpstreamOutcome::circuit_open:
      co_return co_await session_.send_local_reply(
          503, "circuit_open", "the circuit breaker of upstream '" + upstream + "' is open",
          keep_alive);
    case UpstreamOutcome::client_gone:
    case UpstreamOutcome::ok:
      break;
  }
  session_.log_request();
  co_return false;
}

}  // namespace apigw::server
