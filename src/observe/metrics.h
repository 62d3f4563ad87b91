// Request metrics. Each worker owns a MetricsShard and is its only writer; a scrape reads every
// shard (relaxed atomics, no locks) and merges them into one Prometheus text page.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "http/message.h"
#include "observe/histogram.h"

namespace apigw::observe {

// Method classes used as the "method" label: the common methods by name, the rest as "OTHER".
inline constexpr std::array<const char*, 8> kMethodLabels = {"GET",    "HEAD",  "POST",    "PUT",
                                                             "DELETE", "PATCH", "OPTIONS", "OTHER"};
std::size_t method_class(http::Method method);

// Per-route counters of one worker.
struct RouteStats {
  // [method class][status class 1xx..5xx -> 0..4]
  std::array<std::array<std::atomic<std::uint64_t>, 5>, kMethodLabels.size()> requests{};
  LatencyHistogram latency;

  void record(http::Method method, int status, std::uint64_t micros) {
    const std::size_t status_class = status >= 100 && status < 600 ? status / 100 - 1 : 4;
    auto& counter = requests[method_class(method)][status_class];
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    latency.record(micros);
  }
};

struct CounterCell {
  std::atomic<std::uint64_t> value{0};
  void add(std::uint64_t by = 1) {
    value.store(value.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }
};

// A counter family with one name label (an upstream, a route) and N cells per name for a second,
// fixed label (a result, a state). Cells are created on first use by the owning worker.
template <std::size_t N>
class LabeledCounters {
 public:
  using Values = std::map<std::string, std::array<std::uint64_t, N>>;

  CounterCell& cell(const std::string& name, std::size_t index = 0) {
    auto& slot = cells_[name][index];
    if (!slot) slot = std::make_unique<CounterCell>();
    return *slot;
  }
  // Names with at least one cell; cells never used read 0.
  Values snapshot() const {
    Values values;
    for (const auto& [name, cells] : cells_) {
      auto& out = values[name];
      for (std::size_t i = 0; i < N; ++i) {
        out[i] = cells[i] ? cells[i]->value.load(std::memory_order_relaxed) : 0;
      }
    }
    return values;
  }
  static void merge(Values& into, const Values& from) {
    for (const auto& [name, counts] : from) {
      auto& mine = into.try_emplace(name).first->second;  // zero-filled when new
      for (std::size_t i = 0; i < N; ++i) mine[i] += counts[i];
    }
  }

 private:
  std::map<std::string, std::array<std::unique_ptr<CounterCell>, N>> cells_;
};

// One worker's metrics. Entries are created on the owning worker only and never removed, so a
// scraper may walk the maps while the worker runs only if it does so on the worker's thread;
// MetricsShard::snapshot() is therefore called on the worker (posted there by the admin API).
class MetricsShard {
 public:
  RouteStats& route(const std::string& name);
  CounterCell& upstream_connect_errors(const std::string& upstream);
  // Retries of failed attempts (docs/resilience.md): made, or refused by the retry budget.
  enum class RetryResult : std::uint8_t { retried, budget_exhausted };
  CounterCell& upstream_retries(const std::string& upstream, RetryResult result);
  // Targets ejected by outlier detection.
  CounterCell& upstream_ejections(const std::string& upstream);
  // Circuit breaker transitions, by the state entered: 0 closed, 1 open, 2 half_open for a
  // target's breaker; 3, 4, 5 the same for the upstream's own breaker.
  CounterCell& upstream_breaker_transitions(const std::string& upstream, std::size_t to);
  // Fallback answers of a route, by kind: 0 stale, 1 upstream, 2 static.
  CounterCell& fallbacks(const std::string& route, std::size_t kind);
  std::atomic<std::int64_t> active_connections{0};
  // Requests answered before a route was known (404 route_not_found, refused heads such as 400
  // and 431), counted under route="".
  RouteStats unrouted;

  // A plain copy of the shard's values, taken on the owning worker.
  struct Values {
    struct Route {
      std::array<std::array<std::uint64_t, 5>, kMethodLabels.size()> requests{};
      LatencyHistogram::Totals latency;
    };
    std::map<std::string, Route> routes;
    LabeledCounters<1>::Values connect_errors;
    LabeledCounters<2>::Values retries;  // [RetryResult]
    LabeledCounters<1>::Values ejections;
    LabeledCounters<6>::Values breaker_transitions;
    LabeledCounters<3>::Values fallbacks;
    std::int64_t active_connections = 0;
    void merge(const Values& other);
  };
  Values snapshot() const;

 private:
  std::map<std::string, std::unique_ptr<RouteStats>> routes_;
  LabeledCounters<1> connect_errors_;
  LabeledCounters<2> retries_;
  LabeledCounters<1> ejections_;
  LabeledCounters<6> breaker_transitions_;
  LabeledCounters<3> fallbacks_;
};

struct GatewayGauges {
  std::uint64_t config_version = 0;
  std::uint64_t reloads_ok = 0;
  std::uint64_t reloads_failed = 0;
  std::uint64_t access_log_dropped = 0;
  std::uint64_t workers = 0;
};

// Renders merged values in the Prometheus text exposition format (version 0.0.4).
std::string render_prometheus(const MetricsShard::Values& values, const GatewayGauges& gauges);

}  // namespace apigw::observe
