#include "admin/admin_server.h"

#include "admin/live_stats_json.h"
#include "admin/upstream_status.h"
#include "admin/websocket_status.h"
#include "observe/process_metrics.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include "admin/admin_routes.h"
#include "admin/entity_api.h"
#include "admin/openapi_document.h"
#include "admin/target_api.h"
#include "util/secret_hash.h"

namespace apigw::admin {

using namespace server;

namespace {
constexpr int kMaxAdminConnections = 64;

// How long an admin connection may take to send a request, and to wait between requests.
constexpr std::chrono::seconds kAdminRequestTimeout{30};

// Counts a connection being served.
class Connection {
 public:
  explicit Connection(std::shared_ptr<int> count) : count_(std::move(count)) { ++*count_; }
  ~Connection() { --*count_; }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

 private:
  std::shared_ptr<int> count_;
};
}  // namespace

AdminServer::AdminServer(net::io_context& context, AdminSources sources)
    : context_(context), sources_(std::move(sources)), acceptor_(context) {}

void AdminServer::start(const tcp::endpoint& endpoint, int adopted) {
  if (adopted >= 0) {
    acceptor_.assign(endpoint.protocol(), adopted);
  } else {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
  }
  net::co_spawn(context_, accept_loop(), net::detached);
}

void AdminServer::stop() {
  stopped_ = true;
  server::close_listening(acceptor_);
}

awaitable<void> AdminServer::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(use_nothrow);
    if (ec == net::error::operation_aborted) co_return;
    if (ec) continue;
    // A bound on what clients of the admin listener can hold open (each may keep a body of up
    // to kMaxAdminBody for 30 s).
    if (*connections_ >= kMaxAdminConnections) continue;  // the socket closes here
    net::co_spawn(context_, serve(std::move(socket)), net::detached);
  }
}

awaitable<observe::MetricsShard::Values> AdminServer::merged_metrics() {
  observe::MetricsShard::Values merged;
  for (Worker* worker : sources_.workers()) {
    // Each shard is read on its own worker's thread, so shards need no locks.
    auto values = co_await net::co_spawn(
        worker->context(),
        [worker]() -> awaitable<observe::MetricsShard::Values> {
          co_return worker->metrics().snapshot();
        },
        use_awaitable);
    merged.merge(values);
  }
  co_return merged;
}

awaitable<observe::LiveValues> AdminServer::merged_live(const std::string* only_route) {
  observe::LiveValues merged;
  // One reading time for every worker, so that their windows end at the same instant and merge.
  const auto now = std::chrono::steady_clock::now();
  const auto micros = [](auto duration) {
    return std::chrono::duration_cast<std::chrono::microseconds>(duration).count();
  };
  const std::int64_t now_micros = micros(now.time_since_epoch());
  const std::int64_t age_micros = micros(now - sources_.started);
  for (Worker* worker : sources_.workers()) {
    auto values = co_await net::co_spawn(
        worker->context(),
        [worker, now_micros, age_micros, only_route]() -> awaitable<observe::LiveValues> {
          co_return worker->metrics().read_live(now_micros, age_micros, only_route);
        },
        use_awaitable);
    merged.merge(values);
  }
  co_return merged;
}

double AdminServer::uptime_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - sources_.started)
      .count();
}

awaitable<AdminResponse> AdminServer::live_stats(std::string_view route) {
  const double uptime = uptime_seconds();
  AdminResponse response;
  if (route.empty()) {
    const observe::LiveValues values = co_await merged_live(nullptr);
    const auto process = observe::read_process_usage();
    const observe::HostUsage host = observe::read_host_usage();
    SystemView system;
    system.process = process ? &*process : nullptr;
    system.host = &host;
    system.cpu = cpu_shares(host, system.process);
    response.body = render_live_stats_json(values, uptime, system);
    co_return response;
  }
  const std::string name(route);
  const auto snapshot = sources_.snapshot();
  const bool known = std::any_of(snapshot->routes.begin(), snapshot->routes.end(),
                                 [&](const auto& route) { return route.config->name == name; });
  if (!known) co_return error_response(404, "route_not_found", "no route named '" + name + "'");
  observe::LiveValues values = co_await merged_live(&name);
  response.body = render_route_live_stats_json(name, values.routes[name], uptime);
  co_return response;
}

awaitable<std::string> AdminServer::render_metrics() {
  const observe::MetricsShard::Values merged = co_await merged_metrics();
  const observe::GatewayGauges gauges = sources_.gauges();
  std::string text = observe::render_prometheus(merged, gauges);
  append_target_gauges(*sources_.snapshot(), text);
  observe::append_build_info(text, gauges.version, gauges.commit);
  const auto process = observe::read_process_usage();
  const observe::HostUsage host = observe::read_host_usage();
  observe::append_process_metrics(text, process ? &*process : nullptr);
  observe::append_host_metrics(text, host, cpu_shares(host, process ? &*process : nullptr));
  co_return text;
}

observe::CpuUtilization::Shares AdminServer::cpu_shares(const observe::HostUsage& host,
                                                        const observe::ProcessUsage* process) {
  const double now =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  return cpu_.update(host, process, now);
}

AdminResponse AdminServer::upstream_status(std::string_view name) {
  AdminResponse response;
  response.body = render_upstreams_json(*sources_.snapshot(), name);
  if (response.body.empty()) {
    return error_response(404, "upstream_not_found",
                          "no upstream named '" + std::string(name) + "'");
  }
  return response;
}

