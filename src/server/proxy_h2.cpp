// ProxyExchange with an upstream of protocol "h2": the request is a stream on a connection the
// target's pool shares between exchanges (h2_upstream.h). Everything around it — target picks,
// breakers, retries, the response phase, the record — is the HTTP/1 exchange's. Two things
// differ: the request body goes up on its own coroutine while the response comes down (gRPC
// streams both ways on one request), and the response's end may carry trailers, which reach an
// HTTP/2 client as trailers and an HTTP/1.1 one in the last chunk.
#include <charconv>

#include "http/body_framing.h"
#include "http/grpc.h"
#include "proxy/head_writer.h"
#include "server/proxy_exchange.h"
#include "server/proxy_h2_state.h"
#include "server/upstream_connect.h"
#include "server/worker.h"

namespace apigw::server {
namespace {

// The names a filter's edits set or remove, shared edits included.
void collect_replaced(const pipeline::HeaderEdits& edits, std::vector<std::string_view>& out) {
  for (const auto& header : edits.set) out.push_back(header.name);
  for (const auto& name : edits.remove) out.push_back(name);
  for (const pipeline::HeaderEdits* shared : edits.shared) collect_replaced(*shared, out);
}

void append_hex(std::string& out, std::size_t value) {
  char digits[20];
  const auto end = std::to_chars(digits, digits + sizeof digits, value, 16).ptr;
  out.append(digits, end);
}

}  // namespace

namespace {

// What is left of the client's gRPC deadline (grpc-timeout), if it sent one: the gateway gives
// up then too, and answers DEADLINE_EXCEEDED rather than wait for an answer nobody reads.
std::optional<std::chrono::milliseconds> grpc_time_left(const pipeline::RequestContext& context) {
  const std::string_view value = http::find_header(context.head->headers, "grpc-timeout");
  if (value.empty()) return std::nullopt;
  const auto timeout = http::parse_grpc_timeout(value);
  if (!timeout) return std::nullopt;
  const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
      pipeline::RequestContext::Clock::now() - context.start);
  return std::max(std::chrono::milliseconds(1), *timeout - spent);
}

}  // namespace

void ProxyExchange::build_h2_request(const proxy::Target& target) {
  H2State& state = *h2_;
  const proxy::UpstreamRequestInfo info = upstream_request_info(*cluster_.config, target);
  h2::UpstreamRequestInfo h2_info;
  h2_info.path_and_query = info.path_and_query;
  h2_info.host = info.host;
  h2_info.scheme = snapshot_.upstream_tls_of(cluster_index_) != nullptr ? "https" : "http";
  h2_info.original_host = info.original_host;
  h2_info.client_ip = info.client_ip;
  h2_info.proto = info.proto;
  h2_info.client_cert_subject = info.client_cert_subject;
  h2_info.request_id = info.request_id;
  h2_info.traceparent = info.traceparent;
  h2_info.drop_tracestate = info.drop_tracestate;
  h2_info.body_length = info.body_length;
  state.replaced.clear();
  state.added.clear();
  if (info.edits != nullptr) {
    collect_replaced(*info.edits, state.replaced);
    info.edits->for_each_written([&state](std::string_view name, std::string_view value) {
      state.added.emplace_back(name, value);
    });
  }
  h2_info.replaced = state.replaced;
  h2_info.added = state.added;
  state.request.build(session_.scratch().head, h2_info);
}

