// ProxyExchange, response side: the response phase of the filter chain, the response head to the
// client, the streamed body, and the answers for exchanges that produced no response.
#include <array>

#include "http/body_framing.h"
#include "proxy/head_writer.h"
#include "server/proxy_exchange.h"
#include "server/worker.h"
#include "server/write_all.h"

namespace apigw::server {

awaitable<bool> ProxyExchange::relay_response() {
  const http::RequestHead& head = session_.scratch().head;
  const auto& timeouts = snapshot_.config.server.timeouts;
  ByteBuffer& upstream = connection_->buffer;
  ByteBuffer& input = session_.input();
  input.consume(buffered_body_);  // the request is answered: its buffered body is done with
  buffered_body_ = 0;

  context_.response_status = response_.status;
  context_.upstream_response = &response_;
  if (!arm_.chain->empty()) arm_.chain->run_response_phase(context_);
  // A filter wants the whole body (or changes it as it streams): the framing is the gateway's.
  if (arm_.chain->body_needs().response && response_.framing != http::BodyFraming::none) {
    co_return co_await relay_buffered_response();
  }
  if (!context_.response_transforms.empty() && response_.framing != http::BodyFraming::none) {
    co_return co_await relay_transformed_response();
  }

  // An upstream may answer before it has read our whole request body (e.g. an early 413); then
  // the rest of the client's body is still unread and the connection cannot be reused.
  const bool request_read = body_complete_in_buffer_ || request_body_sent_;
  const bool keep_alive = head.keep_alive && request_read && !session_.worker().draining() &&
                          response_.framing != http::BodyFraming::until_close;
  proxy::ClientResponseInfo info;
  info.record = session_.head_record();
  info.keep_alive = keep_alive;
  info.client_http10 = head.version_minor == 0;
  info.request_id = context_.request_id;
  if (!context_.response_headers.empty()) info.edits = &context_.response_headers;
  session_.scratch().output.clear();
  proxy::write_client_response_head(response_, info, session_.scratch().output);
  upstream.consume(response_.head_bytes);

  http::BodyFramer framer(response_.framing, response_.content_length);
  bool done = false;
  // How much of what the upstream buffer holds belongs to the response body; -1: broken framing.
  auto body_part = [&](std::string_view available) -> std::size_t {
    const auto step = framer.next(available);
    done = framer.done();
    return step.error ? static_cast<std::size_t>(-1) : step.consumed;
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
  context_.status_sent = response_.status;
  session_.expect(Phase::client_write, timeouts.body_read);
  const net::const_buffer response_head = net::buffer(session_.scratch().output);
  const net::const_buffer first_part = net::buffer(upstream.readable().data(), part);
  ImmediateWrite sent = session_.write_now(response_head, first_part);
  if (!sent.done) {
    auto [rest_ec, rest_written] =
        co_await session_.write_rest(response_head, first_part, sent.written);
    sent.ec = rest_ec;
    sent.written = rest_written;
  }
  context_.bytes_out += sent.written;
  upstream.consume(part);
  bool ok = !sent.ec;
  while (ok && !done) {
    session_.watch_upstream(connection_.get());
    session_.expect(Phase::upstream_body, arm_.timeout);
    auto [read_ec, n] = co_await connection_->transport.async_read_some(
        net::buffer(upstream.write_position(), upstream.writable()), use_nothrow);
    if (read_ec) {
      // Until-close bodies end with the connection; anything else ending early is truncated.
      done = response_.framing == http::BodyFraming::until_close && read_ec == net::error::eof;
      ok = done;
      break;
    }
    connection_->count_received(n);
    upstream.commit(n);
    part = body_part(upstream.readable());
    if (part == static_cast<std::size_t>(-1)) {
      ok = false;
      break;
    }
    session_.expect(Phase::client_write, timeouts.body_read);
    auto [write_ec, sent] =
        co_await session_.write_all(net::buffer(upstream.readable().data(), part));
    context_.bytes_out += sent;
    if (capture) captured.body.append(upstream.readable().data(), part);
    upstream.consume(part);
    ok = !write_ec;
  }
  session_.watch_upstream(nullptr);
  session_.clear_deadline();
  if (ok) session_.end_response();
  session_.finish_request();
  if (capture && ok && captured.body.size() == response_.content_length) {
    captured.stored = Clock::now();
    session_.worker().stale_cache().store(stale_key(), std::move(captured));
  }
  if (!ok) {
    connection_.reset();  // half-relayed: neither side can be reused
    co_return false;
  }
  co_return keep_alive;
}

awaitable<bool> ProxyExchange::reply_for(UpstreamOutcome outcome) {
  const http::RequestHead& head = session_.scratch().head;
  session_.input().consume(buffered_body_);
  buffered_body_ = 0;
  connection_.reset();
  const bool request_read = body_complete_in_buffer_ || request_body_sent_;
  const bool keep_alive = head.keep_alive && request_read;
  const proxy::OutcomeInfo& info = proxy::describe(outcome);
  if (info.status != 0 && outcome != UpstreamOutcome::ok) {
    co_return co_await session_.answer(
        pipeline::LocalReply::error(info.status, std::string(info.code),
                                    proxy::outcome_message(info, cluster_.config->name)),
        keep_alive && !info.client_side);
  }
  session_.finish_request();
  co_return false;
}

}  // namespace apigw::server
