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
  // A route served again keeps the WebSocket counters its old tunnels still count into.
  if (const auto found = websockets_.find(name); found != websockets_.end()) {
    found->second->retired = false;
  }
  auto& slot = routes_[name];
  if (!slot) slot = std::make_unique<RouteStats>();
  return *slot;
}

WebSocketRouteStats& MetricsShard::acquire_websocket(const std::string& name) {
  auto& slot = websockets_[name];
  if (!slot) slot = std::make_unique<WebSocketRouteStats>();
  ++slot->users;
  slot->retired = false;  // a route of that name is served again
  return *slot;
}

void MetricsShard::release_websocket(const std::string& /*name*/, WebSocketRouteStats& stats) {
  --stats.users;
}

void MetricsShard::prune_websockets() {
  std::erase_if(websockets_, [](const auto& entry) {
    return entry.second->retired && entry.second->users == 0;
  });
}

void MetricsShard::forget_route(const std::string& name) {
  routes_.erase(name);
  if (const auto found = websockets_.find(name); found != websockets_.end()) {
    if (found->second->users == 0) {
      websockets_.erase(found);
    } else {
      found->second->retired = true;  // its tunnels still count into it until they end
    }
  }
  for (std::size_t f = 0; f < kFamilyCount; ++f) {
    if (family_spec(static_cast<Family>(f)).per == CountedPer::route) families_[f].erase(name);
  }
}

LatencyHistogram& MetricsShard::upstream_latency(const std::string& upstream) {
  auto& slot = upstream_latency_[upstream];
  if (!slot) slot = std::make_unique<LatencyHistogram>();
  return *slot;
}

void MetricsShard::count_refusal(std::string_view code) {
  for (std::size_t i = 0; i < kRefusalReasons.size(); ++i) {
    if (kRefusalReasons[i] == code) {
      ++refused_[i];
      return;
    }
  }
}

LiveValues MetricsShard::read_live(std::int64_t now_micros, std::int64_t age_micros,
                                   const std::string* only_route) {
  LiveValues values;
  if (only_route != nullptr) {
    LiveWindows& windows = values.routes[*only_route];
    if (const auto found = routes_.find(*only_route); found != routes_.end()) {
      found->second->live.read(now_micros, age_micros, windows);
    }
    return values;
  }
  for (auto& [name, stats] : routes_) {
    LiveWindows windows;
    stats->live.read(now_micros, age_micros, windows);
    if (windows.back().counts.requests != 0) values.routes.emplace(name, std::move(windows));
  }
  unrouted.live.read(now_micros, age_micros, values.unrouted);
  live_targets.read(now_micros, age_micros, values.targets);
  return values;
}

MetricsShard::MetricsShard() {
  families_.reserve(kFamilyCount);
  for (std::size_t f = 0; f < kFamilyCount; ++f) {
    families_.emplace_back(family_spec(static_cast<Family>(f)).cells.size());
  }
}

CounterCell* FamilyCounters::cells(const std::string& entity) {
  auto& slot = cells_[entity];
  if (!slot) slot = std::make_unique<CounterCell[]>(cells_per_entity_);
  return slot.get();
}

FamilyCounters::Values FamilyCounters::snapshot() const {
  Values values;
  for (const auto& [name, cells] : cells_) {
    auto& out = values[name];
    out.resize(cells_per_entity_);
    for (std::size_t i = 0; i < cells_per_entity_; ++i) {
      out[i] = cells[i].value.load(std::memory_order_relaxed);
    }
  }
  return values;
}

