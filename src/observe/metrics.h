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
#include "observe/counter_families.h"
#include "observe/histogram.h"
#include "observe/http2_metrics.h"
#include "observe/live_stats.h"
#include "observe/tls_metrics.h"
#include "observe/websocket_stats.h"

namespace apigw::observe {

// Method classes used as the "method" label: the common methods by name, the rest as "OTHER".
inline constexpr std::array<const char*, 8> kMethodLabels = {"GET",    "HEAD",  "POST",    "PUT",
                                                             "DELETE", "PATCH", "OPTIONS", "OTHER"};
std::size_t method_class(http::Method method);

// Why a request was refused before it could be served: the error codes answered (400s of the
// parser, 408, 413, 414, 431, 505, framing that could smuggle a request, unmatched requests).
inline constexpr std::array<std::string_view, 11> kRefusalReasons = {
    "bad_request",       "invalid_framing",
    "invalid_path",      "uri_too_long",
    "request_header_fields_too_large", "http_version_not_supported",
    "request_timeout",   "payload_too_large",
    "route_not_found",   "service_not_found",
    "invalid_websocket_upgrade"};

// Per-route counters of one worker.
struct RouteStats {
  // [method class][status class 1xx..5xx -> 0..4]
  std::array<std::array<std::atomic<std::uint64_t>, 5>, kMethodLabels.size()> requests{};
  LatencyHistogram latency;
  LazyWindowedStats live;  // GET /admin/stats
  // Responses by exact status (apigw_responses_total): a route answers with few codes, so a short
  // scan finds the cell. Read by snapshot(), on the owning worker, so plain integers.
  std::vector<std::pair<std::uint16_t, std::uint64_t>> codes;

  void record(http::Method method, int status, std::uint64_t micros) {
    const bool valid = status >= 100 && status < 600;
    const std::size_t status_class = valid ? status / 100 - 1 : 4;
    auto& counter = requests[method_class(method)][status_class];
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    latency.record(micros);
    const auto code = static_cast<std::uint16_t>(valid ? status : 0);  // 0: out of range
    for (auto& cell : codes) {
      if (cell.first == code) {
        ++cell.second;
        return;
      }
    }
    codes.emplace_back(code, 1);
  }
};

struct CounterCell {
  std::atomic<std::uint64_t> value{0};
  void add(std::uint64_t by = 1) {
    value.store(value.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }
};

// HTTP bytes (heads and bodies, before TLS) received from and sent to the clients of one
// listener, counted when each request ends.
struct ListenerBytes {
  CounterCell received;
  CounterCell sent;
};

// The counters of one family (counter_families.h) on one worker: for each entity (an upstream,
// a route) one cell per value of the family's second label. Cells are created on first use by
// the owning worker and never move, so callers may keep pointers to them (WorkerSnapshot does).
class FamilyCounters {
 public:
  using Values = std::map<std::string, std::vector<std::uint64_t>>;

  explicit FamilyCounters(std::size_t cells_per_entity) : cells_per_entity_(cells_per_entity) {}
  // The entity's cells (cells_per_entity of them).
  CounterCell* cells(const std::string& entity);
  // Forgets an entity's cells (pointers to them become invalid).
  void erase(const std::string& entity) { cells_.erase(entity); }
  // Entities with cells; cells never used read 0.
  Values snapshot() const;
  static void merge(Values& into, const Values& from);

