#include "observe/metrics.h"

#include <cstdio>
#include <type_traits>

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
  return connect_errors_.cell(upstream);
}

CounterCell& MetricsShard::upstream_retries(const std::string& upstream, RetryResult result) {
  return retries_.cell(upstream, static_cast<std::size_t>(result));
}

CounterCell& MetricsShard::upstream_ejections(const std::string& upstream) {
  return ejections_.cell(upstream);
}

CounterCell& MetricsShard::upstream_breaker_transitions(const std::string& upstream,
                                                        std::size_t to) {
  return breaker_transitions_.cell(upstream, to);
}

CounterCell& MetricsShard::fallbacks(const std::string& route, std::size_t kind) {
  return fallbacks_.cell(route, kind);
}

MetricsShard::Values MetricsShard::snapshot() const {
  Values values;
  const auto add_route = [&](const std::string& name, const RouteStats& stats) {
    auto& route = values.routes[name];
    for (std::size_t m = 0; m < kMethodLabels.size(); ++m) {
      for (std::size_t s = 0; s < 5; ++s)
        route.requests[m][s] += stats.requests[m][s].load(std::memory_order_relaxed);
    }
    route.latency.add(stats.latency.read());
  };
  for (const auto& [name, stats] : routes_) add_route(name, *stats);
  bool any_unrouted = false;
  for (const auto& by_method : unrouted.requests) {
    for (const auto& counter : by_method) {
      any_unrouted = any_unrouted || counter.load(std::memory_order_relaxed) > 0;
    }
  }
  if (any_unrouted) add_route("", unrouted);
  values.connect_errors = connect_errors_.snapshot();
  values.retries = retries_.snapshot();
  values.ejections = ejections_.snapshot();
  values.breaker_transitions = breaker_transitions_.snapshot();
  values.fallbacks = fallbacks_.snapshot();
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
  LabeledCounters<1>::merge(connect_errors, other.connect_errors);
  LabeledCounters<2>::merge(retries, other.retries);
  LabeledCounters<1>::merge(ejections, other.ejections);
  LabeledCounters<6>::merge(breaker_transitions, other.breaker_transitions);
  LabeledCounters<3>::merge(fallbacks, other.fallbacks);
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

// One counter family: `extra[i]` is the rest of the label set of cell i (",result=\"...\"").
// Cells from `shown_when_zero` on appear only once they count something.
template <std::size_t N>
void render_family(std::string& out, std::string_view metric, std::string_view help,
                   std::string_view key,
                   const std::map<std::string, std::array<std::uint64_t, N>>& values,
                   const std::type_identity_t<std::array<std::string_view, N>>& extra,
                   std::size_t shown_when_zero = N) {
  out.append("# HELP ").append(metric).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(metric).append(" counter\n");
  for (const auto& [name, counts] : values) {
    for (std::size_t i = 0; i < N; ++i) {
      if (i >= shown_when_zero && counts[i] == 0) continue;
      out.append(metric).append("{").append(key).append("=\"").append(label(name)).append("\"");
      out.append(extra[i]).append("} ").append(std::to_string(counts[i])).append("\n");
    }
  }
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
  render_family(out, "apigw_upstream_connect_errors_total",
                "Failed connection attempts to targets.", "upstream", values.connect_errors, {""});
  render_family(out, "apigw_upstream_retries_total",
                "Retries of failed attempts, made or refused by the retry budget.", "upstream",
                values.retries, {",result=\"retried\"", ",result=\"budget_exhausted\""});
  render_family(out, "apigw_upstream_ejections_total",
                "Targets taken out of rotation by outlier detection.", "upstream", values.ejections,
                {""});
  // Target breakers always show; the upstream's own only once it has moved.
  render_family(out, "apigw_upstream_breaker_transitions_total",
                "Circuit breaker state changes of targets, by the state entered.", "upstream",
                values.breaker_transitions,
                {",scope=\"target\",to=\"closed\"", ",scope=\"target\",to=\"open\"",
                 ",scope=\"target\",to=\"half_open\"", ",scope=\"upstream\",to=\"closed\"",
                 ",scope=\"upstream\",to=\"open\"", ",scope=\"upstream\",to=\"half_open\""},
                /*shown_when_zero=*/3);
  render_family(out, "apigw_fallbacks_total", "Answers from a route's fallback, by kind.", "route",
                values.fallbacks, {",kind=\"stale\"", ",kind=\"upstream\"", ",kind=\"static\""});
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