awaitable<UpstreamOutcome> ProxyExchange::connect_h2(TargetPool& pool,
                                                     const proxy::Target& target) {
  const auto& upstream_tls = snapshot_.upstream_tls[cluster_index_];
  if (upstream_tls != nullptr && upstream_tls->context() == nullptr) {
    tls_failed(pool, target, {upstream_tls->error(), false});
    co_return UpstreamOutcome::tls_unusable;
  }
  if (at_connection_limits()) co_return UpstreamOutcome::overloaded;
  proxy::UpstreamState& state = *cluster_.state;
  const proxy::CountGuard connecting(&state.connecting);
  std::unique_ptr<UpstreamConnection> carrier = pool.make(session_.worker().context());
  state.connections.fetch_add(1, std::memory_order_relaxed);
  carrier->open_connections = &state.connections;
  session_.watch_upstream(carrier.get());
  session_.expect(Phase::upstream_connect, cluster_.config->connect_timeout);
  UpstreamTlsFailure failure;
  const ConnectStatus status = co_await connect_upstream(
      carrier->transport, target, upstream_tls, upstream_tls ? &pool.tls_sessions() : nullptr,
      failure, UpstreamAlpn::h2);
  session_.watch_upstream(nullptr);
  if (status == ConnectStatus::tls_failed) co_return tls_failed(pool, target, failure);
  if (status != ConnectStatus::ok) {
    serving_.count(observe::Family::connect_errors, cluster_index_, observe::ConnectError::failed)
        .add();
    co_return session_.timed_out() ? UpstreamOutcome::connect_timeout
                                   : UpstreamOutcome::connect_failed;
  }
  auto connection = std::make_shared<H2UpstreamConnection>(
      std::move(carrier), upstream_limits(snapshot_.config.server),
      cluster_.config->keepalive_idle_timeout, pool.sweeper());
  connection->start();
  pool.add(connection);
  h2_->connection = std::move(connection);
  co_return UpstreamOutcome::ok;
}

UpstreamOutcome ProxyExchange::h2_failure() const {
  const H2UpstreamCall& call = h2_->call;
  if (call.cut) {
    return session_.timed_out() ? UpstreamOutcome::response_timeout : UpstreamOutcome::client_gone;
  }
  switch (call.end) {
    case h2::StreamEnd::malformed_response:
    case h2::StreamEnd::response_too_large:
      return UpstreamOutcome::invalid_response;
    default:
      return UpstreamOutcome::reset;
  }
}

awaitable<UpstreamOutcome> ProxyExchange::exchange_h2(TargetPool& pool, const proxy::Target& target,
                                                      bool force_new_connection, bool& refused) {
  refused = false;
  session_.start_timing();
  upstream_start_ = Clock::now();
  if (!h2_) h2_ = std::make_unique<H2State>(session_.worker().context());
  co_await end_h2_call();  // a previous try's stream
  H2State& state = *h2_;
  state.call.head = state.call.body = state.call.ended = state.call.send_ready = false;
  state.call.closed = state.call.cut = false;
  state.body_failed = false;
  state.connection = force_new_connection ? nullptr : pool.h2_connection();
  if (!state.connection) {
    const UpstreamOutcome connected = co_await connect_h2(pool, target);
    if (connected != UpstreamOutcome::ok) co_return connected;
  }
  build_h2_request(target);
  const h2::SubmitResult submitted = state.connection->open(state.request, state.call);
  if (!submitted.ok()) {
    // Full after all (its SETTINGS lowered the limit), or a field HTTP/2 cannot carry.
    refused = submitted.error == h2::SubmitError::no_stream;
    co_return UpstreamOutcome::reset;
  }
  session_.watch_upstream_call(state.connection.get(), &state.call);
  state.connection->flush();
  const auto grpc_left = grpc_time_left(context_);
  session_.expect(Phase::upstream_exchange,
                  grpc_left ? std::min<std::chrono::milliseconds>(attempt_timeout_, *grpc_left)
                            : attempt_timeout_);
  if (state.request.has_body()) {
    state.pumping = true;
    state.stop_pump = false;
    net::co_spawn(session_.worker().context(), pump_h2_body(), net::detached);
  }
  while (!state.call.head && !state.call.closed && !state.body_failed) {
    co_await state.call.wait();
  }
  if (state.body_failed) {
    co_await end_h2_call();
    co_return state.body_outcome;
  }
  if (!state.call.head) {
    refused = state.call.end == h2::StreamEnd::refused && !state.call.cut;
    const UpstreamOutcome outcome = h2_failure();
    co_await end_h2_call();
    co_return outcome;
  }
  const http::ResponseHead* head = state.connection->session().response_head(state.call.stream);
  response_.status = head->status;
  response_.reason = {};
  response_.version_minor = 1;
  response_.headers.assign(head->headers.begin(), head->headers.end());
  response_.framing = head->framing;
  response_.content_length = head->content_length;
  response_.keep_alive = true;
  response_.connection = {};
  response_.head_bytes = 0;
  co_return UpstreamOutcome::ok;
}

