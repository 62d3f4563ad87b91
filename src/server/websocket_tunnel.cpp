#include "server/websocket_tunnel.h"

#include <algorithm>
#include <cstring>

#include "server/worker.h"
#include "util/coarse_clock.h"

namespace apigw::server {
namespace {

using observe::TunnelClose;

// Reads per turn of one direction: a sender that never pauses does not keep the worker from its
// other connections (the turn goes on after a pass of the worker's queue).
constexpr int kReadsPerTurn = 4;

enum class Got : std::uint8_t { bytes, wait_read, wait_write, eof, failed };

// What the non-blocking socket (or TLS on it) holds now.
Got read_some(Transport& transport, char* into, std::size_t size, std::size_t& n) {
  error_code ec;
  n = 0;
  if (TlsSocket* tls = transport.tls()) {
    switch (tls->read(net::buffer(into, size), n, ec)) {
      case TlsStep::done:
        return Got::bytes;
      case TlsStep::want_read:
        return Got::wait_read;
      case TlsStep::want_write:
        return Got::wait_write;
      case TlsStep::failed:
        break;
    }
    return ec == net::error::eof ? Got::eof : Got::failed;
  }
  n = transport.socket().read_some(net::buffer(into, size), ec);
  if (!ec) return Got::bytes;
  if (ec == net::error::would_block || ec == net::error::try_again) return Got::wait_read;
  return ec == net::error::eof ? Got::eof : Got::failed;
}

TunnelClose error_of(bool client) {
  return client ? TunnelClose::client_error : TunnelClose::upstream_error;
}

}  // namespace

void WebSocketTunnel::start(Worker& worker, Transport client,
                            std::unique_ptr<ConnectionTlsState> tls, std::string_view client_early,
                            TunnelHandover handover) {
  const std::string upstream_early = std::move(handover.upstream_early);
  auto* tunnel =
      new WebSocketTunnel(worker, std::move(client), std::move(tls), std::move(handover));
  // Held while the early bytes go through: nothing may delete the tunnel before pump() waits.
  ++tunnel->waiting_;
  if (!client_early.empty()) tunnel->relay(client_side, client_early.data(), client_early.size());
  if (!tunnel->finished_ && !tunnel->closing_ && !upstream_early.empty()) {
    tunnel->relay(upstream_side, upstream_early.data(), upstream_early.size());
  }
  // The upgrade may have started under an older snapshot (its route since deleted) or before a
  // drain began: the tunnel learns both now, as if it had been open then.
  tunnel->on_reload(*worker.current());
  if (worker.draining()) tunnel->on_drain();
  tunnel->rearm();
  tunnel->pump(client_side);
  tunnel->pump(upstream_side);
  --tunnel->waiting_;
  tunnel->done_waiting();
}

WebSocketTunnel::WebSocketTunnel(Worker& worker, Transport client,
                                 std::unique_ptr<ConnectionTlsState> tls, TunnelHandover handover)
    : worker_(worker),
      client_(std::move(client)),
      upstream_(std::move(handover.upstream)),
      tls_(std::move(tls)),
      directions_{{Direction(ws::Sender::client,
                             {handover.limits.max_message_size, handover.deflate}),
                   Direction(ws::Sender::server,
                             {handover.limits.max_message_size, handover.deflate})}},
      route_(std::move(handover.route)),
      limits_(handover.limits),
      route_tunnels_(std::move(handover.route_tunnels)),
      target_(std::move(handover.target)),
      upstream_state_(std::move(handover.upstream_state)),
      stats_(&worker.metrics().acquire_websocket(route_)),
      upstream_bytes_(handover.upstream_bytes) {
  opened_ = last_activity_ = client_quiet_since_ = util::coarse_now();
  stats_->opened.add();
  stats_->active.add();
  worker_.sweeper().add(*this);
  worker_.add_connection(*this);
  worker_.metrics().active_connections.fetch_add(1, std::memory_order_relaxed);
  worker_.metrics().open_tunnels.fetch_add(1, std::memory_order_relaxed);
}

WebSocketTunnel::~WebSocketTunnel() {
  worker_.metrics().active_connections.fetch_sub(1, std::memory_order_relaxed);
  worker_.metrics().open_tunnels.fetch_sub(1, std::memory_order_relaxed);
  worker_.remove_connection(*this);
  worker_.metrics().release_websocket(route_, *stats_);
}

void WebSocketTunnel::done_waiting() {
  if (finished_ && waiting_ == 0) delete this;
}

void WebSocketTunnel::pump(Side side, std::size_t held) {
  Direction& direction = from(side);
  if (finished_ || direction.ended || direction.reading) return;
  // Bytes of this side that the other has not taken yet: read on once they are out (flush()).
  if (!closing_ && direction.pending_size > 0) return;
  ByteBuffer buffer;
  worker_.buffers().acquire(buffer);
  char* const base = buffer.write_position();
  const std::size_t capacity = buffer.writable();
  const bool plain = transport(side).tls() == nullptr;
  // The buffer starts with what is not relayed yet: the carried start of a frame header, and the
  // `held` bytes the inbox read right behind it.
  std::size_t have = direction.carry_size + held;
  std::memcpy(base, direction.carry(), have);
  bool more = false;
  for (int turn = 0; !finished_; ++turn) {
    if (turn == kReadsPerTurn) {
      more = true;
      break;
    }
    std::size_t n = 0;
    const std::size_t room = capacity - have;
    const Got got = read_some(transport(side), base + have, room, n);
    if (got == Got::bytes) count_read(side, n);
    if (got == Got::bytes && side == client_side) {
      client_quiet_since_ = util::coarse_now();
      ping_sent_ = {};  // the client is alive
    }
    const std::size_t total = have + (got == Got::bytes ? n : 0);
    if (total > direction.carry_size && !closing_) {  // new bytes: relay them first
      if (!relay(side, base, total)) break;
    }
    have = direction.carry_size;
    std::memcpy(base, direction.carry(), have);
    if (got == Got::bytes) {
      // A plain socket's read that did not fill the room took all the kernel had: wait for the
      // next edge rather than spend a read on EAGAIN (NGINX's recv does the same with epoll).
      // TLS reads stop at a record, so they go on until OpenSSL wants more.
      if (n < room && plain) {
        wait_for_bytes(side);
        break;
      }
      continue;
    }
    if (got == Got::wait_read) {
      if (plain) {
        wait_for_bytes(side);
      } else {
        wait(side, tcp_socket::wait_read, /*for_read=*/true);
      }
      break;
    }
    if (got == Got::wait_write) {
      wait(side, tcp_socket::wait_write, /*for_read=*/true);
      break;
    }
    if (got == Got::eof) {
      on_end_of_stream(side);
      break;
    }
    stats_->errors.add();
    finish(error_of(side == client_side));
    break;
  }
  worker_.buffers().release_if_empty(buffer);
  if (more) {
    direction.reading = true;
    ++waiting_;
    net::post(worker_.context(), [this, side] {
      --waiting_;
      from(side).reading = false;
      pump(side);
      done_waiting();
    });
  }
}

void WebSocketTunnel::wait_for_bytes(Side side) {
  // A read into the direction's inbox rather than a readiness wait: Asio re-arms the descriptor
  // with epoll_ctl for every readiness wait, while a pending read costs nothing until bytes come
  // (measured: one epoll_ctl per message was 16% of the syscall time under echo load). The inbox
  // is part of the tunnel, so an idle tunnel still holds no buffer.
  Direction& direction = from(side);
  if (direction.reading || finished_) return;
  direction.reading = true;
  ++waiting_;
  transport(side).socket().async_read_some(
      net::buffer(direction.inbox(), Direction::kInbox), [this, side](error_code ec, std::size_t n) {
        --waiting_;
        Direction& direction = from(side);
        direction.reading = false;
        if (finished_) {
          done_waiting();
          return;
        }
        if (ec == net::error::eof) {
          on_end_of_stream(side);
        } else if (ec) {
          stats_->errors.add();
          finish(error_of(side == client_side));
        } else {
          count_read(side, n);
          if (side == client_side) {
            client_quiet_since_ = util::coarse_now();
            ping_sent_ = {};
          }
          if (closing_) {
            pump(side);  // discarded; read on to the peer's end
          } else if (n < Direction::kInbox || direction.pending_size > 0) {
            // All there was (a short read of a plain socket), or bytes wait to be written (a ping
            // of the gateway's that did not go out whole): relayed from the inbox itself, behind
            // what waits; reading resumes once that is out (flush()).
            if (relay(side, reinterpret_cast<const char*>(direction.carry()),
                      direction.carry_size + n)) {
              wait_for_bytes(side);
            }
          } else {
            pump(side, n);  // more may wait: read on in a pooled buffer behind these bytes
          }
        }
        done_waiting();
      });
}

void WebSocketTunnel::count_read(Side from, std::size_t bytes) {
  if (from == upstream_side && upstream_bytes_ != nullptr) {
    upstream_bytes_[static_cast<std::size_t>(observe::UpstreamBytes::received)].add(bytes);
  }
}

void WebSocketTunnel::count_written(Side toward, std::size_t bytes) {
  if (toward == upstream_side && upstream_bytes_ != nullptr) {
    upstream_bytes_[static_cast<std::size_t>(observe::UpstreamBytes::sent)].add(bytes);
  }
}

bool WebSocketTunnel::relay(Side side, const char* bytes, std::size_t size) {
  Direction& direction = from(side);
  const ws::ScanProgress progress =
      direction.scanner.feed({reinterpret_cast<const std::uint8_t*>(bytes), size});
  const std::size_t accepted = progress.accepted;
  if (progress.frames > progress.pongs || progress.payload > 0) {
    last_activity_ = util::coarse_now();
  }
  if (progress.close_frame && !first_close_) first_close_ = side;
  if (side == client_side) {
    stats_->messages_in.add(progress.messages);
    stats_->bytes_in.add(accepted);
  } else {
    stats_->messages_out.add(progress.messages);
    stats_->bytes_out.add(accepted);
  }
  const bool sent = accepted == 0 || send(other(side), bytes, accepted);
  // What follows the accepted bytes is the start of a frame header (at most 13 bytes, ws/frame.h):
  // kept, not relayed, until the header is whole. Only now: `bytes` may be the inbox, whose
  // carry area the move overwrites (memmove: the two may overlap).
  direction.carry_size = 0;
  if (progress.violation == ws::Violation::none) {
    direction.carry_size = static_cast<std::uint8_t>(size - accepted);
    std::memmove(direction.carry(), bytes + accepted, direction.carry_size);
  }
  if (progress.violation != ws::Violation::none && !finished_) {
    stats_->errors.add();
    close_with(progress.violation == ws::Violation::too_big ? TunnelClose::message_too_big
                                                            : TunnelClose::protocol_error,
               ws::kCloseGoingAway, side, ws::close_code_for(progress.violation));
    return false;
  }
  return sent;
}

bool WebSocketTunnel::send(Side side, const char* bytes, std::size_t size) {
  Direction& direction = toward(side);
  if (direction.pending_size > 0) {
    // Behind bytes still waiting (only a close frame of the gateway's comes here then).
    auto joined = std::make_unique_for_overwrite<char[]>(direction.pending_size + size);
    std::memcpy(joined.get(), direction.pending.get(), direction.pending_size);
    std::memcpy(joined.get() + direction.pending_size, bytes, size);
    direction.pending = std::move(joined);
    direction.pending_size += size;
    return false;
  }
  const ImmediateWrite now = transport(side).write_now(net::buffer(bytes, size));
  count_written(side, now.written);
  if (now.ec) {
    stats_->errors.add();
    finish(error_of(side == client_side));
    return false;
  }
  if (now.done) return true;
  // The peer reads slower than the other sends: keep the rest (the sender is not read until it is
  // out, so a tunnel holds at most one read's worth per direction).
  direction.pending_size = size - now.written;
  direction.pending_at = 0;
  direction.pending = std::make_unique_for_overwrite<char[]>(direction.pending_size);
  std::memcpy(direction.pending.get(), bytes + now.written, direction.pending_size);
  wait(side, tcp_socket::wait_write, /*for_read=*/false);
  return false;
}

void WebSocketTunnel::flush(Side side) {
  Direction& direction = toward(side);
  const ImmediateWrite now = transport(side).write_now(net::buffer(
      direction.pending.get() + direction.pending_at, direction.pending_size - direction.pending_at));
  if (now.ec) {
    stats_->errors.add();
    finish(error_of(side == client_side));
    return;
  }
  count_written(side, now.written);
  direction.pending_at += now.written;
  if (!now.done) {
    wait(side, tcp_socket::wait_write, /*for_read=*/false);
    return;
  }
  direction.pending.reset();
  direction.pending_size = direction.pending_at = 0;
  if (direction.ended || closing_) shut_toward(side);
  if (complete()) return;
  pump(other(side));  // the sender of those bytes may be read again
}

void WebSocketTunnel::wait(Side side, tcp_socket::wait_type what, bool for_read) {
  // for_read: the read of `side`'s bytes waits; else the write of bytes toward `side`.
  Direction& direction = for_read ? from(side) : toward(side);
  bool& waiting = for_read ? direction.reading : direction.writing;
  if (waiting) return;
  if (!for_read) {
    if (TlsSocket* tls = transport(side).tls();
        tls != nullptr && tls->write_waits_for() == TlsStep::want_read) {
      what = tcp_socket::wait_read;
    }
  }
  waiting = true;
  ++waiting_;
  transport(side).socket().async_wait(what, [this, side, for_read](error_code ec) {
    --waiting_;
    (for_read ? from(side).reading : toward(side).writing) = false;
    if (!finished_) {
      if (ec) {
        stats_->errors.add();
        finish(error_of(side == client_side));
      } else if (for_read) {
        pump(side);
      } else {
        flush(side);
      }
    }
    done_waiting();
  });
}

void WebSocketTunnel::on_end_of_stream(Side side) {
  Direction& direction = from(side);
  direction.ended = true;
  if (!first_end_) first_end_ = side;
  // The other side learns with a FIN once the bytes before it are out.
  if (direction.pending_size == 0) shut_toward(other(side));
  complete();
}

void WebSocketTunnel::shut_toward(Side side) {
  Direction& direction = toward(side);
  if (direction.shut) return;
  direction.shut = true;
  transport(side).shut_write_side();
}

bool WebSocketTunnel::complete() {
  if (finished_ || !from(client_side).ended || !from(upstream_side).ended) return finished_;
  if (!closing_ && (from(client_side).pending_size > 0 || from(upstream_side).pending_size > 0)) {
    return false;
  }
  if (closing_) {
    finish(close_reason_);
  } else if (first_close_) {
    finish(*first_close_ == client_side ? TunnelClose::client_close : TunnelClose::upstream_close);
  } else {
    // Both ended without a close frame (an abnormal closure, RFC 6455 §7.1.5).
    stats_->errors.add();
    finish(error_of(first_end_.value_or(client_side) == client_side));
  }
  return true;
}

void WebSocketTunnel::close_with(TunnelClose reason, std::uint16_t code, std::optional<Side> offender,
                                 std::uint16_t offender_code) {
  if (closing_ || finished_) return;
  closing_ = true;
  close_reason_ = reason;
  for (const Side side : {client_side, upstream_side}) {
    Direction& direction = toward(side);
    // A close frame fits only between frames, and only if none went that way yet.
    if (!direction.shut && !direction.scanner.closed() && direction.scanner.between_frames()) {
      std::array<std::uint8_t, ws::kMaxBuiltFrame> frame{};
      std::optional<std::uint32_t> mask;
      if (side == upstream_side) mask = static_cast<std::uint32_t>(worker_.random());
      const std::size_t size =
          ws::write_close(frame, offender == side ? offender_code : code, mask);
      send(side, reinterpret_cast<const char*>(frame.data()), size);
      if (finished_) return;
    }
    if (direction.pending_size == 0) shut_toward(side);
  }
  for (Direction& direction : directions_) direction.carry_size = 0;
  close_until_ = util::coarse_now() + kCloseWait;
  rearm();
  // Reads go on (and discard) until both peers have closed or kCloseWait is over.
  pump(client_side);
  pump(upstream_side);
}

void WebSocketTunnel::finish(TunnelClose reason) {
  if (finished_) return;
  finished_ = true;
  closing_ = true;
  close_reason_ = reason;
  clear_deadline();
  error_code ignored;
  client_.close(ignored);
  upstream_.close(ignored);
  const auto lived = std::chrono::duration_cast<std::chrono::milliseconds>(util::coarse_now() -
                                                                           opened_);
  stats_->close(reason, static_cast<std::uint64_t>(std::max<std::int64_t>(lived.count(), 0)));
  route_tunnels_->open.fetch_sub(1, std::memory_order_relaxed);
  target_->in_flight.fetch_sub(1, std::memory_order_relaxed);
  target_->tunnels.fetch_sub(1, std::memory_order_relaxed);
  upstream_state_->connections.fetch_sub(1, std::memory_order_relaxed);
  // Deleted from a handler (never from the sweeper's call, nor from inside a caller's frame).
  ++waiting_;
  net::post(worker_.context(), [this] {
    --waiting_;
    done_waiting();
  });
}

void WebSocketTunnel::ping_client() {
  Direction& direction = toward(client_side);
  const auto now = util::coarse_now();
  if (direction.pending_size == 0 && !direction.shut && !direction.scanner.closed() &&
      direction.scanner.between_frames()) {
    std::array<std::uint8_t, ws::kMaxBuiltFrame> frame{};
    const std::size_t size = ws::write_ping(frame, std::nullopt);
    ping_sent_ = now;
    send(client_side, reinterpret_cast<const char*>(frame.data()), size);
  } else {
    client_quiet_since_ = now;  // mid-frame toward the client: try again an interval later
  }
}

void WebSocketTunnel::on_deadline() {
  if (finished_) return;
  const auto now = util::coarse_now();
  if (closing_) {
    if (now >= close_until_) {
      finish(close_reason_);
    } else {
      rearm();
    }
    return;
  }
  if (now >= drain_until_) return close_with(TunnelClose::shutdown, ws::kCloseGoingAway);
  if (now >= grace_until_) return close_with(TunnelClose::route_deleted, ws::kCloseGoingAway);
  if (limits_.max_duration && now >= opened_ + *limits_.max_duration) {
    return close_with(TunnelClose::max_duration, ws::kCloseGoingAway);
  }
  if (now >= last_activity_ + limits_.idle_timeout) {
    return close_with(TunnelClose::idle_timeout, ws::kCloseGoingAway);
  }
  if (limits_.ping_interval.count() > 0) {
    if (ping_sent_ != Clock::time_point{}) {
      if (now >= ping_sent_ + limits_.ping_interval) {
        return close_with(TunnelClose::ping_timeout, ws::kCloseGoingAway);
      }
    } else if (now >= client_quiet_since_ + limits_.ping_interval) {
      ping_client();
      if (finished_) return;
    }
  }
  rearm();
}

void WebSocketTunnel::rearm() {
  if (finished_) return;
  if (closing_) {
    set_deadline(close_until_);
    return;
  }
  Clock::time_point next =
      std::min({drain_until_, grace_until_, last_activity_ + limits_.idle_timeout});
  if (limits_.max_duration) next = std::min(next, opened_ + *limits_.max_duration);
  if (limits_.ping_interval.count() > 0) {
    const Clock::time_point from =
        ping_sent_ != Clock::time_point{} ? ping_sent_ : client_quiet_since_;
    next = std::min(next, from + limits_.ping_interval);
  }
  set_deadline(next);
}

void WebSocketTunnel::on_drain() {
  if (finished_ || closing_) return;
  // The tunnel gets the drain time like a request in flight, then a 1001.
  const auto drain = worker_.current()->snapshot->config.server.timeouts.drain;
  drain_until_ = std::min(drain_until_, util::coarse_now() + drain);
  rearm();
}

void WebSocketTunnel::abort() { finish(TunnelClose::shutdown); }

void WebSocketTunnel::on_reload(WorkerSnapshot& serving) {
  if (finished_ || closing_) return;
  const snapshot::CompiledRoute* route = serving.route_named(route_);
  if (route != nullptr && !route->handler && route->config->websocket.enabled) {
    grace_until_ = Clock::time_point::max();  // (back) in the config
    apply(route->config->websocket);
    if (route->tunnels != route_tunnels_) {
      // The route was deleted and made again: count this tunnel in its new count.
      route->tunnels->open.fetch_add(1, std::memory_order_relaxed);
      route_tunnels_->open.fetch_sub(1, std::memory_order_relaxed);
      route_tunnels_ = route->tunnels;
    }
  } else if (grace_until_ == Clock::time_point::max()) {
    grace_until_ =
        util::coarse_now() + serving.snapshot->config.server.timeouts.websocket_route_grace;
  }
  rearm();
}

void WebSocketTunnel::apply(const config::WebSocketConfig& limits) {
  limits_ = limits;
  for (Direction& direction : directions_) {
    direction.scanner.set_max_message_size(limits.max_message_size);
  }
}

}  // namespace apigw::server
