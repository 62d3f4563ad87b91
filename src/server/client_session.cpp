#include "server/client_session.h"

#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>

#include <chrono>
#include <cstring>

#include "http/path.h"
#include "http/proxy_protocol.h"
#include "proxy/head_writer.h"
#include "server/h2_connection.h"
#include "server/read_now.h"
#include "server/websocket_tunnel.h"
#include "server/worker.h"
#include "server/write_all.h"
#include "util/coarse_clock.h"

namespace apigw::server {

void ClientSession::start(Worker& worker, tcp_socket socket, const AcceptedOn& on) {
  auto session = std::make_unique<ClientSession>(worker, std::move(socket));
  session->listener_bytes_ = on.bytes;
  if (on.tls != nullptr) {
    net::co_spawn(worker.context(), serve_tls(std::move(session), on), net::detached);
    return;
  }
  session->awaiting_proxy_header_ = on.proxy_protocol;
  session->may_be_http2_ = on.http2;
  // A client usually sends its first request right behind the handshake: read it on the spot
  // rather than wait for readiness (read_now.h); only a client that has sent nothing yet waits.
  worker.buffers().acquire(session->input_);
  switch (session->transport_value_.read_now(session->input_)) {
    case ReadNow::read:
      net::co_spawn(worker.context(), serve(std::move(session)), net::detached);
      return;
    case ReadNow::failed:
      return;
    case ReadNow::nothing:
      wait_while_idle(std::move(session));
      return;
  }
}

ClientSession::ClientSession(Worker& worker, tcp_socket accepted)
    : RequestStream(worker, &transport_value_), transport_value_(std::move(accepted)) {
  error_code ec;
  const auto remote = socket().remote_endpoint(ec);
  if (!ec) {
    client_.text = remote.address().to_string();
    if (remote.address().is_v4()) {
      client_.ip = util::IpAddress::v4(remote.address().to_v4().to_bytes());
    } else {
      client_.ip = util::IpAddress::v6(remote.address().to_v6().to_bytes());
    }
  }
  socket().set_option(tcp::no_delay(true), ec);
  socket().non_blocking(true, ec);  // for write_all's immediate write
  worker_.sweeper().add(*this);
  worker_.add_connection(*this);
  worker_.metrics().active_connections.fetch_add(1, std::memory_order_relaxed);
}

ClientSession::~ClientSession() {
  worker_.metrics().active_connections.fetch_sub(1, std::memory_order_relaxed);
  worker_.remove_connection(*this);
  worker_.buffers().release_if_empty(input_);
  worker_.scratch().give_back(std::move(scratch_));
}

void ClientSession::on_deadline() {
  timed_out_ = true;
  timed_out_in_ = phase_;
  if (on_common_deadline()) return;
  error_code ignored;
  switch (phase_) {
    case Phase::tls_handshake:
      socket().close(ignored);  // nothing to answer: no HTTP has been spoken yet
      break;
    case Phase::upstream_body:
      if (upstream_ != nullptr) upstream_->transport.close(ignored);
      socket().close(ignored);
      break;
    case Phase::client_head:
    case Phase::client_body:
      socket().cancel(ignored);  // still writable: a 408 goes out before we close
      break;
    case Phase::client_linger:
      socket().cancel(ignored);  // serve() sees the cancelled read and hands over to the idle wait
      break;
    case Phase::client_write:
      // Bytes the client has not acknowledged would stay in the kernel after a plain close, up
      // to megabytes per connection for minutes (FIN-WAIT-1 against a zero window): a slow
      // reader's connection is reset instead, as NGINX's reset_timedout_connection does.
      if (int unacked = 0;
          ::ioctl(socket().native_handle(), SIOCOUTQ, &unacked) == 0 && unacked > 0) {
        socket().set_option(net::socket_base::linger(true, 0), ignored);
      }
      socket().close(ignored);
      break;
    case Phase::client_idle:
      socket().close(ignored);
      break;
    default:  // on_common_deadline()'s
      break;
  }
}

void ClientSession::on_drain() {
  // Idle: waits at most kDrainIdleGrace more for a request. Lingering: the linger (at most
  // kLinger) ends as it would, then the idle wait takes the grace.
  if (phase_ == Phase::client_idle && !timed_out_ &&
      deadline() > util::coarse_deadline(kDrainIdleGrace)) {
    expect(Phase::client_idle, kDrainIdleGrace);
  }
}

std::chrono::milliseconds ClientSession::idle_timeout() const {
  const std::chrono::milliseconds idle = worker_.current()->snapshot->config.server.timeouts.idle;
  return worker_.draining() ? std::min(idle, kDrainIdleGrace) : idle;
}

void ClientSession::begin_unparsed_request() {
  // The request line, when it is there, still names the method and target for the access log.
  const http::RequestLine line = http::peek_request_line(input_.readable());
  begin_local_request(line.method, line.target);
}

awaitable<void> ClientSession::refuse_unparsed(int status, std::string_view code,
                                               std::string_view message) {
  begin_unparsed_request();
  co_await answer(pipeline::LocalReply::error(status, std::string(code), std::string(message)),
                  false);
  co_await lingering_close();
}

void ClientSession::abort() {
  aborted_ = true;
  if (scratch_) scratch_->request.cancellation.cancel();
  error_code ignored;
  socket().close(ignored);
  if (upstream_ != nullptr) upstream_->transport.close(ignored);
}

void ClientSession::wait_while_idle(Owner self) {
  // Nothing of the next request has arrived: hold neither a buffer nor request scratch while
  // waiting (NGINX does the same).
  ClientSession& session = *self;
  if (session.transport_value_.has_buffered_input()) {
    // TLS records OpenSSL has already read never make the socket readable again.
    net::co_spawn(session.worker_.context(), serve(std::move(self)), net::detached);
    return;
  }
  session.worker_.buffers().release_if_empty(session.input_);
  session.worker_.scratch().give_back(std::move(session.scratch_));
  session.timed_out_ = false;
  session.expect(Phase::client_idle, session.idle_timeout());
  session.socket().async_wait(
      tcp_socket::wait_read, [self = std::move(self)](error_code ec) mutable {
        if (ec) return;  // closed or timed out: `self` dies
        // Readable: read now, so that serve() goes on without a pass
        // of the queue.
        ClientSession& session = *self;
        session.worker_.buffers().acquire(session.input_);
        if (session.transport_value_.read_now(session.input_) == ReadNow::failed) return;
        net::io_context& context = session.worker_.context();
        net::co_spawn(context, serve(std::move(self)), net::detached);
      });
}

awaitable<void> ClientSession::serve(Owner self) {
  ClientSession& session = *self;
  for (;;) {
    if (!session.scratch_) session.scratch_ = session.worker_.scratch().take();
    if (!co_await session.read_request_head()) break;
    const bool keep_open = co_await session.handle_request();
    session.end_request();
    if (!keep_open) break;
    if (session.worker_.draining() || session.aborted_) break;
    session.scratch_->output.clear();
    // The scratch stays with the connection when the next request is already here: the previous
    // request's copy of its head must not make ProxyExchange::keep_head think this one's head
    // is already safe, or its views stay in a read buffer that a body then grows or overwrites.
    session.scratch_->head_copy.clear();
    if (session.input_.empty()) {
      const Linger linger = co_await session.linger();
      if (linger == Linger::closed) break;
      if (linger == Linger::quiet) {
        wait_while_idle(std::move(self));
        co_return;
      }
    }
  }
  if (session.switched_to_http2_) {
    switch_to_http2(std::move(self));
    co_return;
  }
  if (session.tunnel_) {
    // The 101 is out: the connection is a WebSocket tunnel from here, and this session ends.
    WebSocketTunnel::start(session.worker_, std::move(session.transport_value_),
                           std::move(session.tls_state_), session.input_.readable(),
                           std::move(*session.tunnel_));
    co_return;
  }
  error_code ignored;
  session.transport_value_.send_close_notify();
  session.socket().shutdown(tcp_socket::shutdown_both, ignored);
  session.socket().close(ignored);
}

awaitable<ClientSession::Linger> ClientSession::linger() {
  // On a busy keep-alive connection the next request follows at once. Waiting for it with a plain
  // read costs nothing extra: the socket is already registered for readability (edge-triggered).
  // Going idle at once would cost an epoll_ctl for the readiness wait and a new coroutine per
  // request. The read goes into a 1 KiB block rather than the 16 KiB buffer, so that a burst of
  // connections going quiet costs little; what arrives is copied into a buffer. A connection
  // quiet for kLinger goes idle.
  //
  // Lingering connections still cost a coroutine frame each, so only so many of a worker's
  // connections linger at once; the others go idle at once.
  //
  // On a busy worker the next request is read on the spot after a pass of the worker's queue,
  // and again after the next pass, before the connection lingers or goes idle (read_now.h).
  const auto idle = worker_.current()->snapshot->config.server.timeouts.idle;
  for (int poll = 0; poll < kReadPolls && worker_.busy(); ++poll) {
    co_await net::post(socket().get_executor(), use_awaitable);
    if (aborted_) co_return Linger::closed;
    worker_.buffers().acquire(input_);
    switch (transport_value_.read_now(input_)) {
      case ReadNow::read:
        co_return Linger::request;
      case ReadNow::failed:
        co_return Linger::closed;
      case ReadNow::nothing:
        break;
    }
  }
  if (worker_.lingering() >= kMaxLingering && kLinger < idle) co_return Linger::quiet;
  worker_.buffers().release_if_empty(input_);
  worker_.scratch().give_back(std::move(scratch_));
  std::unique_ptr<char[]> block = worker_.small_blocks().take();
  timed_out_ = false;
  expect(Phase::client_linger, std::min<std::chrono::milliseconds>(kLinger, idle));
  ++worker_.lingering();
  // The plain socket's read named directly: this is the per-request read of a keep-alive
  // connection, and through Transport's wrapper it cost 68 more instructions (callgrind).
  const net::mutable_buffer into(block.get(), SmallBlockPool::kBlockSize);
  auto [ec, n] = transport_value_.tls() == nullptr
                     ? co_await socket().async_read_some(into, use_nothrow)
                     : co_await transport_value_.async_read_some(into, use_nothrow);
  --worker_.lingering();
  clear_deadline();
  if (!ec) {
    worker_.buffers().acquire(input_);
    std::memcpy(input_.write_position(), block.get(), n);
    input_.commit(n);
  }
  worker_.small_blocks().give_back(std::move(block));
  if (!ec) co_return Linger::request;
  // Draining too: the idle wait then takes at most kDrainIdleGrace.
  const bool quiet = ec == net::error::operation_aborted && timed_out_ &&
                     timed_out_in_ == Phase::client_linger && !aborted_ && kLinger < idle;
  co_return quiet ? Linger::quiet : Linger::closed;
}

awaitable<bool> ClientSession::read_request_head() {
  // Held across the awaits below: a reload while this connection waits must not free it.
  const std::shared_ptr<WorkerSnapshot> current = worker_.current();
  const auto& server = current->snapshot->config.server;
  const http::HeadLimits limits{server.limits.max_header_bytes, server.limits.max_header_count,
                                server.limits.max_uri_bytes};
  timed_out_ = false;
  body_started_ = {};
  worker_.buffers().acquire(input_);
  expect(Phase::client_head, server.timeouts.header_read);
  for (;;) {
    if (awaiting_proxy_header_ && !input_.empty() && !take_proxy_header()) co_return false;
    if (may_be_http2_ && !awaiting_proxy_header_ && !input_.empty()) {
      const Preface preface = check_http2_preface();
      if (preface == Preface::whole) {
        clear_deadline();
        switched_to_http2_ = true;
        co_return false;
      }
      may_be_http2_ = preface == Preface::partial;
    }
    if (!awaiting_proxy_header_ && !may_be_http2_ && !input_.empty()) {
      const http::ParseResult result =
          http::parse_request_head(input_.readable(), limits, scratch_->head);
      if (result.status == http::ParseStatus::complete) {
        clear_deadline();
        co_return true;
      }
      if (result.status == http::ParseStatus::error) {
        co_await refuse_unparsed(result.error.status, result.error.code, result.error.message);
        co_return false;
      }
    }
    if (input_.writable() == 0) {
      input_.compact();
      if (input_.writable() == 0) {
        input_.grow(std::max<std::size_t>(input_.capacity() * 2, limits.max_header_bytes + 1024));
      }
    }
    auto [ec, n] = co_await transport_value_.async_read_some(
        net::buffer(input_.write_position(), input_.writable()), use_nothrow);
    if (ec) {
      if (timed_out_ && timed_out_in_ == Phase::client_head && !input_.empty() &&
          !awaiting_proxy_header_) {
        begin_unparsed_request();
        co_await answer(pipeline::LocalReply::error(408, "request_timeout",
                                                    "request head not received in time"),
                        false);
      }
      co_return false;
    }
    input_.commit(n);
  }
}

ClientSession::Preface ClientSession::check_http2_preface() const {
  static constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  const std::string_view bytes = input_.readable();
  const std::size_t compared = std::min(bytes.size(), kPreface.size());
  if (bytes.substr(0, compared) != kPreface.substr(0, compared)) return Preface::no;
  return compared == kPreface.size() ? Preface::whole : Preface::partial;
}

void ClientSession::switch_to_http2(Owner self) {
  ClientSession& session = *self;
  H2Connection::start(session.worker_, std::move(session.transport_value_),
                      std::move(session.client_), std::move(session.tls_state_),
                      session.input_.readable(), session.listener_bytes_);
  // `self` dies here: the socket went with the transport.
}

void ClientSession::watch_client(std::shared_ptr<bool> watching) {
  socket().async_wait(tcp_socket::wait_read, [this, watching](error_code ec) {
    if (!*watching || ec) return;
    // Readable: the end of the stream (FIN, reset), or bytes — the next pipelined request, or a
    // TLS client's close_notify just ahead of its FIN. Only the end counts; after bytes, watch
    // on (the FIN that follows them makes the socket readable again).
    pollfd state{socket().native_handle(), POLLRDHUP, 0};
    if (::poll(&state, 1, 0) > 0 && (state.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) {
      client_left();
      return;
    }
    watch_client(watching);
  });
}

void ClientSession::stop_watching_client() {
  error_code ignored;
  socket().cancel(ignored);
}

bool ClientSession::take_proxy_header() {
  const http::ProxyParseResult proxy = http::parse_proxy_protocol(input_.readable());
  switch (proxy.status) {
    case http::ProxyParseStatus::need_more:
      return true;
    case http::ProxyParseStatus::error:
      // Not from the proxy in front of us (or a broken one): nothing to answer in HTTP terms.
      return false;
    case http::ProxyParseStatus::done:
      if (!proxy.header.local) {
        client_.text = proxy.header.source_text;
        client_.ip = proxy.header.source;
      }
      input_.consume(proxy.header_bytes);
      awaiting_proxy_header_ = false;
      return true;
  }
  return false;
}

awaitable<void> ClientSession::lingering_close() {
  // Closing with unread input makes the kernel send RST, which can destroy the error response
  // before the client reads it (Transport::shut_write_side says more).
  if (!transport_value_.shut_write_side()) co_return;
  worker_.buffers().acquire(input_);
  expect(Phase::client_write, std::chrono::seconds(2));
  co_await transport_value_.discard_input(input_, 1 << 20);
  clear_deadline();
}

}  // namespace apigw::server
