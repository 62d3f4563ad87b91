// GET /admin/stats and GET /admin/stats/routes/{name}: the live statistics (observe/live_stats.h)
// of every worker, merged, as JSON (schema in docs/observability.md).
#pragma once

#include <string>

#include "observe/live_stats.h"
#include "observe/system_usage.h"

namespace apigw::admin {

// What the process and the host use, shown beside the traffic.
struct SystemView {
  const observe::ProcessUsage* process = nullptr;  // null: /proc unreadable
  const observe::HostUsage* host = nullptr;
  observe::CpuUtilization::Shares cpu;
};

// The whole gateway: totals, requests answered before a route was known, every route and
// upstream (with its targets) that had requests in the last 5 minutes, the process and the host.
std::string render_live_stats_json(const observe::LiveValues& values, double uptime_seconds,
                                   const SystemView& system);
// One route.
std::string render_route_live_stats_json(const std::string& route, const observe::LiveWindows& windows,
                                         double uptime_seconds);

}  // namespace apigw::admin
