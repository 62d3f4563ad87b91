#include "admin/upstream_status.h"

#include <cstdio>
#include <sstream>

#include "http/error_body.h"
#include "proxy/circuit_breaker.h"
#include "proxy/outlier.h"

namespace apigw::admin {
namespace {

const char* balancer_name(config::BalancerKind kind) {
  switch (kind) {
    case config::BalancerKind::round_robin:
      return "round_robin";
    case config::BalancerKind::weighted_round_robin:
      return "weighted_round_robin";
    case config::BalancerKind::least_connections:
      return "least_connections";
    case config::BalancerKind::least_request_p2c:
      return "least_request_p2c";
    case config::BalancerKind::consistent_hash:
      return "consistent_hash";
  }
  return "round_robin";
}

void append_string(std::string& out, std::string_view text) {
  out.push_back('"');
  http::append_json_escaped(out, text);
  out.push_back('"');
}

void append_cluster(std::string& out, const proxy::Cluster& cluster, std::int64_t now) {
  const config::UpstreamConfig& upstream = *cluster.config;
  out.append("{\"name\":");
  append_string(out, upstream.name);
  out.append(",\"balancer\":\"").append(balancer_name(upstream.balancer)).append("\"");
  out.append(",\"active_requests\":")
      .append(std::to_string(cluster.state->active.load(std::memory_order_relaxed)));
  out.append(",\"health_check\":").append(upstream.health_check.enabled ? "true" : "false");
  out.append(",\"outlier_detection\":")
      .append(upstream.outlier_detection.enabled ? "true" : "false");
  out.append(",\"connect_failure_ejection\":")
      .append(upstream.connect_failure_ejection.enabled ? "true" : "false");
  out.append(",\"circuit_breaker\":").append(upstream.circuit_breaker.enabled ? "true" : "false");
  out.append(",\"targets\":[");
  for (std::size_t i = 0; i < cluster.targets.size(); ++i) {
    const proxy::Target& target = cluster.targets[i];
    const proxy::TargetState& state = *target.state;
    if (i > 0) out.push_back(',');
    out.append("{\"address\":");
    append_string(out, target.address);
    out.append(",\"weight\":").append(std::to_string(target.weight));
    out.append(",\"backup\":").append(target.backup ? "true" : "false");
    out.append(",\"drain\":").append(target.drain ? "true" : "false");
    out.append(",\"health\":\"").append(config::target_health_name(target.health)).append("\"");
    out.append(",\"resolved\":[");
    for (std::size_t e = 0; e < target.endpoints.size(); ++e) {
      if (e > 0) out.push_back(',');
      std::ostringstream endpoint;
      endpoint << target.endpoints[e];
      append_string(out, endpoint.str());
    }
    out.append("]");
    out.append(",\"healthy\":")
        .append(state.healthy.load(std::memory_order_relaxed) ? "true" : "false");
    const std::int64_t ejected_ms =
        state.ejected(now) ? (state.ejected_until.load(std::memory_order_relaxed) - now) / 1'000'000
                           : 0;
    out.append(",\"ejected\":").append(ejected_ms > 0 ? "true" : "false");
    out.append(",\"ejected_remaining_ms\":").append(std::to_string(ejected_ms));
    out.append(",\"breaker\":\"")
        .append(proxy::breaker_state_name(state.breaker.state.load(std::memory_order_relaxed)))
        .append("\"");
    out.append(",\"in_flight\":")
        .append(std::to_string(state.in_flight.load(std::memory_order_relaxed)));
    const auto recent = proxy::recent_calls(upstream.circuit_breaker, state.breaker, now);
    out.append(",\"recent_calls\":").append(std::to_string(recent.calls));
    out.append(",\"recent_errors\":").append(std::to_string(recent.failures));
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.4f",
                  recent.calls == 0
                      ? 0.0
                      : static_cast<double>(recent.failures) / static_cast<double>(recent.calls));
    out.append(",\"recent_error_rate\":").append(rate).append("}");
  }
  out.append("]}");
}

}  // namespace

std::string render_upstreams_json(const snapshot::Snapshot& snapshot, std::string_view name) {
  const std::int64_t now = proxy::steady_now_ns();
  std::string out;
  if (!name.empty()) {
    for (const auto& cluster : snapshot.clusters) {
      if (cluster.config->name == name) {
        append_cluster(out, cluster, now);
        return out;
      }
    }
    return {};
  }
  out.append("{\"upstreams\":[");
  for (std::size_t c = 0; c < snapshot.clusters.size(); ++c) {
    if (c > 0) out.push_back(',');
    append_cluster(out, snapshot.clusters[c], now);
  }
  out.append("]}\n");
  return out;
}

void append_target_gauges(const snapshot::Snapshot& snapshot, std::string& out) {
  const std::int64_t now = proxy::steady_now_ns();
  struct Family {
    const char* name;
    const char* help;
  };
  static constexpr Family kFamilies[] = {
      {"apigw_upstream_target_healthy", "1 if the target passes its active health checks."},
      {"apigw_upstream_target_ejected", "1 while outlier detection has ejected the target."},
      {"apigw_upstream_target_breaker_open", "1 while the target's circuit breaker is open."},
      {"apigw_upstream_target_in_flight", "Requests in flight to the target."},
  };
  for (std::size_t f = 0; f < std::size(kFamilies); ++f) {
    out.append("# HELP ").append(kFamilies[f].name).append(" ").append(kFamilies[f].help);
    out.append("\n# TYPE ").append(kFamilies[f].name).append(" gauge\n");
    for (const auto& cluster : snapshot.clusters) {
      for (const auto& target : cluster.targets) {
        const proxy::TargetState& state = *target.state;
        std::int64_t value = 0;
        switch (f) {
          case 0:
            value = state.healthy.load(std::memory_order_relaxed) ? 1 : 0;
            break;
          case 1:
            value = state.ejected(now) ? 1 : 0;
            break;
          case 2:
            value =
                state.breaker.state.load(std::memory_order_relaxed) == proxy::BreakerState::open;
            break;
          default:
            value = state.in_flight.load(std::memory_order_relaxed);
        }
        out.append(kFamilies[f].name).append("{upstream=\"");
        http::append_json_escaped(out, cluster.config->name);
        out.append("\",target=\"");
        http::append_json_escaped(out, target.address);
        out.append("\"} ").append(std::to_string(value)).append("\n");
      }
    }
  }
}

}  // namespace apigw::admin
