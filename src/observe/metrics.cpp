#include "observe/metrics.h"

#include <cstdio>

namespace apigw::observe {

std::size_t method_class(http::Method method) {
  switch (method) {
    case http::Method::get:
      return 0;
    case http::Method::head:
      return 1;
    case http::Method::post:
      return 2;
    case http::Method::put:
      return 3;
    case http::Method::del:
      return 4;
    case http::Method::patch:
      return 5;
    case http::Method::options:
      return 6;
    default:
      return 7;
  }
}

RouteStats& MetricsShard::route(const std::string& name) {
  auto& slot = routes_[name];
  if (!slot) slot = std::make_unique<RouteStats>();
  return *slot;
}

CounterCell& MetricsShard::upstream_connect_errors(const std::string& upstream) {
  auto& slot = connect_errors_[upstream];
  if (!slot) slot = std::make_unique<CounterCell>();
  return *slot;
}

CounterCell& MetricsShard::upstream_retries(const std::string& upstream, RetryResult result) {
  auto& slot = retries_[upstream][static_cast<std::size_t>(result)];
  if (!slot) slot = std::make_unique<CounterCell>();
  return *slot;
}

CounterCell& MetricsShard::upstream_ejections(const std::string& upstream) {
  auto& slot = ejections_[upstream];
  if (!slot) slot = std::make_unique<CounterCell>();
  return *slot;
}

CounterCell& MetricsShard::upstream_breaker_transitions(const std::string& upstream,
                                                        std::size_t to) {
  auto& slot = breaker_transitions_[upstream][to];
  if (!slot) slot = std::make_unique<CounterCell>();
  return *slot;
}

CounterCell& MetricsShard::fallbacks(const std::string& route, std::size_t kind) {
  auto& slot = fallbacks_[route][kind];
  if (!slot) slot = std::make_unique<CounterCell>();
  return *slot;
}

MetricsShard::Values MetricsShard::snapshot() const {
  Values values;
  for (const auto& [name, stats] : routes_) {
    auto& route = values.routes[name];
    for (std::size_t m = 0; m < kMethodLabels.size(); ++m) {
      for (std::size_t s = 0; s < 5; ++s)
        route.requests[m][s] = stats->requests[m][s].load(std::memory_order_relaxed);
    }
    route.latency = stats->latency.read();
  }
  if (const auto unrouted = requests_without_route.value.load(std::memory_order_relaxed)) {
    values.routes[""].requests[7][3] = unrouted;  // method unknown at that point: OTHER, 4xx
  }
  for (const auto& [name, counter] : connect_errors_)
    values.connect_errors[name] = counter->value.load(std::memory_order_relaxed);
  for (const auto& [name, cells] : retries_) {
    for (std::size_t r = 0; r < cells.size(); ++r) {
      if (cells[r]) values.retries[name][r] = cells[r]->value.load(std::memory_order_relaxed);
    }
  }
  for (const auto& [name, counter] : ejections_)
    values.ejections[name] = counter->value.load(std::memory_order_relaxed);
  for (const auto& [name, cells] : fallbacks_) {
    for (std::size_t k = 0; k < cells.size(); ++k) {
      if (cells[k]) values.fallbacks[name][k] = cells[k]->value.load(std::memory_order_relaxed);
    }
  }
  for (const auto& [name, cells] : breaker_transitions_) {
    for (std::size_t t = 0; t < cells.size(); ++t) {
      if (cells[t]) {
        values.breaker_transitions[name][t] = cells[t]->value.load(std::memory_order_relaxed);
      }
    }
  }
  values.active_connections = active_connections.load(std::memory_order_relaxed);
  return values;
}

void MetricsShard::Values::merge(const Values& other) {
  for (const auto& [name, route] : other.routes) {
    auto& mine = routes[name];
    for (std::size_t m = 0; m < kMethodLabels.size(); ++m) {
      for (std::size_t s = 0; s < 5; ++s) mine.requests[m][s] += route.requests[m][s];
    }
    mine.latency.add(route.latency);
  }
  for (const auto& [name, count] : other.connect_errors) connect_errors[name] += count;
  for (const auto& [name, counts] : other.retries) {
    for (std::size_t r = 0; r < counts.size(); ++r) retries[name][r] += counts[r];
  }
  for (const auto& [name, count] : other.ejections) ejections[name] += count;
  for (const auto& [name, counts] : other.fallbacks) {
    for (std::size_t k = 0; k < counts.size(); ++k) fallbacks[name][k] += counts[k];
  }
  for (const auto& [name, counts] : other.breaker_transitions) {
    for (std::size_t t = 0; t < counts.size(); ++t) breaker_transitions[name][t] += counts[t];
  }
  active_connections += other.active_connections;
}

namespace {

std::string label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out.append("\\n");
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string format_seconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", seconds);
  return text;
}

// Exact at any size ("%g" keeps 6 digits, which would make rate() coarse on a long-running sum).
std::string format_micros_as_seconds(std::uint64_t micros) {
  std::string text = std::to_string(micros / 1'000'000);
  const std::uint64_t fraction = micros % 1'000'000;
  if (fraction == 0) return text;
  char digits[8];
  std::snprintf(digits, sizeof digits, ".%06llu", static_cast<unsigned long long>(fraction));
  text += digits;
  while (text.back() == '0') text.pop_back();
  return text;
}

}  // namespace

