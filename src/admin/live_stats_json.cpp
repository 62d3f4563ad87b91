#include "admin/live_stats_json.h"

#include <cmath>

#include <boost/json.hpp>

#include "admin/json_text.h"

namespace apigw::admin {
namespace {

namespace json = boost::json;

// Rounded to 3 decimals: microseconds in milliseconds, and no float noise in rates.
double rounded(double value) { return std::round(value * 1000.0) / 1000.0; }

double millis(std::uint64_t micros) { return rounded(static_cast<double>(micros) / 1000.0); }

json::object latency_json(const observe::WindowHistogram& histogram, std::uint64_t sum_micros) {
  json::object latency;
  const std::uint64_t count = histogram.count();
  latency["count"] = count;
  latency["avg"] = count == 0 ? 0.0 : rounded(static_cast<double>(sum_micros) / 1000.0 /
                                                static_cast<double>(count));
  latency["p50"] = millis(histogram.value_at(0.50));
  latency["p90"] = millis(histogram.value_at(0.90));
  latency["p95"] = millis(histogram.value_at(0.95));
  latency["p99"] = millis(histogram.value_at(0.99));
  latency["p999"] = millis(histogram.value_at(0.999));
  return latency;
}

json::object window_json(const observe::LiveWindow& window) {
  const observe::LiveCounts& counts = window.counts;
  const double seconds = window.seconds > 0 ? window.seconds : 1.0;
  const double requests = static_cast<double>(counts.requests);
  json::object out;
  out["seconds"] = rounded(window.seconds);
  out["requests"] = counts.requests;
  out["requests_per_second"] = rounded(requests / seconds);
  json::object status;
  static constexpr const char* kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  for (std::size_t i = 0; i < counts.status.size(); ++i) status[kClasses[i]] = counts.status[i];
  out["status"] = std::move(status);
  const auto rate = [&](std::uint64_t part) {
    return counts.requests == 0 ? 0.0
                                : std::round(static_cast<double>(part) / requests * 1e6) / 1e6;
  };
  out["error_rate_4xx"] = rate(counts.status[3]);
  out["error_rate_5xx"] = rate(counts.status[4]);
  out["latency_ms"] = latency_json(window.latency, counts.latency_sum_micros);
  out["upstream_latency_ms"] = latency_json(window.upstream_latency, counts.upstream_sum_micros);
  out["bytes_in"] = counts.bytes_in;
  out["bytes_out"] = counts.bytes_out;
  out["bytes_in_per_second"] = rounded(static_cast<double>(counts.bytes_in) / seconds);
  out["bytes_out_per_second"] = rounded(static_cast<double>(counts.bytes_out) / seconds);
  return out;
}

json::object windows_json(const observe::LiveWindows& windows) {
  json::object out;
  for (std::size_t i = 0; i < windows.size(); ++i) {
    out[observe::kLiveWindowNames[i]] = window_json(windows[i]);
  }
  return out;
}

// Windows that no worker filled still cover the time since the start.
void cover(observe::LiveWindows& windows, const observe::LiveWindows& reference) {
  for (std::size_t i = 0; i < windows.size(); ++i) {
    windows[i].seconds = std::max(windows[i].seconds, reference[i].seconds);
  }
}

json::array window_names() {
  json::array names;
  for (const char* name : observe::kLiveWindowNames) names.emplace_back(name);
  return names;
}

json::object process_json(const observe::ProcessUsage& usage, double cpu_share) {
  json::object out;
  out["cpu_utilization"] = rounded(cpu_share);
  out["cpu_seconds"] = rounded(usage.cpu_seconds);
  out["resident_memory_bytes"] = usage.resident_bytes;
  if (usage.open_fds) out["open_fds"] = *usage.open_fds;
  if (usage.max_fds) out["max_fds"] = *usage.max_fds;
  return out;
}

json::object host_json(const observe::HostUsage& host, double cpu_share) {
  json::object out;
  out["cpus"] = host.cpus;
  out["cpu_utilization"] = rounded(cpu_share);
  out["memory_total_bytes"] = host.memory_total_bytes;
  out["memory_available_bytes"] = host.memory_available_bytes;
  json::object network;
  for (const auto& [device, bytes] : host.network_bytes) {
    network[device] = {{"receive_bytes", bytes.first}, {"transmit_bytes", bytes.second}};
  }
  out["network"] = std::move(network);
  return out;
}

}  // namespace

std::string render_live_stats_json(const observe::LiveValues& values, double uptime_seconds,
                                   const SystemView& system) {
  // Every worker reads its unrouted windows, so their lengths are there even without requests.
  const observe::LiveWindows& reference = values.unrouted;
  observe::LiveWindows total = values.unrouted;
  json::object routes;
  for (const auto& [name, windows] : values.routes) {
    observe::merge_windows(total, windows);
    routes[name] = windows_json(windows);
  }
  json::object upstreams;
  for (const auto& [upstream, targets] : values.targets) {
    observe::LiveWindows sum;
    json::object by_address;
    for (const auto& [address, windows] : targets) {
      observe::merge_windows(sum, windows);
      by_address[address] = windows_json(windows);
    }
    cover(sum, reference);
    json::object entry = windows_json(sum);
    entry["targets"] = std::move(by_address);
    upstreams[upstream] = std::move(entry);
  }
  cover(total, reference);
  json::object out;
  out["uptime_seconds"] = rounded(uptime_seconds);
  out["windows"] = window_names();
  out["total"] = windows_json(total);
  out["unrouted"] = windows_json(values.unrouted);
  out["routes"] = std::move(routes);
  out["upstreams"] = std::move(upstreams);
  if (system.process != nullptr) out["process"] = process_json(*system.process, system.cpu.process);
  if (system.host != nullptr) out["host"] = host_json(*system.host, system.cpu.host);
  return json_text(out);
}

std::string render_route_live_stats_json(const std::string& route, const observe::LiveWindows& windows,
                                         double uptime_seconds) {
  json::object out;
  out["route"] = route;
  out["uptime_seconds"] = rounded(uptime_seconds);
  out["windows"] = window_names();
  for (std::size_t i = 0; i < windows.size(); ++i) {
    out[observe::kLiveWindowNames[i]] = window_json(windows[i]);
  }
  return json_text(out);
}

}  // namespace apigw::admin
