// A WebSocket connection after its 101: the client's connection and the upstream's, relayed both
// ways on the worker (docs/websocket.md). The tunnel reads frame headers (ws/frame.h), never
// payloads, to count messages and bytes and to hold each side to RFC 6455 and the route's limits;
// it speaks only when it closes the tunnel itself (a limit, a timeout, a deleted route, shutdown):
// then each side gets a close frame with a code, when its stream is between frames.
//
// An idle tunnel holds no buffer and no coroutine frame: it waits for readability on both sockets
// with a handler that points back to it, reads into one of the worker's pooled buffers for as long
// as bytes come, and gives the buffer back before it waits again. Only bytes a peer does not take
// at once are kept (copied once, and the reading side waits until they are out): no allocation per
// message in the common case. Timeouts (idle, ping, max_duration, the grace of a deleted route,
// drain) share the tunnel's one deadline on the worker's sweeper and are worked out when it passes.
//
// Owned by itself: it ends by deleting itself from a handler once both sockets are closed and no
// handler of its is pending.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "config/schema.h"
#include "observe/websocket_stats.h"
#include "proxy/target_state.h"
#include "server/deadline_sweeper.h"
#include "server/request_stream.h"
#include "server/transport.h"
#include "snapshot/snapshot.h"
#include "ws/frame.h"

namespace apigw::server {

class Worker;

// What the proxy exchange hands over once the upstream accepted the upgrade. The counts below are
// already taken; the tunnel gives them back when it ends.
struct TunnelHandover {
  explicit TunnelHandover(Transport upstream_transport) : upstream(std::move(upstream_transport)) {}
  Transport upstream;
  std::string upstream_early;  // bytes the upstream sent behind its 101 (frames, already)
  std::string route;           // the route's name: reloads find it again by name
  config::WebSocketConfig limits;
  bool deflate = false;  // permessage-deflate negotiated end to end: RSV1 allowed
  std::shared_ptr<snapshot::RouteTunnels> route_tunnels;  // open + 1
  std::shared_ptr<proxy::TargetState> target;             // in_flight + 1
  std::shared_ptr<proxy::UpstreamState> upstream_state;   // connections + 1
  // The upstream's cells of apigw_upstream_bytes_total (the worker's; they never move).
  observe::CounterCell* upstream_bytes = nullptr;
};

class WebSocketTunnel final : public Expirable, public Connection {
 public:
  // Starts relaying between `client` (its TLS state with it; `client_early`: bytes it sent behind
  // its upgrade request) and the handed-over upstream.
  static void start(Worker& worker, Transport client, std::unique_ptr<ConnectionTlsState> tls,
                    std::string_view client_early, TunnelHandover handover);

  WebSocketTunnel(Worker& worker, Transport client, std::unique_ptr<ConnectionTlsState> tls,
                  TunnelHandover handover);
  ~WebSocketTunnel() override;

  void on_deadline() override;
  void on_drain() override;
  void abort() override;
  void on_reload(WorkerSnapshot& serving) override;

 private:
  enum Side : std::uint8_t { client_side = 0, upstream_side = 1 };
  static Side other(Side side) { return side == client_side ? upstream_side : client_side; }

  // The bytes from one side to the other.
  struct Direction {
    explicit Direction(ws::Sender sender, ws::ScanLimits limits) : scanner(sender, limits) {}
    ws::FrameScanner scanner;
    // A plain socket's pending read lands in the inbox (so an idle tunnel borrows no buffer),
    // right behind the carried start of a frame header that is not whole yet (not relayed until
    // it is; at most 13 bytes): the two are one contiguous span.
    static constexpr std::size_t kCarry = 14;
    static constexpr std::size_t kInbox = 128;
    std::array<std::uint8_t, kCarry + kInbox> area{};
    std::uint8_t carry_size = 0;
    std::uint8_t* carry() { return area.data() + kCarry - carry_size; }
    std::uint8_t* inbox() { return area.data() + kCarry; }
    // Bytes the receiving side did not take yet; the sending side is not read meanwhile.
    std::unique_ptr<char[]> pending;
    std::size_t pending_size = 0;
    std::size_t pending_at = 0;
    bool ended = false;          // the sending side's end of stream (FIN) was read
    bool shut = false;           // the receiving side was told (FIN sent to it)
    bool reading = false;        // a readability wait on the sending side is pending
    bool writing = false;        // a writability wait on the receiving side is pending
  };