std::string render_prometheus(const MetricsShard::Values& values, const GatewayGauges& gauges) {
  std::string out;
  out.reserve(4096);
  out.append(
      "# HELP apigw_requests_total Requests answered, by route, method and status class.\n"
      "# TYPE apigw_requests_total counter\n");
  static constexpr const char* kStatusClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  for (const auto& [name, route] : values.routes) {
    for (std::size_t m = 0; m < kMethodLabels.size(); ++m) {
      for (std::size_t s = 0; s < 5; ++s) {
        if (route.requests[m][s] == 0) continue;
        out.append("apigw_requests_total{route=\"").append(label(name));
        out.append("\",method=\"").append(kMethodLabels[m]);
        out.append("\",status_class=\"").append(kStatusClasses[s]).append("\"} ");
        out.append(std::to_string(route.requests[m][s])).append("\n");
      }
    }
  }
  out.append(
      "# HELP apigw_request_duration_seconds Time from request head to last response byte.\n"
      "# TYPE apigw_request_duration_seconds histogram\n");
  for (const auto& [name, route] : values.routes) {
    if (name.empty()) continue;
    std::uint64_t cumulative = 0;
    const std::string route_label = label(name);
    for (std::size_t b = 0; b < route.latency.counts.size(); ++b) {
      cumulative += route.latency.counts[b];
      const std::string le =
          b < kLatencyBucketsSeconds.size() ? format_seconds(kLatencyBucketsSeconds[b]) : "+Inf";
      out.append("apigw_request_duration_seconds_bucket{route=\"").append(route_label);
      out.append("\",le=\"").append(le).append("\"} ").append(std::to_string(cumulative));
      out.append("\n");
    }
    out.append("apigw_request_duration_seconds_sum{route=\"").append(route_label).append("\"} ");
    out.append(format_micros_as_seconds(route.latency.sum_micros)).append("\n");
    out.append("apigw_request_duration_seconds_count{route=\"").append(route_label).append("\"} ");
    out.append(std::to_string(cumulative)).append("\n");
  }
  out.append(
      "# HELP apigw_upstream_connect_errors_total Failed connection attempts to targets.\n"
      "# TYPE apigw_upstream_connect_errors_total counter\n");
  for (const auto& [name, count] : values.connect_errors) {
    out.append("apigw_upstream_connect_errors_total{upstream=\"").append(label(name));
    out.append("\"} ").append(std::to_string(count)).append("\n");
  }
  out.append(
      "# HELP apigw_upstream_retries_total Retries of failed attempts, made or refused by the "
      "retry "
      "budget.\n"
      "# TYPE apigw_upstream_retries_total counter\n");
  for (const auto& [name, counts] : values.retries) {
    static constexpr const char* kResults[] = {"retried", "budget_exhausted"};
    for (std::size_t r = 0; r < counts.size(); ++r) {
      out.append("apigw_upstream_retries_total{upstream=\"").append(label(name));
      out.append("\",result=\"").append(kResults[r]).append("\"} ");
      out.append(std::to_string(counts[r])).append("\n");
    }
  }
  out.append(
      "# HELP apigw_upstream_ejections_total Targets taken out of rotation by outlier detection.\n"
      "# TYPE apigw_upstream_ejections_total counter\n");
  for (const auto& [name, count] : values.ejections) {
    out.append("apigw_upstream_ejections_total{upstream=\"").append(label(name));
    out.append("\"} ").append(std::to_string(count)).append("\n");
  }
  out.append(
      "# HELP apigw_upstream_breaker_transitions_total Circuit breaker state changes of targets, "
      "by the state entered.\n"
      "# TYPE apigw_upstream_breaker_transitions_total counter\n");
  for (const auto& [name, counts] : values.breaker_transitions) {
    static constexpr const char* kStates[] = {"closed", "open", "half_open"};
    for (std::size_t t = 0; t < counts.size(); ++t) {
      // Target breakers always show; the upstream's own only once it has moved.
      if (t >= 3 && counts[t] == 0) continue;
      out.append("apigw_upstream_breaker_transitions_total{upstream=\"").append(label(name));
      out.append("\",scope=\"").append(t < 3 ? "target" : "upstream");
      out.append("\",to=\"").append(kStates[t % 3]).append("\"} ");
      out.append(std::to_string(counts[t])).append("\n");
    }
  }
  out.append(
      "# HELP apigw_fallbacks_total Answers from a route's fallback, by kind.\n"
      "# TYPE apigw_fallbacks_total counter\n");
  for (const auto& [name, counts] : values.fallbacks) {
    static constexpr const char* kKinds[] = {"stale", "upstream", "static"};
    for (std::size_t k = 0; k < counts.size(); ++k) {
      out.append("apigw_fallbacks_total{route=\"").append(label(name));
      out.append("\",kind=\"").append(kKinds[k]).append("\"} ");
      out.append(std::to_string(counts[k])).append("\n");
    }
  }
  out.append(
      "# HELP apigw_active_connections Open client connections.\n"
      "# TYPE apigw_active_connections gauge\n");
  out.append("apigw_active_connections ").append(std::to_string(values.active_connections));
  out.append(
      "\n# HELP apigw_config_version Version of the configuration snapshot in use.\n"
      "# TYPE apigw_config_version gauge\napigw_config_version ");
  out.append(std::to_string(gauges.config_version));
  out.append(
      "\n# HELP apigw_config_reloads_total Configuration reloads, by result.\n"
      "# TYPE apigw_config_reloads_total counter\n");
  out.append("apigw_config_reloads_total{result=\"ok\"} ")
      .append(std::to_string(gauges.reloads_ok));
  out.append("\napigw_config_reloads_total{result=\"failed\"} ");
  out.append(std::to_string(gauges.reloads_failed));
  out.append(
      "\n# HELP apigw_access_log_dropped_total Access log lines dropped (queue full).\n"
      "# TYPE apigw_access_log_dropped_total counter\napigw_access_log_dropped_total ");
  out.append(std::to_string(gauges.access_log_dropped));
  out.append("\n# HELP apigw_workers Worker threads.\n# TYPE apigw_workers gauge\napigw_workers ");
  out.append(std::to_string(gauges.workers)).append("\n");
  return out;
}

}  // namespace apigw::observe
