#include "server/client_session.h"

#include <linux/sockios.h>
#include <sys/ioctl.h>

#include <chrono>
#include <cstring>

#include "http/path.h"
#include "http/proxy_protocol.h"
#include "proxy/head_writer.h"
#include "server/proxy_exchange.h"
#include "server/read_now.h"
#include "server/worker.h"
#include "server/write_all.h"

namespace apigw::server {

void ClientSession::start(Worker& worker, tcp_socket socket, const AcceptedOn& on) {
  auto session = std::make_unique<ClientSession>(worker, std::move(socket));
  if (on.tls != nullptr) {
    net::co_spawn(worker.context(), serve_tls(std::move(session), on), net::detached);
    return;
  }
  session->awaiting_proxy_header_ = on.proxy_protocol;
  // A client usually sends its first request right behind the handshake: read it on the spot
  // rather than wait for readiness (read_now.h); only a client that has sent nothing yet waits.
  worker.buffers().acquire(session->input_);
  switch (session->transport_.read_now(session->input_)) {
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

ClientSession::ClientSession(Worker& worker, tcp_socket socket)
    : worker_(worker), transport_(std::move(socket)) {
  error_code ec;
  const auto remote = transport_.socket().remote_endpoint(ec);
  if (!ec) {
    client_ip_ = remote.address().to_string();
    if (remote.address().is_v4()) {
      client_address_ = util::IpAddress::v4(remote.address().to_v4().to_bytes());
    } else {
      client_address_ = util::IpAddress::v6(remote.address().to_v6().to_bytes());
    }
  }
  transport_.socket().set_option(tcp::no_delay(true), ec);
  transport_.socket().non_blocking(true, ec);  // for write_all's immediate write
  worker_.sweeper().add(*this);
  worker_.add_session(*this);
  worker_.metrics().active_connections.fetch_add(1, std::memory_order_relaxed);
}

ClientSession::~ClientSession() {
  if (tls_) --tls_->counters->connections;
  worker_.metrics().active_connections.fetch_sub(1, std::memory_order_relaxed);
  worker_.remove_session(*this);
  worker_.buffers().release_if_empty(input_);
  worker_.scratch().give_back(std::move(scratch_));
}

void ClientSession::expect(Phase phase, std::chrono::milliseconds timeout) {
  phase_ = phase;
  set_deadline(Clock::now() + timeout);
}

void ClientSession::expect_body() {
  // body_read alone bounds each wait, so a client that sends a byte just inside it holds the
  // request, and its upstream connection, as long as it likes (the slow-body attack, slowhttptest
  // -B). As with Apache's mod_reqtimeout MinRate, the body as a whole may also take only
  // body_read plus one second per body_min_rate bytes received, counted from the first wait.
  const config::ServerTimeouts& timeouts = serving_->snapshot->config.server.timeouts;
  const Clock::time_point now = Clock::now();
  if (body_started_ == Clock::time_point{}) body_started_ = now;
  Clock::time_point deadline = now + timeouts.body_read;
  if (const std::uint64_t rate = timeouts.body_min_rate; rate > 0) {
    const std::uint64_t in = scratch_->request.bytes_in;
    const std::uint64_t received = in - std::min<std::uint64_t>(in, scratch_->head.head_bytes);
    const std::chrono::milliseconds earned(received / rate * 1000 + received % rate * 1000 / rate);
    deadline = std::min(deadline, body_started_ + timeouts.body_read + earned);
  }
  phase_ = Phase::client_body;
  set_deadline(deadline);
}

void ClientSession::on_deadline() {
  timed_out_ = true;
  timed_out_in_ = phase_;
  error_code ignored;
  switch (phase_) {
    case Phase::tls_handshake:
      socket().close(ignored);  // nothing to answer: no HTTP has been spoken yet
      break;
    case Phase::upstream_connect:
    case Phase::upstream_exchange:
    case Phase::upstream_body:
      if (upstream_ != nullptr) upstream_->transport.close(ignored);
      if (phase_ == Phase::upstream_body) socket().close(ignored);
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
    case Phase::filter_wait:
      if (scratch_) scratch_->request.cancellation.cancel();
      break;
  }
}

void ClientSession::on_drain() {
  if ((phase_ == Phase::client_idle || phase_ == Phase::client_linger) && !timed_out_) {
    error_code ignored;
    socket().cancel(ignored);
  }
}

void ClientSession::begin_unparsed_request() {
  // The previous request's id may point into input that is gone: this answer gets its own. The
  // request line, when it is there, still names the method and target for the access log.
  pipeline::RequestContext& ctx = scratch_->request;
  ctx.reset();
  ctx.start = pipeline::RequestContext::Clock::now();
  const http::RequestLine line = http::peek_request_line(input_.readable());
  scratch_->head.clear();
  scratch_->head.method_text = line.method;
  scratch_->head.method = http::parse_method(line.method);
  scratch_->head.target = line.target;
  ctx.head = &scratch_->head;
  ctx.client_address = ctx.peer_address = client_ip_;
  ctx.client_ip = client_address_;
  ctx.tls = tls_ ? &tls_->view : nullptr;
  ctx.worker_index = worker_.index();
  util::make_request_id(request_id_storage_);
  ctx.request_id = {request_id_storage_.data(), request_id_storage_.size()};
  serving_ = worker_.current();
  route_ = nullptr;
  arm_ = nullptr;
  chain_ = nullptr;
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
  if (session.transport_.has_buffered_input()) {
    // TLS records OpenSSL has already read never make the socket readable again.
    net::co_spawn(session.worker_.context(), serve(std::move(self)), net::detached);
    return;
  }
  session.worker_.buffers().release_if_empty(session.input_);
  session.worker_.scratch().give_back(std::move(session.scratch_));
  session.timed_out_ = false;
  session.expect(Phase::client_idle,
                 session.worker_.current()->snapshot->config.server.timeouts.idle);
  session.socket().async_wait(tcp_socket::wait_read,
                              [self = std::move(self)](error_code ec) mutable {
                                if (ec || self->worker_.draining())
                                  return;  // closed, idle timeout or draining: `self` dies
                                // Readable: read now, so that serve() goes on without a pass
                                // of the queue.
                                ClientSession& session = *self;
                                session.worker_.buffers().acquire(session.input_);
                                if (session.transport_.read_now(session.input_) == ReadNow::failed)
                                  return;
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
    session.serving_.reset();  // an idle connection must not keep an old snapshot alive
    session.route_ = nullptr;
    session.arm_ = nullptr;
    session.chain_ = nullptr;
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
  error_code ignored;
  session.transport_.send_close_notify();
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
    if (worker_.draining() || aborted_) co_return Linger::closed;
    worker_.buffers().acquire(input_);
    switch (transport_.read_now(input_)) {
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
  auto [ec, n] = transport_.tls() == nullptr
                     ? co_await socket().async_read_some(into, use_nothrow)
                     : co_await transport_.async_read_some(into, use_nothrow);
  --worker_.lingering();
  clear_deadline();
  if (!ec) {
    worker_.buffers().acquire(input_);
    std::memcpy(input_.write_position(), block.get(), n);
    input_.commit(n);
  }
  worker_.small_blocks().give_back(std::move(block));
  if (!ec) co_return Linger::request;
  const bool quiet = ec == net::error::operation_aborted && timed_out_ &&
                     timed_out_in_ == Phase::client_linger && !worker_.draining() && !aborted_ &&
                     kLinger < idle;
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
    if (!awaiting_proxy_header_ && !input_.empty()) {
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
    auto [ec, n] = co_await transport_.async_read_some(
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
        client_ip_ = proxy.header.source_text;
        client_address_ = proxy.header.source;
      }
      input_.consume(proxy.header_bytes);
      awaiting_proxy_header_ = false;
      return true;
  }
  return false;
}

awaitable<void> ClientSession::lingering_close() {
  // Closing with unread input makes the kernel send RST, which can destroy the error response
  // before the client reads it. Read and discard for a moment first (NGINX's lingering close).
  error_code ec;
  transport_.send_close_notify();
  socket().shutdown(tcp_socket::shutdown_send, ec);
  if (ec) co_return;
  worker_.buffers().acquire(input_);
  expect(Phase::client_write, std::chrono::seconds(2));
  for (std::size_t discarded = 0; discarded < (1 << 20);) {
    input_.consume(input_.size());
    auto [read_ec, n] = co_await transport_.async_read_some(
        net::buffer(input_.write_position(), input_.writable()), use_nothrow);
    if (read_ec) break;
    discarded += n;
  }
  input_.consume(input_.size());
  clear_deadline();
}

}  // namespace apigw::server
