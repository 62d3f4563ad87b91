// WebSocket tunnel counters of one route on one worker (server/websocket_tunnel.h writes them),
// merged across workers for GET /admin/websocket/stats and the apigw_websocket_* metrics
// (docs/websocket.md). "in" is what the client sent, "out" what it was sent.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "observe/log_linear_histogram.h"

namespace apigw::observe {

// Why a tunnel ended: the `reason` label.
enum class TunnelClose : std::uint8_t {
  client_close,     // the client's close frame, answered by the upstream (or the client's FIN)
  upstream_close,   // the upstream's close frame (or FIN) first
  client_error,     // the client's connection failed (reset) or ended without a close frame
  upstream_error,   // likewise the upstream's
  idle_timeout,     // no frame either way for idle_timeout: 1001
  ping_timeout,     // the client did not answer the gateway's ping: 1001 to the upstream
  max_duration,     // the route's max_duration: 1001
  message_too_big,  // a message over max_message_size: 1009
  protocol_error,   // a frame against RFC 6455 (masking, opcodes, lengths): 1002
  route_deleted,    // a change removed the route (or its WebSocket), after the grace: 1001
  shutdown,         // the gateway shut down after its drain deadline: 1001
};
inline constexpr std::array<std::string_view, 11> kTunnelCloseNames = {
    "client_close",    "upstream_close", "client_error",   "upstream_error",
    "idle_timeout",    "ping_timeout",   "max_duration",   "message_too_big",
    "protocol_error",  "route_deleted",  "shutdown"};

// Tunnel lifetimes in milliseconds, 8 buckets per power of two (within 6% at the bucket's middle)
// up to 2^36 ms (two years).
using TunnelDurations = LogLinearHistogram<3, 36>;

struct WebSocketRouteStats {
  struct Cell {
    std::atomic<std::uint64_t> value{0};
    void add(std::uint64_t by = 1) {
      value.store(value.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
    }
    std::uint64_t get() const { return value.load(std::memory_order_relaxed); }
  };
  Cell active;  // open tunnels (the worker adds and takes away)
  Cell opened, messages_in, messages_out, bytes_in, bytes_out, errors;
  std::array<Cell, kTunnelCloseNames.size()> closed;
  TunnelDurations durations;

  // The owning worker's bookkeeping, never read by others: tunnels using this entry, and whether
  // the route is gone (the entry is forgotten when its last tunnel ends).
  std::uint32_t users = 0;
  bool retired = false;

  void close(TunnelClose reason, std::uint64_t millis) {
    active.value.store(active.get() - 1, std::memory_order_relaxed);
    closed[static_cast<std::size_t>(reason)].add();
    durations.record(millis);
  }
};

// The values of a route's counters (one worker's, or all of them merged).
struct WebSocketRouteValues {
  std::uint64_t active = 0, opened = 0, messages_in = 0, messages_out = 0, bytes_in = 0,
                bytes_out = 0, errors = 0;
  std::array<std::uint64_t, kTunnelCloseNames.size()> closed{};
  TunnelDurations::Totals durations;

  static WebSocketRouteValues of(const WebSocketRouteStats& stats);
  void merge(const WebSocketRouteValues& other);
  std::uint64_t closed_total() const;
};
using WebSocketValues = std::map<std::string, WebSocketRouteValues>;

// The apigw_websocket_* families in the Prometheus text format.
void render_websocket_prometheus(const WebSocketValues& values, std::string& out);

}  // namespace apigw::observe
