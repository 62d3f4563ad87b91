#include "server/h2_connection.h"

#include <linux/sockios.h>
#include <sys/ioctl.h>

#include <cstring>
#include <vector>

#include "server/h2_stream.h"
#include "server/worker.h"
#include "util/log.h"

namespace apigw::server {
namespace {

h2::SessionLimits limits_of(const config::ServerConfig& server) {
  h2::SessionLimits limits = h2::session_limits(server.limits);
  const config::Http2Config& http2 = server.http2;
  limits.max_concurrent_streams = http2.max_concurrent_streams;
  limits.stream_window = static_cast<std::uint32_t>(http2.stream_window);
  limits.connection_window = static_cast<std::uint32_t>(http2.connection_window);
  limits.abuse.max_resets = http2.max_resets;
  limits.abuse.reset_rate = http2.reset_rate;
  limits.abuse.max_control_frames = http2.max_control_frames;
  limits.abuse.control_frame_rate = http2.control_frame_rate;
  limits.abuse.max_empty_data = http2.max_empty_data;
  return limits;
}

std::string_view close_reason_name(h2::CloseReason reason, h2::Abuse abuse) {
  switch (reason) {
    case h2::CloseReason::abuse:
      return h2::abuse_name(abuse);
    case h2::CloseReason::protocol_error:
      return "protocol_error";
    case h2::CloseReason::goaway:
      return "goaway";
    case h2::CloseReason::peer_done:
      return "peer_goaway";
    case h2::CloseReason::none:
      break;
  }
  return "none";
}

// The first GOAWAY for abuse per worker and second is logged; the others are counted only.
bool may_log_goaway(Clock::time_point now) {
  static thread_local Clock::time_point last{};
  if (now - last < std::chrono::seconds(1)) return false;
  last = now;
  return true;
}

}  // namespace

void H2Connection::start(Worker& worker, Transport transport, ClientAddress client,
                         std::unique_ptr<ConnectionTlsState> tls, std::string_view already_read,
                         observe::ListenerBytes* bytes) {
  auto connection = std::make_shared<H2Connection>(worker, std::move(transport), std::move(client),
                                                   std::move(tls));
  connection->listener_bytes_ = bytes;
  worker.buffers().acquire(connection->input_);
  if (already_read.size() > connection->input_.writable()) {
    connection->input_.grow(already_read.size());  // never, in practice: a preface, a PROXY header
  }
  if (!already_read.empty()) {
    std::memcpy(connection->input_.write_position(), already_read.data(), already_read.size());
    connection->input_.commit(already_read.size());
  }
  // Drained while the handshake or the preface was on its way: the GOAWAYs all the same.
  if (worker.draining()) connection->on_drain();
  net::co_spawn(worker.context(), read_loop(connection), net::detached);
}

H2Connection::H2Connection(Worker& worker, Transport transport, ClientAddress client,
                           std::unique_ptr<ConnectionTlsState> tls)
    : worker_(worker),
      transport_(std::move(transport)),
      client_(std::move(client)),
      tls_(std::move(tls)),
      session_(limits_of(worker.current()->snapshot->config.server)),
      settings_(worker.current()->snapshot->config.server.http2),
      written_(worker.context()),
      drain_timer_(worker.context()) {
  worker_.sweeper().add(*this);
  worker_.add_connection(*this);
  worker_.metrics().active_connections.fetch_add(1, std::memory_order_relaxed);
  ++worker_.metrics().http2.connections;
  ++worker_.metrics().http2.connections_total;
}

H2Connection::~H2Connection() {
  close_socket();
  --worker_.metrics().http2.connections;
  worker_.metrics().active_connections.fetch_sub(1, std::memory_order_relaxed);
  worker_.remove_connection(*this);
  worker_.buffers().release_if_empty(input_);
}

awaitable<void> H2Connection::read_loop(std::shared_ptr<H2Connection> self) {
  H2Connection& connection = *self;
  for (;;) {
    if (!connection.input_.empty()) {
      const std::string_view bytes = connection.input_.readable();
      const auto events = connection.session_.feed(
          std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
      connection.input_.consume(bytes.size());
      // Input the session refused (abuse, a protocol error) ends the connection here: the read
      // loop closes it itself, once the GOAWAY is out and what the client still sends is read.
      if (connection.session_.closing()) connection.lingering_ = true;
      connection.dispatch(events);
      connection.flush();
    }
    if (connection.closed_ || connection.session_.closing()) break;
    // The session's output is written before more is read: a client that does not read what it
    // asks for (PINGs, SETTINGS) cannot make it grow.
    while (connection.writing_ && !connection.closed_) {
      connection.written_.expires_at(Clock::time_point::max());
      co_await connection.written_.async_wait(use_nothrow);
    }
    if (connection.closed_) break;
    connection.arm_deadline();
    if (connection.input_.writable() == 0) connection.input_.compact();
    auto [ec, n] = co_await connection.transport_.async_read_some(
        net::buffer(connection.input_.write_position(), connection.input_.writable()), use_nothrow);
    if (ec) break;
    connection.input_.commit(n);
    // TLS records OpenSSL already holds (it reads ahead) are taken now, so the session gets them
    // in one feed rather than one record per pass of the worker's queue.
    while (connection.transport_.has_buffered_input() && connection.input_.writable() > 0 &&
           connection.transport_.read_now(connection.input_) == ReadNow::read) {
    }
  }
  connection.reading_done_ = true;
  if (connection.session_.closing()) {
    connection.log_goaway();
    connection.flush();  // the GOAWAY
  }
  // The client left (or the session stopped taking input): streams still running are answered
  // to nobody, or were abandoned by the GOAWAY the session sent.
  if (!connection.session_.closing() || connection.session_.finished()) connection.lose_streams();
  if (connection.lingering_) {
    co_await linger(self);
    connection.close_socket();
    co_return;
  }
  connection.arm_deadline();
}

awaitable<void> H2Connection::linger(std::shared_ptr<H2Connection> self) {
  // An attacker is usually still sending when its GOAWAY goes out, and closing with unread
  // input makes the kernel answer RST, which destroys the GOAWAY before the client reads it.
  // As the HTTP/1 side does (NGINX's lingering close): the GOAWAY, then FIN, then read and
  // discard for a moment (2 s, 1 MiB at most).
  H2Connection& connection = *self;
  while (connection.writing_ && !connection.closed_) {
    connection.written_.expires_at(Clock::time_point::max());
    co_await connection.written_.async_wait(use_nothrow);
  }
  if (connection.closed_ || !connection.transport_.shut_write_side()) co_return;
  connection.waiting_ = Waiting::linger;
  connection.set_deadline(util::coarse_deadline(std::chrono::seconds(2)));
  co_await connection.transport_.discard_input(connection.input_, 1 << 20);
}

void H2Connection::dispatch(std::span<const h2::Event> events) {
  // A copy: a stream's flush() may make the session raise (and hand out) more events, which
  // reuses the storage `events` points into. The outermost dispatch reuses one vector.
  std::vector<h2::Event> nested;
  std::vector<h2::Event>& batch = dispatching_ == 0 ? batch_ : nested;
  batch.assign(events.begin(), events.end());
  ++dispatching_;
  for (const h2::Event& event : batch) {
    switch (event.kind) {
      case h2::EventKind::request:
      case h2::EventKind::refused:
        start_stream(event);
        break;
      case h2::EventKind::body:
      case h2::EventKind::request_end:
      case h2::EventKind::send_ready:
        if (auto found = streams_.find(event.stream); found != streams_.end()) {
          found->second->on_news(event.kind == h2::EventKind::request_end);
        }
        break;
      case h2::EventKind::closed:
        if (auto found = streams_.find(event.stream); found != streams_.end()) {
          H2Stream& stream = *found->second;
          if (event.error_code != 0) ++worker_.metrics().http2.stream_resets;
          stream.on_closed(event.error_code);
          if (stream.served()) release(event.stream);
        } else {
          session_.release(event.stream);
        }
        break;
    }
  }
  --dispatching_;
  if (dispatching_ > 0) return;
  // New streams start once the whole batch is in: a body or an END_STREAM that came with the
  // head is theirs from the start. (Their coroutines run here, up to their first wait.)
  if (!starting_.empty()) {
    std::vector<H2Stream*> starting;
    starting.swap(starting_);
    for (H2Stream* stream : starting) {
      if (stream->refusal()) {
        net::co_spawn(worker_.context(), H2Stream::refuse(shared_from_this(), *stream),
                      net::detached);
      } else {
        H2Stream::serve(shared_from_this(), *stream);
      }
    }
    starting.clear();
    if (starting_.empty()) starting_.swap(starting);  // keeps the capacity
  }
  while (more_events_ && dispatching_ == 0) {
    more_events_ = false;
    dispatch(session_.take_events());
  }
}

void H2Connection::dispatch_pending() {
  if (dispatching_ > 0) {
    more_events_ = true;
    return;
  }
  const auto events = session_.take_events();
  if (!events.empty()) dispatch(events);
}

void H2Connection::start_stream(const h2::Event& event) {
  auto owned = std::make_unique<H2Stream>(*this, event.stream);
  H2Stream& stream = *owned;
  streams_.emplace(event.stream, std::move(owned));
  ++worker_.metrics().http2.streams_total;
  ++requests_;
  const std::uint32_t max_requests =
      worker_.current()->snapshot->config.server.http2.max_requests_per_connection;
  if (max_requests > 0 && requests_ >= max_requests && !draining_) {
    draining_ = true;
    session_.goaway(true);
  }
  if (event.kind == h2::EventKind::refused) stream.refuse_with(event.refusal);
  starting_.push_back(&stream);
}

void H2Connection::stream_served(std::int32_t id) {
  schedule_flush();  // its end goes out with the others of this pass; then it is released
  if (const auto found = streams_.find(id); found != streams_.end()) {
    if (found->second->closed() || closed_) release(id);
  }
  arm_deadline();
}

void H2Connection::release(std::int32_t id) {
  session_.release(id);
  streams_.erase(id);
}

void H2Connection::schedule_flush() {
  if (flush_scheduled_ || closed_) return;
  flush_scheduled_ = true;
  net::post(worker_.context(), [self = shared_from_this()] {
    self->flush_scheduled_ = false;
    self->flush();
    self->arm_deadline();
  });
}

void H2Connection::flush() {
  if (writing_ || closed_) return;
  for (;;) {
    const std::string_view out = session_.pending_output();
    if (out.empty()) break;
    const ImmediateWrite sent = transport_.write_now(net::buffer(out));
    if (sent.ec) {
      close_socket();
      return;
    }
    if (!sent.done) {
      writing_ = true;
      in_flight_ = out;
      in_flight_written_ = sent.written;
      arm_deadline();
      net::co_spawn(worker_.context(), write_loop(shared_from_this()), net::detached);
      return;
    }
    session_.output_written(sent.written);
  }
  dispatch_pending();
  if (lingering_) return;  // the read loop closes
  if (session_.finished() || (reading_done_ && streams_.empty())) close_socket();
}

awaitable<void> H2Connection::write_loop(std::shared_ptr<H2Connection> self) {
  H2Connection& connection = *self;
  for (;;) {
    auto [ec, n] = co_await connection.transport_.write_rest(net::buffer(connection.in_flight_), {},
                                                             connection.in_flight_written_);
    if (ec || connection.closed_) {
      connection.close_socket();
      break;
    }
    connection.session_.output_written(connection.in_flight_.size());
    connection.in_flight_ = connection.session_.pending_output();
    connection.in_flight_written_ = 0;
    if (connection.in_flight_.empty()) break;
  }
  connection.writing_ = false;
  connection.written_.cancel();
  if (!connection.closed_) {
    // Streams whose queues the write drained can go on.
    connection.dispatch_pending();
    connection.flush();
    connection.arm_deadline();
  }
}

void H2Connection::arm_deadline() {
  if (closed_) {
    clear_deadline();
    return;
  }
  if (lingering_) return;  // the read loop's own deadline
  const config::ServerTimeouts& timeouts = worker_.current()->snapshot->config.server.timeouts;
  const Waiting was = waiting_;
  // A stream whose answer is all queued but not all sent waits on the client's reading (its
  // window) as much as a blocked write does.
  // (Called as each stream is served: the scan stops at the first such stream, and is skipped
  // while a write is blocked anyway.)
  const auto unsent = [this] {
    for (const auto& [id, stream] : streams_) {
      if (stream->served() && !stream->closed()) return true;
    }
    return false;
  };
  if (writing_ || unsent()) {
    waiting_ = Waiting::client_read;
  } else if (session_.header_block_open() || session_.preface_pending()) {
    waiting_ = Waiting::header_block;
  } else if (streams_.empty()) {
    waiting_ = Waiting::idle;
  } else {
    waiting_ = Waiting::nothing;  // the streams' own deadlines run
  }
  if (waiting_ == was && waiting_ != Waiting::nothing) return;  // keeps counting
  switch (waiting_) {
    case Waiting::client_read:
      set_deadline(util::coarse_deadline(timeouts.body_read));
      break;
    case Waiting::header_block:
      set_deadline(util::coarse_deadline(timeouts.header_read));
      break;
    case Waiting::idle:
      set_deadline(util::coarse_deadline(timeouts.idle));
      break;
    case Waiting::nothing:
    case Waiting::linger:  // never chosen here
      clear_deadline();
      break;
  }
}

void H2Connection::on_deadline() {
  const Waiting was = waiting_;
  waiting_ = Waiting::nothing;
  if (was == Waiting::nothing) return;
  if (was == Waiting::linger) {
    close_socket();  // ends the lingering read
    return;
  }
  if (was == Waiting::idle) ++worker_.metrics().http2.goaways_idle;
  // Bytes written long enough ago and still unacknowledged: the client does not read (a slow
  // read, a zero TCP window). As for an HTTP/1 client, they are dropped with a reset rather than
  // left in the kernel behind a FIN (FIN-WAIT-1 against a zero window holds them for minutes);
  // a GOAWAY would wait behind them too. Otherwise the client is told why (GOAWAY) first.
  error_code ignored;
  if (int unacked = 0;
      ::ioctl(transport_.socket().native_handle(), SIOCOUTQ, &unacked) == 0 && unacked > 0) {
    transport_.socket().set_option(net::socket_base::linger(true, 0), ignored);
  } else if (was != Waiting::client_read) {
    session_.goaway(false);
    flush();
  }
  close_socket();
}

void H2Connection::on_drain() {
  if (draining_ || closed_) return;
  draining_ = true;
  // Clients stop opening streams at the first GOAWAY; the graceful one a second later names the
  // last stream served, so streams already on their way are refused (safe to retry elsewhere)
  // rather than cut.
  session_.shutdown_notice();
  flush();
  drain_timer_.expires_after(std::chrono::seconds(1));
  drain_timer_.async_wait([weak = weak_from_this()](error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->closed_) return;
    self->session_.goaway(true);
    self->flush();
  });
}

void H2Connection::on_reload(WorkerSnapshot& serving) {
  const config::ServerConfig& server = serving.snapshot->config.server;
  if (server.http2 == settings_) return;
  on_drain();
}

void H2Connection::abort() {
  lose_streams();
  close_socket();
}

void H2Connection::lose_streams() {
  std::vector<H2Stream*> running;
  for (auto& [id, stream] : streams_) {
    if (!stream->served()) running.push_back(stream.get());
  }
  for (H2Stream* stream : running) stream->on_connection_lost();
}

void H2Connection::close_socket() {
  if (closed_) return;
  closed_ = true;
  clear_deadline();
  error_code ignored;
  drain_timer_.cancel();
  written_.cancel();
  if (!writing_) transport_.send_close_notify();
  transport_.socket().shutdown(tcp_socket::shutdown_both, ignored);
  transport_.close(ignored);
  lose_streams();
}

void H2Connection::log_goaway() const {
  const h2::CloseReason reason = session_.close_reason();
  if (reason != h2::CloseReason::abuse && reason != h2::CloseReason::protocol_error) return;
  observe::Http2Counters& counters = worker_.metrics().http2;
  if (reason == h2::CloseReason::abuse) {
    ++counters.goaways_abuse[static_cast<std::size_t>(session_.abuse())];
  } else {
    ++counters.goaways_protocol_error;
  }
  if (!may_log_goaway(Clock::now())) return;
  util::log_warn("http2: connection from " + client_.text + " closed with GOAWAY (" +
                 std::string(close_reason_name(reason, session_.abuse())) + ")");
}

}  // namespace apigw::server
