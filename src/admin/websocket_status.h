// The admin API's WebSocket and service views: GET /admin/websocket/stats (tunnel counters of
// every worker, merged: totals and per route) and GET /admin/services (each upstream with its
// targets' health and their open HTTP requests and WebSocket tunnels). docs/websocket.md has the
// formats.
#pragma once

#include <string>

#include "observe/websocket_stats.h"
#include "snapshot/snapshot.h"

namespace apigw::admin {

std::string render_websocket_stats_json(const observe::WebSocketValues& values);

std::string render_services_json(const snapshot::Snapshot& snapshot);

}  // namespace apigw::admin
