// The admin listener: GET /metrics (Prometheus text), /health (liveness), /ready (config loaded
// and listeners up), and under /admin/ (bearer token when admin.token is set): GET /admin/status
// (this node), GET /admin/openapi.json, the entity and config API (entity_api.h),
// GET /admin/status/upstreams[/{name}] (live target state), GET /admin/websocket/stats and
// GET /admin/services (websocket_status.h), GET /admin/stats and GET /admin/stats/routes/{name}
// (live_stats_json.h). Requests are dispatched by the route table of admin_routes.h. Runs on
// the main thread's io_context, never on a worker.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <vector>

#include "admin/admin_http.h"
#include "admin/config_service.h"
#include "observe/metrics.h"
#include "observe/system_usage.h"
#include "server/asio.h"
#include "server/worker.h"

namespace apigw::admin {

// What the admin API reads from the running gateway.
struct AdminSources {
  std::function<std::vector<server::Worker*>()> workers;
  std::function<observe::GatewayGauges()> gauges;
  std::function<bool()> ready;
  std::function<std::shared_ptr<const snapshot::Snapshot>()> snapshot;  // the one being served
  ConfigService* config = nullptr;
  std::chrono::steady_clock::time_point started;  // when the gateway started counting
  // This process: a random id made at start (also the traces' service.instance.id) and the
  // host's name, for GET /admin/status.
  std::string node_id;
  std::string hostname;
};

class AdminServer {
 public:
  AdminServer(server::net::io_context& context, AdminSources sources);
  // Binds and starts accepting, or accepts on `adopted` when it is a listening socket handed over
  // by a binary upgrade (app/socket_handover.h). Throws on bind failure.
  void start(const server::tcp::endpoint& endpoint, int adopted = -1);
  // The listening socket's descriptor (-1 once stopped), for a binary upgrade to hand over.
  int listening_handle() { return acceptor_.is_open() ? acceptor_.native_handle() : -1; }
  void stop();

 private:
  server::awaitable<void> accept_loop();
  server::awaitable<void> serve(server::tcp_socket socket);
  // Every worker's metrics shard, read on its own thread, merged.
  server::awaitable<observe::MetricsShard::Values> merged_metrics();
  server::awaitable<std::string> render_metrics();
  // Every worker's live statistics (only one route's when `only_route` is given), merged.
  server::awaitable<observe::LiveValues> merged_live(const std::string* only_route);
  // GET /admin/stats, or /admin/stats/routes/{route} when `route` is not empty.
  server::awaitable<AdminResponse> live_stats(std::string_view route);
  double uptime_seconds() const;
  server::awaitable<AdminResponse> respond(const AdminRequest& request);
  // The 401 to send for a request under /admin/ without the right token; nullopt when allowed.
  std::optional<AdminResponse> authorize(const AdminRequest& request) const;
  AdminResponse upstream_status(std::string_view name);
  // GET /admin/status.
  boost::json::object gateway_status() const;
  observe::CpuUtilization::Shares cpu_shares(const observe::HostUsage& host,
                                             const observe::ProcessUsage* process);

  server::net::io_context& context_;
  AdminSources sources_;
  server::tcp_acceptor acceptor_;
  // Connections being served. Shared with their coroutines: a keep-alive connection still
  // waiting when the gateway stops is freed with the io_context, after this object.
  std::shared_ptr<int> connections_ = std::make_shared<int>(0);
  bool stopped_ = false;
  observe::CpuUtilization cpu_;  // between two readings (scrapes, stats calls)
};

}  // namespace apigw::admin