  Transport& transport(Side side) { return side == client_side ? client_ : upstream_; }
  // The direction whose bytes come from `side`.
  Direction& from(Side side) { return directions_[side]; }
  Direction& toward(Side side) { return directions_[other(side)]; }

  // Reads from `side` what it has sent, relays it, and waits for more. `held`: bytes its inbox
  // read already, relayed with what follows them.
  void pump(Side side, std::size_t held = 0);
  // Waits for `side`'s next bytes with a read into its inbox (a plain socket).
  void wait_for_bytes(Side side);
  // Scans and relays bytes read from `side` (a carried header start first). False: stop reading
  // (bytes wait to be written, or the tunnel closes).
  bool relay(Side side, const char* bytes, std::size_t size);
  // Writes bytes toward `side`: at once, else kept and written when it is writable.
  bool send(Side side, const char* bytes, std::size_t size);
  void flush(Side side);
  // Waits for `side`'s socket: for_read, to read from it again; else to write the bytes kept for
  // it (TLS may want the other readiness either way).
  void wait(Side side, tcp_socket::wait_type what, bool for_read);
  // The end of `side`'s stream: the other side gets a FIN once its pending bytes are out.
  void on_end_of_stream(Side side);
  void shut_toward(Side side);
  // Both peers have ended their streams (and what they sent is out): the tunnel ends. Returns
  // whether it has ended.
  bool complete();
  // The gateway closes the tunnel: a close frame with `code` to each side whose stream is between
  // frames (`offender_code` to the side at fault, if any), a FIN after it, then the sockets close
  // when both peers have closed or after kCloseWait.
  void close_with(observe::TunnelClose reason, std::uint16_t code,
                  std::optional<Side> offender = std::nullopt,
                  std::uint16_t offender_code = ws::kCloseGoingAway);
  // A side failed (reset) or the wait is over: close both sockets now.
  void finish(observe::TunnelClose reason);
  void ping_client();
  // The tunnel's one deadline: the earliest of the timeouts that apply.
  void rearm();
  void apply(const config::WebSocketConfig& limits);
  // Called at the end of every handler: deletes the tunnel when it is finished and idle.
  void done_waiting();
  static constexpr std::chrono::seconds kCloseWait{1};

  Worker& worker_;
  Transport client_;
  Transport upstream_;
  std::unique_ptr<ConnectionTlsState> tls_;  // the client connection's (null: plain)
  std::array<Direction, 2> directions_;      // [the side the bytes come from]
  std::string route_;
  config::WebSocketConfig limits_;
  std::shared_ptr<snapshot::RouteTunnels> route_tunnels_;
  std::shared_ptr<proxy::TargetState> target_;
  std::shared_ptr<proxy::UpstreamState> upstream_state_;
  observe::WebSocketRouteStats* stats_;
  observe::CounterCell* upstream_bytes_;  // [UpstreamBytes]
  // Counts bytes read from (`from`) or written toward (`toward`) a side in the upstream's bytes
  // when that side is the upstream.
  void count_read(Side from, std::size_t bytes);
  void count_written(Side toward, std::size_t bytes);

  Clock::time_point opened_;
  Clock::time_point last_activity_;   // a frame (other than a pong) either way
  Clock::time_point client_quiet_since_;  // the client's last byte (or a ping put off)
  Clock::time_point ping_sent_{};     // the gateway's ping waiting for an answer (epoch: none)
  Clock::time_point grace_until_ = Clock::time_point::max();  // the route is gone
  Clock::time_point drain_until_ = Clock::time_point::max();  // the gateway is draining
  Clock::time_point close_until_ = Clock::time_point::max();  // closing: the peers' last word
  std::optional<Side> first_close_;  // whose close frame came first
  std::optional<Side> first_end_;    // whose stream ended first
  observe::TunnelClose close_reason_ = observe::TunnelClose::client_close;
  std::uint32_t waiting_ = 0;  // handlers of this tunnel not run yet
  bool closing_ = false;       // close frames sent: input is discarded
  bool finished_ = false;      // sockets closed, counts given back
};

}  // namespace apigw::server
