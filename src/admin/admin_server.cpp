#include "admin/admin_server.h"

#include "admin/upstream_status.h"

#include <boost/asio/steady_timer.hpp>

#include "http/error_body.h"
#include "http/parser.h"

namespace apigw::admin {

using namespace server;

AdminServer::AdminServer(net::io_context& context, AdminSources sources)
    : context_(context), sources_(std::move(sources)), acceptor_(context) {}

void AdminServer::start(const tcp::endpoint& endpoint) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
  net::co_spawn(context_, accept_loop(), net::detached);
}

void AdminServer::stop() {
  error_code ignored;
  acceptor_.close(ignored);
}

awaitable<void> AdminServer::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(use_nothrow);
    if (ec == net::error::operation_aborted) co_return;
    if (ec) continue;
    net::co_spawn(context_, serve(std::move(socket)), net::detached);
  }
}

awaitable<std::string> AdminServer::render_metrics() {
  observe::MetricsShard::Values merged;
  for (Worker* worker : sources_.workers()) {
    // Each shard is read on its own worker's thread, so shards need no locks.
    auto values = co_await net::co_spawn(
        worker->context(),
        [worker]() -> awaitable<observe::MetricsShard::Values> {
          co_return worker->metrics().snapshot();
        },
        net::use_awaitable);
    merged.merge(values);
  }
  std::string text = observe::render_prometheus(merged, sources_.gauges());
  append_target_gauges(*sources_.snapshot(), text);
  co_return text;
}

namespace {

std::string make_response(int status, std::string_view content_type, std::string_view body) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " ";
  out.append(http::reason_phrase(status));
  out.append("\r\nContent-Type: ").append(content_type);
  out.append("\r\nContent-Length: ").append(std::to_string(body.size()));
  out.append("\r\nConnection: close\r\n\r\n").append(body);
  return out;
}

std::string error_response(int status, std::string_view code, std::string_view message) {
  std::string body;
  http::append_error_body(body, status, code, message, "");
  return make_response(status, "application/json", body);
}

}  // namespace

awaitable<void> AdminServer::serve(tcp::socket socket) {
  // Admin clients are few; a plain timer bounds a stuck one.
  net::steady_timer guard(context_);
  guard.expires_after(std::chrono::seconds(10));
  guard.async_wait([&socket](error_code ec) {
    if (!ec) socket.close(ec);
  });
  std::string buffer(16 * 1024, '\0');
  std::size_t filled = 0;
  http::RequestHead head;
  std::string response;
  for (;;) {
    auto [ec, n] = co_await socket.async_read_some(
        net::buffer(buffer.data() + filled, buffer.size() - filled), use_nothrow);
    if (ec) {
      guard.cancel();
      co_return;
    }
    filled += n;
    const auto result = http::parse_request_head({buffer.data(), filled}, {}, head);
    if (result.status == http::ParseStatus::incomplete) continue;
    if (result.status == http::ParseStatus::error) {
      response = error_response(result.error.status, result.error.code, result.error.message);
    } else if (head.method != http::Method::get && head.method != http::Method::head) {
      response = error_response(405, "method_not_allowed", "the admin endpoints accept GET");
    } else if (head.path == "/metrics") {
      const std::string body = co_await render_metrics();
      response = make_response(200, "text/plain; version=0.0.4", body);
    } else if (head.path == "/admin/upstreams" || head.path.starts_with("/admin/upstreams/")) {
      const std::string_view name =
          head.path.size() > 17 ? head.path.substr(17) : std::string_view();
      const std::string body = render_upstreams_json(*sources_.snapshot(), name);
      response = body.empty() ? error_response(404, "upstream_not_found",
                                               "no upstream named '" + std::string(name) + "'")
                              : make_response(200, "application/json", body);
    } else if (head.path == "/health") {
      response = make_response(200, "application/json", "{\"status\":\"ok\"}");
    } else if (head.path == "/ready") {
      response = sources_.ready()
                     ? make_response(200, "application/json", "{\"status\":\"ready\"}")
                     : make_response(503, "application/json", "{\"status\":\"starting\"}");
    } else {
      response = error_response(404, "not_found", "unknown admin endpoint");
    }
    break;
  }
  co_await net::async_write(socket, net::buffer(response), use_nothrow);
  error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  guard.cancel();
}

}  // namespace apigw::admin
