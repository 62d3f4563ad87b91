#include "observe/websocket_stats.h"

#include "observe/metrics.h"

namespace apigw::observe {

WebSocketRouteValues WebSocketRouteValues::of(const WebSocketRouteStats& stats) {
  WebSocketRouteValues values;
  values.active = stats.active.get();
  values.opened = stats.opened.get();
  values.messages_in = stats.messages_in.get();
  values.messages_out = stats.messages_out.get();
  values.bytes_in = stats.bytes_in.get();
  values.bytes_out = stats.bytes_out.get();
  values.errors = stats.errors.get();
  for (std::size_t i = 0; i < values.closed.size(); ++i) values.closed[i] = stats.closed[i].get();
  values.durations = stats.durations.read();
  return values;
}

void WebSocketRouteValues::merge(const WebSocketRouteValues& other) {
  active += other.active;
  opened += other.opened;
  messages_in += other.messages_in;
  messages_out += other.messages_out;
  bytes_in += other.bytes_in;
  bytes_out += other.bytes_out;
  errors += other.errors;
  for (std::size_t i = 0; i < closed.size(); ++i) closed[i] += other.closed[i];
  durations.add(other.durations);
}

std::uint64_t WebSocketRouteValues::closed_total() const {
  std::uint64_t total = 0;
  for (const std::uint64_t count : closed) total += count;
  return total;
}

void render_websocket_prometheus(const WebSocketValues& values, std::string& out) {
  if (values.empty()) return;
  const auto line = [&out](std::string_view name, const std::string& route,
                           std::string_view label, std::string_view value, std::uint64_t count) {
    out.append(name).append("{route=\"").append(prometheus_label_value(route)).append("\"");
    if (!label.empty()) out.append(",").append(label).append("=\"").append(value).append("\"");
    out.append("} ").append(std::to_string(count)).append("\n");
  };
  out.append(
      "# HELP apigw_websocket_connections Open WebSocket tunnels.\n"
      "# TYPE apigw_websocket_connections gauge\n");
  for (const auto& [route, v] : values) line("apigw_websocket_connections", route, {}, {}, v.active);
  // A family with a `direction` label: what came from the client ("in") and what went to it.
  const auto by_direction = [&](std::string_view name, std::string_view help,
                                std::uint64_t WebSocketRouteValues::*in,
                                std::uint64_t WebSocketRouteValues::*to_client) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" counter\n");
    for (const auto& [route, v] : values) {
      line(name, route, "direction", "in", v.*in);
      line(name, route, "direction", "out", v.*to_client);
    }
  };
  by_direction("apigw_websocket_messages_total",
               "WebSocket data messages relayed; direction in: from the client, out: to it.",
               &WebSocketRouteValues::messages_in, &WebSocketRouteValues::messages_out);
  by_direction("apigw_websocket_bytes_total",
               "WebSocket bytes relayed (frames, headers included).",
               &WebSocketRouteValues::bytes_in, &WebSocketRouteValues::bytes_out);
  out.append(
      "# HELP apigw_websocket_closes_total WebSocket tunnels ended, by reason.\n"
      "# TYPE apigw_websocket_closes_total counter\n");
  for (const auto& [route, v] : values) {
    for (std::size_t i = 0; i < kTunnelCloseNames.size(); ++i) {
      line("apigw_websocket_closes_total", route, "reason", kTunnelCloseNames[i], v.closed[i]);
    }
  }
}

}  // namespace apigw::observe
