#include "admin/websocket_status.h"

#include <cstdio>

#include "http/error_body.h"
#include "proxy/circuit_breaker.h"
#include "proxy/outlier.h"

namespace apigw::admin {
namespace {

void append_string(std::string& out, std::string_view text) {
  out.push_back('"');
  http::append_json_escaped(out, text);
  out.push_back('"');
}

void append_number(std::string& out, std::string_view name, std::uint64_t value) {
  out.append(",\"").append(name).append("\":").append(std::to_string(value));
}

void append_seconds(std::string& out, std::string_view name, std::uint64_t millis) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", static_cast<double>(millis) / 1000.0);
  out.append(",\"").append(name).append("\":").append(text);
}

void append_values(std::string& out, const observe::WebSocketRouteValues& v) {
  out.append("{\"active\":").append(std::to_string(v.active));
  append_number(out, "opened_total", v.opened);
  append_number(out, "closed_total", v.closed_total());
  out.append(",\"closed\":{");
  for (std::size_t i = 0; i < observe::kTunnelCloseNames.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_string(out, observe::kTunnelCloseNames[i]);
    out.append(":").append(std::to_string(v.closed[i]));
  }
  out.append("}");
  append_number(out, "messages_in", v.messages_in);
  append_number(out, "messages_out", v.messages_out);
  append_number(out, "bytes_in", v.bytes_in);
  append_number(out, "bytes_out", v.bytes_out);
  append_number(out, "errors", v.errors);
  // Of the tunnels that have ended (an open one has no duration yet).
  out.append(",\"duration_seconds\":{\"count\":").append(std::to_string(v.durations.count()));
  append_seconds(out, "p50", v.durations.value_at(0.50));
  append_seconds(out, "p95", v.durations.value_at(0.95));
  append_seconds(out, "p99", v.durations.value_at(0.99));
  out.append("}}");
}

const char* target_status(const proxy::Target& target, const config::UpstreamConfig& upstream,
                          std::int64_t now) {
  const proxy::TargetState& state = *target.state;
  if (target.endpoints.empty()) return "unresolved";
  if (target.drain) return "draining";
  using Health = config::TargetConfig::Health;
  if (target.health == Health::unhealthy) return "unhealthy";
  if (target.health != Health::healthy && !state.healthy.load(std::memory_order_relaxed)) {
    return "unhealthy";
  }
  if (state.ejected(now)) return "ejected";
  if (upstream.circuit_breaker.enabled &&
      state.breaker.state.load(std::memory_order_relaxed) == proxy::BreakerState::open) {
    return "breaker_open";
  }
  return "healthy";
}

}  // namespace

std::string render_websocket_stats_json(const observe::WebSocketValues& values) {
  observe::WebSocketRouteValues totals;
  for (const auto& [route, v] : values) totals.merge(v);
  std::string out = "{\"totals\":";
  append_values(out, totals);
  out.append(",\"routes\":{");
  bool first = true;
  for (const auto& [route, v] : values) {
    if (!first) out.push_back(',');
    first = false;
    append_string(out, route);
    out.push_back(':');
    append_values(out, v);
  }
  out.append("}}\n");
  return out;
}

std::string render_services_json(const snapshot::Snapshot& snapshot) {
  const std::int64_t now = proxy::steady_now_ns();
  // The routes that send traffic to each upstream (any arm of a split counts).
  std::vector<std::vector<std::string_view>> routes_of(snapshot.clusters.size());
  for (const auto& route : snapshot.routes) {
    if (route.handler) continue;
    for (const auto& arm : route.arms) {
      auto& names = routes_of[arm.cluster_index];
      if (names.empty() || names.back() != route.config->name) names.push_back(route.config->name);
    }
  }
  std::string out = "{\"services\":[";
  for (std::size_t c = 0; c < snapshot.clusters.size(); ++c) {
    const proxy::Cluster& cluster = snapshot.clusters[c];
    if (c > 0) out.push_back(',');
    out.append("{\"name\":");
    append_string(out, cluster.config->name);
    out.append(",\"protocol\":\"")
        .append(cluster.config->protocol == config::UpstreamProtocol::h2 ? "h2" : "http1")
        .append("\",\"routes\":[");
    for (std::size_t r = 0; r < routes_of[c].size(); ++r) {
      if (r > 0) out.push_back(',');
      append_string(out, routes_of[c][r]);
    }
    out.append("],\"targets\":[");
    std::int64_t http_total = 0;
    std::int64_t tunnels_total = 0;
    std::size_t usable = 0;
    for (std::size_t t = 0; t < cluster.targets.size(); ++t) {
      const proxy::Target& target = cluster.targets[t];
      const std::int64_t tunnels = target.state->tunnels.load(std::memory_order_relaxed);
      const std::int64_t http = std::max<std::int64_t>(
          target.state->in_flight.load(std::memory_order_relaxed) - tunnels, 0);
      http_total += http;
      tunnels_total += tunnels;
      const char* status = target_status(target, *cluster.config, now);
      if (std::string_view(status) == "healthy") ++usable;
      if (t > 0) out.push_back(',');
      out.append("{\"address\":");
      append_string(out, target.address);
      out.append(",\"status\":\"").append(status).append("\"");
      out.append(",\"backup\":").append(target.backup ? "true" : "false");
      out.append(",\"active_http\":").append(std::to_string(http));
      out.append(",\"active_websocket\":").append(std::to_string(tunnels)).append("}");
    }
    out.append("],\"healthy_targets\":").append(std::to_string(usable));
    out.append(",\"active_http\":").append(std::to_string(http_total));
    out.append(",\"active_websocket\":").append(std::to_string(tunnels_total)).append("}");
  }
  out.append("]}\n");
  return out;
}

}  // namespace apigw::admin