void FamilyCounters::merge(Values& into, const Values& from) {
  for (const auto& [name, counts] : from) {
    auto& mine = into[name];
    if (mine.size() < counts.size()) mine.resize(counts.size());
    for (std::size_t i = 0; i < counts.size(); ++i) mine[i] += counts[i];
  }
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
    for (const auto& [code, count] : stats.codes) route.codes[code] += count;
  };
  for (const auto& [name, stats] : routes_) add_route(name, *stats);
  bool any_unrouted = false;
  for (const auto& by_method : unrouted.requests) {
    for (const auto& counter : by_method) {
      any_unrouted = any_unrouted || counter.load(std::memory_order_relaxed) > 0;
    }
  }
  if (any_unrouted) add_route("", unrouted);
  for (std::size_t f = 0; f < kFamilyCount; ++f) values.families[f] = families_[f].snapshot();
  values.active_connections = active_connections.load(std::memory_order_relaxed);
  for (const auto& [name, stats] : websockets_) {
    values.websockets.emplace(name, WebSocketRouteValues::of(*stats));
  }
  values.tls = tls;
  values.http2 = http2;
  for (const auto& [name, histogram] : upstream_latency_) {
    values.upstream_latency[name] = histogram->read();
  }
  values.refused = refused_;
  for (const auto& [address, bytes] : listener_bytes) {
    values.listener_bytes[address] = {bytes.received.value.load(std::memory_order_relaxed),
                                      bytes.sent.value.load(std::memory_order_relaxed)};
  }
  return values;
}

void MetricsShard::Values::merge(const Values& other) {
  for (const auto& [name, route] : other.routes) {
    auto& mine = routes[name];
    for (std::size_t m = 0; m < kMethodLabels.size(); ++m) {
      for (std::size_t s = 0; s < 5; ++s) mine.requests[m][s] += route.requests[m][s];
    }
    mine.latency.add(route.latency);
    for (const auto& [code, count] : route.codes) mine.codes[code] += count;
  }
  for (std::size_t f = 0; f < kFamilyCount; ++f) {
    FamilyCounters::merge(families[f], other.families[f]);
  }
  active_connections += other.active_connections;
  for (const auto& [name, route] : other.websockets) websockets[name].merge(route);
  for (const auto& [listener, counters] : other.tls) tls[listener].merge(counters);
  http2.merge(other.http2);
  for (const auto& [name, latency] : other.upstream_latency) upstream_latency[name].add(latency);
  for (std::size_t i = 0; i < refused.size(); ++i) refused[i] += other.refused[i];
  for (const auto& [address, bytes] : other.listener_bytes) {
    listener_bytes[address].first += bytes.first;
    listener_bytes[address].second += bytes.second;
  }
}