awaitable<void> ProxyExchange::pump_h2_body() {
  H2State& state = *h2_;
  H2UpstreamCall& call = state.call;
  const http::RequestHead& head = session_.scratch().head;
  ByteBuffer& input = session_.input();
  std::string payload;
  std::size_t sent = 0;
  // The body the filters held whole; else what came with the head, then what the client sends.
  const bool whole = context_.request_body_buffered;
  if (whole) payload = context_.request_body;
  http::BodyFramer framer(head.framing, head.content_length);
  bool ended = whole;
  std::uint64_t total = 0;
  const auto fail = [&state](UpstreamOutcome outcome) {
    state.body_failed = true;
    state.body_outcome = outcome;
  };
  while (!state.stop_pump && !call.closed) {
    if (!whole) {
      const auto step = framer.next(input.readable(), &payload);
      input.consume(step.consumed);
      if (step.error) {
        fail(UpstreamOutcome::invalid_body);
        break;
      }
      ended = ended || framer.done();
    }
    total += payload.size() - sent;
    if (total > route_.max_body_bytes) {
      fail(UpstreamOutcome::request_too_large);
      break;
    }
    // Up to the stream's queue; the rest after send_ready.
    const std::string_view rest = std::string_view(payload).substr(sent);
    const std::size_t taken = state.connection->session().submit_data(call.stream, rest, ended);
    sent += taken;
    state.connection->flush();
    if (sent == payload.size()) {
      payload.clear();
      sent = 0;
      if (ended) break;
    } else {
      call.send_ready = false;
      while (!call.send_ready && !call.closed && !state.stop_pump) co_await call.wait();
      continue;
    }
    if (input.writable() == 0) input.compact();
    auto [ec, n] =
        co_await session_.read_body(net::buffer(input.write_position(), input.writable()));
    if (state.stop_pump) break;
    if (ec == net::error::eof && head.framing == http::BodyFraming::stream_end) {
      ended = true;
      continue;
    }
    if (ec) {
      fail(session_.timed_out() ? UpstreamOutcome::client_timeout : UpstreamOutcome::client_gone);
      break;
    }
    input.commit(n);
    context_.bytes_in += n;
  }
  if (state.body_failed && !call.closed) state.connection->cut(call);
  request_body_sent_ = ended && !state.body_failed;
  state.pumping = false;
  state.pump_done.cancel();
  call.wake();
}

awaitable<void> ProxyExchange::end_h2_call() {
  if (!h2_) co_return;
  H2State& state = *h2_;
  if (state.pumping) {
    state.stop_pump = true;
    session_.cancel_body_read();
    state.call.wake();
    while (state.pumping) {
      state.pump_done.expires_at(Clock::time_point::max());
      co_await state.pump_done.async_wait(use_nothrow);
    }
  }
  session_.watch_upstream_call(nullptr, nullptr);
  session_.set_response_trailers({});
  if (state.connection) state.connection->forget(state.call);
}

