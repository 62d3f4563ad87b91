// ProxyExchange, whole bodies for routes whose filters want them (pipeline::BodyNeeds): the
// request body read and decoded into the request record before anything goes upstream, and the
// upstream's response body read whole before the client gets its head. Both bounded by the
// route's max_buffered_body_bytes (413 / 502 beyond). Routes whose filters want no body never
// come here and stream both ways.
#include "http/body_framing.h"
#include "proxy/head_writer.h"
#include "server/proxy_exchange.h"
#include "server/worker.h"
#include "server/write_all.h"

namespace apigw::server {

awaitable<UpstreamOutcome> ProxyExchange::buffer_request_body() {
  keep_head();
  const http::RequestHead& head = session_.scratch().head;
  ByteBuffer& input = session_.input();
  std::string& body = context_.request_body;
  const std::uint64_t limit = route_.max_buffered_body_bytes;
  buffered_body_ = 0;  // the body's bytes are taken out of the input below
  if (head.framing == http::BodyFraming::content_length && head.content_length > limit) {
    co_return UpstreamOutcome::request_too_large;
  }
  http::BodyFramer framer(head.framing, head.content_length);
  bool continued = false;
  for (;;) {
    const auto step = framer.next(input.readable(), &body);
    input.consume(step.consumed);
    if (step.error) co_return UpstreamOutcome::invalid_body;
    if (body.size() > limit) co_return UpstreamOutcome::request_too_large;
    if (framer.done()) break;
    if (head.expect_continue && !continued && input.empty()) {
      // The client waits for our go-ahead before it sends the body we want to read.
      continued = true;
      session_.expect(Phase::client_write, snapshot_.config.server.timeouts.body_read);
      const error_code ec = co_await session_.send_continue();
      if (ec) co_return UpstreamOutcome::client_gone;
    }
    input.compact();
    session_.expect_body();
    auto [ec, n] =
        co_await session_.read_body(net::buffer(input.write_position(), input.writable()));
    if (ec == net::error::eof && head.framing == http::BodyFraming::stream_end) break;
    if (ec) {
      co_return session_.timed_out() ? UpstreamOutcome::client_timeout
                                     : UpstreamOutcome::client_gone;
    }
    input.commit(n);
    context_.bytes_in += n;
  }
  session_.clear_deadline();
  body_complete_in_buffer_ = true;  // whole in the record: every attempt sends it again
  context_.request_body_buffered = true;
  co_return UpstreamOutcome::ok;
}

awaitable<bool> ProxyExchange::relay_buffered_response() {
  const http::RequestHead& head = session_.scratch().head;
  ByteBuffer& upstream = connection_->buffer;
  std::string& body = context_.response_body;
  const std::uint64_t limit = route_.max_buffered_body_bytes;
  upstream.consume(response_.head_bytes);
  const auto too_large = [&]() -> awaitable<bool> {
    connection_.reset();
    const bool keep = head.keep_alive && (body_complete_in_buffer_ || request_body_sent_);
    co_return co_await session_.answer(
        pipeline::LocalReply::error(502, "upstream_response_too_large",
                                    "the response of upstream '" + cluster_.config->name +
                                        "' is larger than this route's max_buffered_body_bytes"),
        keep);
  };
  if (response_.framing == http::BodyFraming::content_length && response_.content_length > limit) {
    co_return co_await too_large();
  }
  http::BodyFramer framer(response_.framing, response_.content_length);
  for (;;) {
    const auto step = framer.next(upstream.readable(), &body);
    upstream.consume(step.consumed);
    if (step.error) co_return co_await reply_for(UpstreamOutcome::invalid_response);
    if (body.size() > limit) co_return co_await too_large();
    if (framer.done()) break;
    upstream.compact();
    session_.watch_upstream(connection_.get());
    session_.expect(Phase::upstream_exchange, arm_.timeout);  // nothing sent yet: 504
    auto [ec, n] = co_await connection_->transport.async_read_some(
        net::buffer(upstream.write_position(), upstream.writable()), use_nothrow);
    if (ec) {
      // Until-close bodies end with the connection; anything else ending early is truncated.
      if (response_.framing == http::BodyFraming::until_close && ec == net::error::eof) break;
      session_.watch_upstream(nullptr);
      co_return co_await reply_for(session_.timed_out() ? UpstreamOutcome::response_timeout
                                                        : UpstreamOutcome::reset);
    }
    connection_->count_received(n);
    upstream.commit(n);
  }
  session_.watch_upstream(nullptr);
  session_.clear_deadline();

  arm_.chain->run_response_body_phase(context_);
  if (!context_.response_transforms.empty()) {
    std::string changed;
    for (auto& transform : context_.response_transforms) {
      transform->write(body, changed);
      transform->finish(changed);
      body.swap(changed);
      changed.clear();
    }
  }
  const bool request_read = body_complete_in_buffer_ || request_body_sent_;
  const bool keep_alive = head.keep_alive && request_read && !session_.worker().draining();
  proxy::ClientResponseInfo info;
  info.record = session_.head_record();
  info.keep_alive = keep_alive;
  info.client_http10 = head.version_minor == 0;
  info.request_id = context_.request_id;
  info.framing = http::BodyFraming::content_length;
  info.body_length = body.size();
  if (!context_.response_headers.empty()) info.edits = &context_.response_headers;
  std::string& out = session_.scratch().output;
  out.clear();
  proxy::write_client_response_head(response_, info, out);
  context_.status_sent = response_.status;
  session_.expect(Phase::client_write, snapshot_.config.server.timeouts.body_read);
  auto [ec, written] = co_await session_.write_all(net::buffer(out), net::buffer(body));
  session_.clear_deadline();
  context_.bytes_out += written;
  if (!ec) session_.end_response();
  session_.finish_request();
  co_return keep_alive && !ec;
}

}  // namespace apigw::server
