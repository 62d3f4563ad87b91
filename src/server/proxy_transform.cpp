// ProxyExchange, responses whose body filters change as it streams (compression): the upstream's
// body is decoded from its framing, passed through the request's transforms chunk by chunk, and
// sent chunked (or until close to an HTTP/1.0 client), since its length is no longer known.
// Routes without such filters never come here and keep relaying the upstream's bytes as they are.
#include <charconv>

#include "http/body_framing.h"
#include "proxy/head_writer.h"
#include "server/proxy_exchange.h"
#include "server/worker.h"
#include "server/write_all.h"

namespace apigw::server {
namespace {

// Runs `data` through the transforms in order; `last` also finishes each one, its tail passing
// through the transforms after it.
void run_transforms(std::vector<std::unique_ptr<pipeline::BodyTransform>>& transforms,
                    std::string& data, bool last, std::string& scratch) {
  for (auto& transform : transforms) {
    scratch.clear();
    transform->write(data, scratch);
    if (last) transform->finish(scratch);
    data.swap(scratch);
  }
}

void append_chunk(std::string& out, std::string_view data, bool chunked) {
  if (!chunked) {
    out.append(data);
    return;
  }
  if (data.empty()) return;  // an empty chunk would end the body
  char digits[16];
  const auto result = std::to_chars(digits, digits + sizeof digits, data.size(), 16);
  out.append(digits, result.ptr).append("\r\n").append(data).append("\r\n");
}

}  // namespace

awaitable<bool> ProxyExchange::relay_transformed_response() {
  const http::RequestHead& head = session_.scratch().head;
  const auto& timeouts = snapshot_.config.server.timeouts;
  ByteBuffer& upstream = connection_->buffer;
  const bool chunked = head.version_minor == 1;
  const bool request_read = body_complete_in_buffer_ || request_body_sent_;
  const bool keep_alive = chunked && head.keep_alive && request_read &&
                          !session_.worker().draining() &&
                          response_.framing != http::BodyFraming::until_close;
  proxy::ClientResponseInfo info;
  info.record = session_.head_record();
  info.keep_alive = keep_alive;
  info.client_http10 = !chunked;
  info.request_id = context_.request_id;
  info.framing = chunked ? http::BodyFraming::chunked : http::BodyFraming::until_close;
  if (!context_.response_headers.empty()) info.edits = &context_.response_headers;
  std::string& out = session_.scratch().output;
  out.clear();
  proxy::write_client_response_head(response_, info, out);
  upstream.consume(response_.head_bytes);
  context_.status_sent = response_.status;

  http::BodyFramer framer(response_.framing, response_.content_length);
  bool done = false;
  std::string payload;
  std::string scratch;
  // Moves the body bytes the upstream buffer holds into `payload`. False: broken framing.
  const auto take_payload = [&]() {
    const auto step = framer.next(upstream.readable(), &payload);
    upstream.consume(step.consumed);
    done = framer.done();
    return !step.error;
  };

  bool ok = take_payload();
  if (!ok) co_return co_await reply_for(UpstreamOutcome::invalid_response);
  while (ok) {
    run_transforms(context_.response_transforms, payload, done, scratch);
    append_chunk(out, payload, chunked);
    if (done && chunked) out.append("0\r\n\r\n");
    payload.clear();
    session_.expect(Phase::client_write, timeouts.body_read);
    auto [write_ec, sent] = co_await session_.write_all(net::buffer(out));
    context_.bytes_out += sent;
    out.clear();
    ok = !write_ec;
    if (!ok || done) break;
    session_.watch_upstream(connection_.get());
    session_.expect(Phase::upstream_body, arm_.timeout);
    auto [read_ec, n] = co_await connection_->transport.async_read_some(
        net::buffer(upstream.write_position(), upstream.writable()), use_nothrow);
    if (read_ec) {
      // Until-close bodies end with the connection; anything else ending early is truncated.
      done = response_.framing == http::BodyFraming::until_close && read_ec == net::error::eof;
      ok = done;
      if (done) continue;  // flush the transforms' tail
      break;
    }
    connection_->count_received(n);
    upstream.commit(n);
    ok = take_payload();
  }
  session_.watch_upstream(nullptr);
  session_.clear_deadline();
  if (ok) session_.end_response();
  session_.finish_request();
  if (!ok) {
    connection_.reset();  // half-relayed: neither side can be reused
    co_return false;
  }
  co_return keep_alive;
}

}  // namespace apigw::server