 private:
  std::size_t cells_per_entity_;
  std::map<std::string, std::unique_ptr<CounterCell[]>> cells_;
};

// One worker's metrics. Entries are created and removed (forget_route) on the owning worker only,
// so a scraper may walk the maps while the worker runs only if it does so on the worker's thread;
// MetricsShard::snapshot() is therefore called on the worker (posted there by the admin API).
class MetricsShard {
 public:
  MetricsShard();
  RouteStats& route(const std::string& name);
  // Forgets the counters of a route (its stats and its cells in every per-route family): its
  // series leave /metrics. Only once no snapshot still in use names the route.
  void forget_route(const std::string& name);
  std::size_t route_count() const { return routes_.size(); }
  // A route's WebSocket counters, for a tunnel that opens (users + 1); the tunnel gives it back
  // with release_websocket when it ends. Kept past forget_route while tunnels use it, then until
  // prune_websockets (the next reload), so that how they ended stays visible for a while.
  WebSocketRouteStats& acquire_websocket(const std::string& name);
  void release_websocket(const std::string& name, WebSocketRouteStats& stats);
  void prune_websockets();
  // The cells of `family` for one upstream or route (by name); see WorkerSnapshot::count for
  // handles resolved once per snapshot.
  CounterCell* cells(Family family, const std::string& entity) {
    return families_[static_cast<std::size_t>(family)].cells(entity);
  }
  // One cell, by its typed value (RetryResult::retried, ...).
  template <typename Cell>
  CounterCell& cell(Family family, const std::string& entity, Cell which) {
    return cells(family, entity)[static_cast<std::size_t>(which)];
  }
  // The Prometheus histogram of an upstream's tries (kept, like its counters, until restart).
  LatencyHistogram& upstream_latency(const std::string& upstream);
  // A request refused with `code` (an error code of kRefusalReasons; others are not counted).
  void count_refusal(std::string_view code);
  std::atomic<std::int64_t> active_connections{0};
  std::atomic<std::int64_t> open_tunnels{0};  // WebSocket tunnels (also in active_connections)
  // Requests answered before a route was known (404 route_not_found, refused heads such as 400
  // and 431), counted under route="".
  RouteStats unrouted;
  // Handshakes per TLS listener (address), created when the worker starts listening.
  TlsCounters tls;
  Http2Counters http2;
  TargetLiveRegistry live_targets;
  // By listen address, made when the worker starts listening (values never move: connections
  // keep pointers to theirs).
  std::map<std::string, ListenerBytes> listener_bytes;

  // The live statistics (on the owning worker): every route with requests in the last 5 minutes,
  // or only `only_route` when given (even without requests).
  LiveValues read_live(std::int64_t now_micros, std::int64_t age_micros,
                       const std::string* only_route = nullptr);

  // A plain copy of the shard's values, taken on the owning worker.
  struct Values {
    struct Route {
      std::array<std::array<std::uint64_t, 5>, kMethodLabels.size()> requests{};
      LatencyHistogram::Totals latency;
      std::map<int, std::uint64_t> codes;
    };
    std::map<std::string, Route> routes;
    std::map<std::string, LatencyHistogram::Totals> upstream_latency;
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> listener_bytes;  // in, out
    std::array<std::uint64_t, kRefusalReasons.size()> refused{};
    std::array<FamilyCounters::Values, kFamilyCount> families;
    std::int64_t active_connections = 0;
    TlsCounters tls;
    Http2Counters http2;
    WebSocketValues websockets;
    void merge(const Values& other);
  };
  Values snapshot() const;

 private:
  std::map<std::string, std::unique_ptr<RouteStats>> routes_;
  std::map<std::string, std::unique_ptr<WebSocketRouteStats>> websockets_;
  std::vector<FamilyCounters> families_;  // [Family]
  std::map<std::string, std::unique_ptr<LatencyHistogram>> upstream_latency_;
  std::array<std::uint64_t, kRefusalReasons.size()> refused_{};
};

struct GatewayGauges {
  std::uint64_t config_version = 0;
  std::uint64_t reloads_ok = 0;
  std::uint64_t reloads_failed = 0;
  std::uint64_t access_log_dropped = 0;
  std::uint64_t spans_exported = 0;
  std::uint64_t spans_failed = 0;  // in batches the endpoint refused or that failed
  std::uint64_t spans_dropped = 0;  // a worker's queue was full
  std::uint64_t span_export_errors = 0;
  std::uint64_t workers = 0;
  TlsGauges tls;
  std::string version;  // apigw_build_info's labels
  std::string commit;
};

// A Prometheus label value: backslash, double quote and newline escaped.
std::string prometheus_label_value(std::string_view value);

// Renders merged values in the Prometheus text exposition format (version 0.0.4).
std::string render_prometheus(const MetricsShard::Values& values, const GatewayGauges& gauges);

}  // namespace apigw::observe
