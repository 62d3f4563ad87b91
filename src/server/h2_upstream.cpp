#include "server/h2_upstream.h"

#include <vector>

namespace apigw::server {
namespace {

constexpr std::size_t kReadSize = 16 * 1024;

}  // namespace

h2::ClientLimits upstream_limits(const config::ServerConfig& server) {
  h2::ClientLimits limits;
  // Upstream heads may be larger than what we accept from clients (as proxy_exchange.cpp's
  // kUpstreamHeadLimits for HTTP/1 responses).
  limits.head = http::HeadLimits{64 * 1024, 256, 64 * 1024};
  limits.stream_window = static_cast<std::uint32_t>(server.http2.stream_window);
  limits.connection_window = static_cast<std::uint32_t>(server.http2.connection_window);
  return limits;
}

H2UpstreamConnection::H2UpstreamConnection(std::unique_ptr<UpstreamConnection> carrier,
                                           const h2::ClientLimits& limits,
                                           Clock::duration idle_timeout, DeadlineSweeper& sweeper)
    : carrier_(std::move(carrier)),
      session_(limits),
      idle_timeout_(idle_timeout),
      input_(std::make_unique_for_overwrite<char[]>(kReadSize)) {
  sweeper.add(*this);
}

H2UpstreamConnection::~H2UpstreamConnection() { close(); }

void H2UpstreamConnection::start() {
  flush();  // the preface and SETTINGS
  arm_idle();
  net::co_spawn(carrier_->transport.socket().get_executor(), read_loop(shared_from_this()),
                net::detached);
}

h2::SubmitResult H2UpstreamConnection::open(const h2::UpstreamRequest& request,
                                            H2UpstreamCall& call) {
  const h2::SubmitResult result = session_.submit_request(request);
  if (!result.ok()) return result;
  call.stream = result.stream;
  calls_[result.stream] = &call;
  clear_deadline();
  // Streams the session refused at once (it can tell before anything is written) show up here.
  dispatch(session_.take_events());
  return result;
}

void H2UpstreamConnection::forget(H2UpstreamCall& call) {
  if (call.stream == 0) return;
  calls_.erase(call.stream);
  if (!closed_) {
    session_.release(call.stream);  // resets a stream still open
    flush();
  }
  call.stream = 0;
  arm_idle();
}

void H2UpstreamConnection::cut(H2UpstreamCall& call) {
  call.cut = true;
  if (call.stream != 0 && !call.closed && !closed_) {
    session_.reset_stream(call.stream);
    flush();
  }
  call.wake();
}

awaitable<void> H2UpstreamConnection::read_loop(std::shared_ptr<H2UpstreamConnection> self) {
  H2UpstreamConnection& connection = *self;
  Transport& transport = connection.carrier_->transport;
  while (!connection.closed_) {
    auto [ec, n] = co_await transport.async_read_some(
        net::buffer(connection.input_.get(), kReadSize), use_nothrow);
    if (ec || connection.closed_) break;
    connection.carrier_->count_received(n);
    connection.dispatch(connection.session_.feed(
        std::span(reinterpret_cast<const std::uint8_t*>(connection.input_.get()), n)));
    connection.flush();
    if (connection.session_.finished()) break;
  }
  if (!connection.closed_) {
    // The target went away: streams still open end as refused (never seen) or as failed.
    connection.dispatch(connection.session_.connection_lost());
    connection.close();
  }
}

void H2UpstreamConnection::dispatch(std::span<const h2::ClientEvent> events) {
  // Copied (into a vector kept for the next read): release() below may reuse the session's
  // event storage. Waking an exchange never runs it here, so this never nests.
  batch_.assign(events.begin(), events.end());
  for (const h2::ClientEvent& event : batch_) {
    const auto found = calls_.find(event.stream);
    if (found == calls_.end()) {
      if (event.kind == h2::ClientEventKind::closed) session_.release(event.stream);
      continue;
    }
    H2UpstreamCall& call = *found->second;
    switch (event.kind) {
      case h2::ClientEventKind::informational:
        break;  // 100 Continue and the like: the gateway answers interim responses itself
      case h2::ClientEventKind::response_head:
        call.head = true;
        break;
      case h2::ClientEventKind::body:
        call.body = true;
        break;
      case h2::ClientEventKind::response_end:
        call.ended = true;
        break;
      case h2::ClientEventKind::send_ready:
        call.send_ready = true;
        break;
      case h2::ClientEventKind::closed:
        call.closed = true;
        call.end = event.end;
        call.error_code = event.error_code;
        break;
    }
    call.wake();
  }
}

void H2UpstreamConnection::flush() {
  if (writing_ || closed_) return;
  Transport& transport = carrier_->transport;
  for (;;) {
    const std::string_view out = session_.pending_output();
    if (out.empty()) break;
    const ImmediateWrite sent = transport.write_now(net::buffer(out));
    carrier_->count_sent(sent.written);
    if (sent.ec) {
      dispatch(session_.connection_lost());
      close();
      return;
    }
    if (!sent.done) {
      writing_ = true;
      in_flight_ = out;
      in_flight_written_ = sent.written;
      net::co_spawn(transport.socket().get_executor(), write_loop(shared_from_this()),
                    net::detached);
      return;
    }
    session_.output_written(sent.written);
  }
  dispatch(session_.take_events());
  if (session_.finished()) close();
}

awaitable<void> H2UpstreamConnection::write_loop(std::shared_ptr<H2UpstreamConnection> self) {
  H2UpstreamConnection& connection = *self;
  Transport& transport = connection.carrier_->transport;
  for (;;) {
    auto [ec, n] = co_await transport.write_rest(net::buffer(connection.in_flight_), {},
                                                 connection.in_flight_written_);
    connection.carrier_->count_sent(n - connection.in_flight_written_);
    if (ec || connection.closed_) {
      connection.writing_ = false;
      if (!connection.closed_) {
        connection.dispatch(connection.session_.connection_lost());
        connection.close();
      }
      co_return;
    }
    connection.session_.output_written(connection.in_flight_.size());
    connection.in_flight_ = connection.session_.pending_output();
    connection.in_flight_written_ = 0;
    if (connection.in_flight_.empty()) break;
  }
  connection.writing_ = false;
  connection.flush();
}

void H2UpstreamConnection::arm_idle() {
  if (closed_) return;
  if (session_.open_streams() == 0 && calls_.empty()) {
    set_deadline(util::coarse_deadline(idle_timeout_));
  } else {
    clear_deadline();
  }
}

void H2UpstreamConnection::on_deadline() {
  if (closed_ || !calls_.empty()) return;
  session_.goaway(true);
  flush();
  close();
}

void H2UpstreamConnection::close() {
  if (closed_) return;
  closed_ = true;
  clear_deadline();
  error_code ignored;
  carrier_->transport.send_close_notify();
  carrier_->transport.close(ignored);
  // Exchanges still waiting learn that their stream is over.
  for (auto& [id, call] : calls_) {
    if (!call->closed) {
      call->closed = true;
      call->end = h2::StreamEnd::connection_error;
    }
    call->wake();
  }
}

}  // namespace apigw::server