awaitable<bool> ProxyExchange::relay_h2_response() {
  H2State& state = *h2_;
  H2UpstreamCall& call = state.call;
  h2::ClientSession& upstream = state.connection->session();
  const http::RequestHead& head = session_.scratch().head;
  const auto& timeouts = snapshot_.config.server.timeouts;

  context_.response_status = response_.status;
  context_.upstream_response = &response_;
  if (!arm_.chain->empty()) arm_.chain->run_response_phase(context_);

  // An h2 response ends with its stream: to an HTTP/1.1 client it goes chunked (an HTTP/1.0
  // one reads to the close), unless the upstream declared its length.
  const bool declared = response_.framing == http::BodyFraming::content_length ||
                        response_.framing == http::BodyFraming::none;
  const bool chunked = !declared && head.version_minor == 1;
  proxy::ClientResponseInfo info;
  info.record = session_.head_record();
  info.keep_alive = head.keep_alive && !session_.worker().draining() && (declared || chunked);
  info.client_http10 = head.version_minor == 0;
  info.request_id = context_.request_id;
  if (!declared) {
    info.framing = chunked ? http::BodyFraming::chunked : http::BodyFraming::until_close;
  }
  // A response that ended with its head (gRPC's "Trailers-Only" answer carries its status
  // there) says so: "Content-Length: 0", which an HTTP/2 client gets as HEADERS with END_STREAM.
  const bool bodyless_status =
      response_.status < 200 || response_.status == 204 || response_.status == 304;
  if (call.ended && upstream.response_body(call.stream).empty() &&
      upstream.response_trailers(call.stream).empty() && !bodyless_status &&
      head.method != http::Method::head) {
    info.framing = http::BodyFraming::content_length;
    info.body_length = 0;
  }
  if (!context_.response_headers.empty()) info.edits = &context_.response_headers;
  std::string& out = session_.scratch().output;
  out.clear();
  proxy::write_client_response_head(response_, info, out);
  context_.status_sent = response_.status;

  bool ok = true;
  bool wrote_head = false;
  bool crlf_owed = false;  // the last chunk's CRLF, sent ahead of the next piece
  for (;;) {
    // What the stream has now: body bytes, and perhaps its end (with trailers).
    const std::string_view body = upstream.response_body(call.stream);
    const bool end = call.ended || response_.framing == http::BodyFraming::none;
    if (chunked && crlf_owed && (!body.empty() || end)) {
      out.append("\r\n");
      crlf_owed = false;
    }
    if (chunked && !body.empty()) {
      append_hex(out, body.size());
      out.append("\r\n");
      crlf_owed = true;
    }
    std::string last;  // the last chunk and the trailers
    if (end) {
      const std::span<const http::Header> trailers = upstream.response_trailers(call.stream);
      session_.set_response_trailers(trailers);
      if (chunked) {
        last.append(crlf_owed ? "\r\n0\r\n" : "0\r\n");
        for (const auto& trailer : trailers) {
          last.append(trailer.name).append(": ").append(trailer.value).append("\r\n");
        }
        last.append("\r\n");
      }
    }
    if (!wrote_head || !body.empty() || !last.empty() || !out.empty()) {
      session_.expect(Phase::client_write, timeouts.body_read);
      auto [ec, n] = co_await session_.write_all(net::buffer(out), net::buffer(body));
      if (!ec && !last.empty()) {
        auto [last_ec, last_n] = co_await session_.write_all(net::buffer(last));
        ec = last_ec;
        n += last_n;
      }
      context_.bytes_out += n;
      out.clear();
      wrote_head = true;
      if (ec) {
        ok = false;
        break;
      }
      if (!body.empty()) {
        upstream.consume(call.stream, body.size());
        state.connection->flush();  // the window the client's reading opened
      }
    }
    if (end) break;
    if (call.closed) {
      ok = false;  // reset or lost before its end: truncated
      break;
    }
    call.body = false;
    const auto grpc_left = grpc_time_left(context_);
    session_.expect(
        Phase::upstream_body,
        grpc_left ? std::min<std::chrono::milliseconds>(arm_.timeout, *grpc_left) : arm_.timeout);
    while (!call.body && !call.ended && !call.closed) co_await call.wait();
  }
  session_.clear_deadline();
  if (ok) session_.end_response();
  session_.finish_request();
  co_await end_h2_call();
  co_return ok&& info.keep_alive;
}

}  // namespace apigw::server
