// ProxyExchange, WebSocket side: the upgrade request checked and admitted, the upstream asked for
// the upgrade through the ordinary exchange (target choice, retries, failover, breakers), and its
// 101 relayed before the connection becomes a tunnel (websocket_tunnel.h). Any other answer of the
// upstream is relayed as an ordinary response.
#include "http/message.h"
#include "proxy/head_writer.h"
#include "server/proxy_exchange.h"
#include "server/websocket_tunnel.h"
#include "server/worker.h"

namespace apigw::server {

awaitable<bool> ProxyExchange::upgrade(ws::Upgrade kind) {
  const http::RequestHead& head = session_.scratch().head;
  attempt_timeout_ = route_.config->retry.per_try_timeout.value_or(arm_.timeout);
  if (kind == ws::Upgrade::bad_request) {
    // It may have a body (a POST, say), unread: the connection then ends with the answer, or the
    // body would be read as the next request.
    const bool bodyless = !head.has_body();
    co_return co_await session_.answer(
        pipeline::LocalReply::error(400, "invalid_websocket_upgrade",
                                    "a WebSocket upgrade needs GET over HTTP/1.1 without a body, "
                                    "one Sec-WebSocket-Key of 16 bytes in base64 and "
                                    "Sec-WebSocket-Version: 13"),
        head.keep_alive && bodyless);
  }
  body_complete_in_buffer_ = true;  // from here the upgrade is valid: it has no body
  if (kind == ws::Upgrade::bad_version) {
    pipeline::LocalReply reply = pipeline::LocalReply::error(
        426, "websocket_version_unsupported", "the gateway speaks WebSocket version 13");
    reply.headers.push_back({"Sec-WebSocket-Version", "13"});
    co_return co_await session_.answer(std::move(reply), head.keep_alive);
  }
  if (session_.worker().draining()) {
    co_return co_await session_.answer(
        pipeline::LocalReply::error(503, "shutting_down",
                                    "the gateway is shutting down and opens no new WebSocket"),
        false);
  }
  // The slot is taken before the check so that workers admitting at once cannot both pass it.
  const config::WebSocketConfig& limits = route_.config->websocket;
  tunnel_slot_ = route_.tunnels;
  const std::int64_t open = tunnel_slot_->open.fetch_add(1, std::memory_order_relaxed);
  if (limits.max_connections > 0 && open >= static_cast<std::int64_t>(limits.max_connections)) {
    co_return co_await session_.answer(
        pipeline::LocalReply::error(503, "websocket_limit",
                                    "route '" + route_.config->name + "' has its " +
                                        std::to_string(limits.max_connections) +
                                        " WebSocket connections open (max_connections)"),
        head.keep_alive);
  }
  co_return co_await proxy();
}

awaitable<bool> ProxyExchange::start_tunnel() {
  const auto& timeouts = snapshot_.config.server.timeouts;
  ByteBuffer& upstream = connection_->buffer;
  context_.response_status = response_.status;
  context_.upstream_response = &response_;
  if (!arm_.chain->empty()) arm_.chain->run_response_phase(context_);
  proxy::ClientResponseInfo info;
  info.websocket_upgrade = true;
  info.request_id = context_.request_id;
  if (!context_.response_headers.empty()) info.edits = &context_.response_headers;
  std::string& out = session_.scratch().output;
  out.clear();
  proxy::write_client_response_head(response_, info, out);
  upstream.consume(response_.head_bytes);
  context_.status_sent = response_.status;
  session_.watch_upstream(nullptr);
  session_.expect(Phase::client_write, timeouts.body_read);
  auto [ec, written] = co_await session_.write_all(net::buffer(out));
  session_.clear_deadline();
  context_.bytes_out += written;
  if (!ec) session_.end_response();
  session_.finish_request();  // the access-log line of the upgrade: status 101
  if (ec) {
    connection_.reset();
    co_return false;
  }
  auto handover = std::make_unique<TunnelHandover>(std::move(connection_->transport));
  handover->upstream_early.assign(upstream.readable());  // the upstream's first frames, if any
  handover->route = route_.config->name;
  handover->limits = route_.config->websocket;
  handover->deflate = ws::negotiated_deflate(response_);
  handover->route_tunnels = std::move(tunnel_slot_);
  // The tunnel counts as a connection in flight to its target (least_connections sees it) and as
  // an open connection of its upstream (circuit_breaker.max_connections).
  handover->target = cluster_.targets[target_index_].state;
  handover->target->in_flight.fetch_add(1, std::memory_order_relaxed);
  handover->target->tunnels.fetch_add(1, std::memory_order_relaxed);
  handover->upstream_state = cluster_.state;
  handover->upstream_bytes = connection_->pool()->byte_cells();
  if (connection_->open_connections != nullptr) {
    connection_->open_connections = nullptr;  // the tunnel gives it back
  } else {
    cluster_.state->connections.fetch_add(1, std::memory_order_relaxed);
  }
  connection_.reset();
  session_.hand_over_tunnel(std::move(handover));
  co_return false;
}

}  // namespace apigw::server