std::optional<AdminResponse> AdminServer::authorize(const AdminRequest& request) const {
  if (!request.path.starts_with("/admin/")) return std::nullopt;
  // Everything under /admin/ needs the token when one is configured (config validation allows
  // no token only on a loopback listener).
  const std::string& token = sources_.snapshot()->config.admin.token;
  if (token.empty()) return std::nullopt;
  const std::string_view authorization = request.header("authorization");
  const bool bearer = authorization.size() > 7 && (authorization.starts_with("Bearer ") ||
                                                   authorization.starts_with("bearer "));
  if (bearer && util::constant_time_equal(authorization.substr(7), token)) return std::nullopt;
  AdminResponse refusal =
      error_response(401, "unauthorized", "a valid admin bearer token is required");
  refusal.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"apigw-admin\"");
  return refusal;
}

awaitable<AdminResponse> AdminServer::respond(const AdminRequest& request) {
  const AdminRoute* route = match_admin_route(request.path);
  if (route == nullptr) co_return error_response(404, "not_found", "unknown admin endpoint");
  if (auto refusal = refuse_request(*route, request)) co_return std::move(*refusal);
  const std::string_view path = request.path;
  AdminResponse response;
  switch (route->endpoint) {
    case AdminEndpoint::metrics:
      response.content_type = "text/plain; version=0.0.4";
      response.body = co_await render_metrics();
      co_return response;
    case AdminEndpoint::health:
      response.body = "{\"status\":\"ok\"}";
      co_return response;
    case AdminEndpoint::ready:
      response.status = sources_.ready() ? 200 : 503;
      response.body = sources_.ready() ? "{\"status\":\"ready\"}" : "{\"status\":\"starting\"}";
      co_return response;
    case AdminEndpoint::status:
      co_return json_response(200, gateway_status());
    case AdminEndpoint::openapi:
      response.body = std::string(openapi_document());
      co_return response;
    case AdminEndpoint::upstream_status_all:
      co_return upstream_status({});
    case AdminEndpoint::upstream_status:
      co_return upstream_status(path.substr(std::string_view("/admin/status/upstreams/").size()));
    case AdminEndpoint::stats:
      co_return co_await live_stats({});
    case AdminEndpoint::route_stats:
      co_return co_await live_stats(path.substr(std::string_view("/admin/stats/routes/").size()));
    case AdminEndpoint::websocket_stats:
      response.body = render_websocket_stats_json((co_await merged_metrics()).websockets);
      co_return response;
    case AdminEndpoint::services:
      response.body = render_services_json(*sources_.snapshot());
      co_return response;
    case AdminEndpoint::targets:
    case AdminEndpoint::target: {
      if (sources_.config == nullptr) break;
      // "/admin/upstreams/{upstream}/targets[/{target}]"
      std::string_view rest = path.substr(std::string_view("/admin/upstreams/").size());
      const std::string_view upstream = rest.substr(0, rest.find('/'));
      rest.remove_prefix(upstream.size() + std::string_view("/targets").size());
      const std::string_view target = rest.empty() ? rest : rest.substr(1);
      co_return co_await handle_target_api(request, upstream, target, *sources_.config);
    }
    default:
      break;  // the config and entity endpoints
  }
  if (sources_.config != nullptr) {
    if (auto answer = co_await handle_entity_api(request, *sources_.config)) {
      co_return std::move(*answer);
    }
  }
  co_return error_response(404, "not_found", "unknown admin endpoint");
}

boost::json::object AdminServer::gateway_status() const {
  boost::json::object body;
  const observe::GatewayGauges gauges = sources_.gauges();
  body["version"] = gauges.version;
  body["commit"] = gauges.commit;
  body["node_id"] = sources_.node_id;
  body["hostname"] = sources_.hostname;
  body["pid"] = static_cast<std::int64_t>(::getpid());
  body["uptime_seconds"] = std::round(uptime_seconds() * 1000.0) / 1000.0;
  body["ready"] = sources_.ready();
  body["workers"] = gauges.workers;
  body["snapshot_version"] = sources_.snapshot()->version;
  if (sources_.config != nullptr) body["config"] = config_status_json(sources_.config->status());
  return body;
}

awaitable<void> AdminServer::serve(tcp_socket socket) {
  const Connection counted(connections_);
  // Admin clients are few; a plain timer bounds a stuck or idle one. The socket is shared with the
  // timer's handler, which may run after this frame is gone.
  auto shared = std::make_shared<tcp_socket>(std::move(socket));
  tcp_socket& client = *shared;
  steady_timer guard(context_);
  AdminInput input;
  const auto check_head = [this](const AdminRequest& request) { return authorize(request); };
  // Keep-alive: a scraper or a script making several calls reuses its connection. A refused
  // request (its body may be unread) and a client that asks for it end the connection.
  for (bool keep_alive = true; keep_alive;) {
    guard.expires_after(kAdminRequestTimeout);  // also cancels the previous request's wait
    guard.async_wait([shared](error_code ec) {
      if (!ec) shared->close(ec);
    });
    AdminResponse response;
    keep_alive = false;
    if (auto request = co_await read_admin_request(client, input, response, check_head)) {
      response = co_await respond(*request);
      keep_alive = request->keep_alive && !stopped_;
      if (request->method == "HEAD") {
        // HEAD: the headers of the GET, no body.
        std::string text = serialize_response(response, keep_alive);
        text.resize(text.size() - response.body.size());
        auto [ec, n] = co_await net::async_write(client, net::buffer(text), use_nothrow);
        if (ec) keep_alive = false;
        continue;
      }
    } else if (response.body.empty()) {
      break;  // the client went away or stayed quiet
    }
    const std::string text = serialize_response(response, keep_alive);
    auto [ec, n] = co_await net::async_write(client, net::buffer(text), use_nothrow);
    if (ec) keep_alive = false;
  }
  error_code ignored;
  client.shutdown(tcp_socket::shutdown_send, ignored);
  guard.cancel();
}

}  // namespace apigw::admin