std::string prometheus_label_value(std::string_view value) {
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

namespace {

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

// One labelled series of a histogram family (its HELP and TYPE are the caller's).
void render_histogram(std::string& out, std::string_view metric, std::string_view label,
                      std::string_view value, const LatencyHistogram::Totals& totals) {
  std::string labels(label);
  labels.append("=\"").append(prometheus_label_value(value)).append("\"");
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b < totals.counts.size(); ++b) {
    cumulative += totals.counts[b];
    const std::string le =
        b < kLatencyBucketsSeconds.size() ? format_seconds(kLatencyBucketsSeconds[b]) : "+Inf";
    out.append(metric).append("_bucket{").append(labels).append(",le=\"").append(le);
    out.append("\"} ").append(std::to_string(cumulative)).append("\n");
  }
  out.append(metric).append("_sum{").append(labels).append("} ");
  out.append(format_micros_as_seconds(totals.sum_micros)).append("\n");
  out.append(metric).append("_count{").append(labels).append("} ");
  out.append(std::to_string(cumulative)).append("\n");
}

void render_family(std::string& out, const FamilySpec& spec, const FamilyCounters::Values& values) {
  out.append("# HELP ").append(spec.metric).append(" ").append(spec.help).append("\n");
  out.append("# TYPE ").append(spec.metric).append(" counter\n");
  const std::string_view key = entity_label(spec.per);
  for (const auto& [name, counts] : values) {
    for (std::size_t i = 0; i < counts.size() && i < spec.cells.size(); ++i) {
      if (i >= spec.shown_when_zero && counts[i] == 0) continue;
      out.append(spec.metric)
          .append("{")
          .append(key)
          .append("=\"")
          .append(prometheus_label_value(name));
      out.append("\"").append(spec.cells[i]).append("} ").append(std::to_string(counts[i]));
      out.append("\n");
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
        out.append("apigw_requests_total{route=\"").append(prometheus_label_value(name));
        out.append("\",method=\"").append(kMethodLabels[m]);
        out.append("\",status_class=\"").append(kStatusClasses[s]).append("\"} ");
        out.append(std::to_string(route.requests[m][s])).append("\n");
      }
    }
  }
  out.append(
      "# HELP apigw_responses_total Responses sent, by route and exact status code (\"other\": "
      "a status outside 100-599).\n"
      "# TYPE apigw_responses_total counter\n");
  for (const auto& [name, route] : values.routes) {
    for (const auto& [code, count] : route.codes) {
      out.append("apigw_responses_total{route=\"").append(prometheus_label_value(name));
      out.append("\",code=\"").append(code == 0 ? "other" : std::to_string(code)).append("\"} ");
      out.append(std::to_string(count)).append("\n");
    }
  }
  out.append(
      "# HELP apigw_request_duration_seconds Time from request head to last response byte.\n"
      "# TYPE apigw_request_duration_seconds histogram\n");
  for (const auto& [name, route] : values.routes) {
    if (!name.empty()) render_histogram(out, "apigw_request_duration_seconds", "route", name, route.latency);
  }
  out.append(
      "# HELP apigw_upstream_duration_seconds Time from a try's request to its response head, "
      "by upstream (every try, retries included).\n"
      "# TYPE apigw_upstream_duration_seconds histogram\n");
  for (const auto& [name, latency] : values.upstream_latency) {
    render_histogram(out, "apigw_upstream_duration_seconds", "upstream", name, latency);
  }
  out.append(
      "# HELP apigw_listener_bytes_total HTTP bytes (heads and bodies, before TLS) of the requests "
      "received and the responses sent on each listener.\n"
      "# TYPE apigw_listener_bytes_total counter\n");
  for (const auto& [address, bytes] : values.listener_bytes) {
    const std::string label = prometheus_label_value(address);
    out.append("apigw_listener_bytes_total{listener=\"").append(label);
    out.append("\",direction=\"received\"} ").append(std::to_string(bytes.first)).append("\n");
    out.append("apigw_listener_bytes_total{listener=\"").append(label);
    out.append("\",direction=\"sent\"} ").append(std::to_string(bytes.second)).append("\n");
  }
  out.append(
      "# HELP apigw_requests_refused_total Requests refused before they could be served, by "
      "reason (the error code answered).\n"
      "# TYPE apigw_requests_refused_total counter\n");
  for (std::size_t i = 0; i < kRefusalReasons.size(); ++i) {
    out.append("apigw_requests_refused_total{reason=\"").append(kRefusalReasons[i]).append("\"} ");
    out.append(std::to_string(values.refused[i])).append("\n");
  }
  for (std::size_t f = 0; f < kFamilyCount; ++f) {
    render_family(out, family_spec(static_cast<Family>(f)), values.families[f]);
  }
  render_websocket_prometheus(values.websockets, out);
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
  out.append(
      "\n# HELP apigw_tracing_spans_total Spans handed to the exporter, by what became of them.\n"
      "# TYPE apigw_tracing_spans_total counter\n");
  out.append("apigw_tracing_spans_total{result=\"exported\"} ")
      .append(std::to_string(gauges.spans_exported));
  out.append("\napigw_tracing_spans_total{result=\"export_failed\"} ")
      .append(std::to_string(gauges.spans_failed));
  out.append("\napigw_tracing_spans_total{result=\"dropped_queue_full\"} ")
      .append(std::to_string(gauges.spans_dropped));
  out.append(
      "\n# HELP apigw_tracing_export_errors_total Export requests that failed or were refused.\n"
      "# TYPE apigw_tracing_export_errors_total counter\napigw_tracing_export_errors_total ");
  out.append(std::to_string(gauges.span_export_errors));
  out.append("\n# HELP apigw_workers Worker threads.\n# TYPE apigw_workers gauge\napigw_workers ");
  out.append(std::to_string(gauges.workers)).append("\n");
  render_tls_prometheus(out, values.tls, gauges.tls);
  render_http2_prometheus(out, values.http2);
  return out;
}

}  // namespace apigw::observe
