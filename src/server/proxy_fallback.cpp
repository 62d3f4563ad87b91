// ProxyExchange, fallbacks: what a route answers when its upstream cannot — the last good
// response of the same GET (stale_if_error), its fallback upstream, or a fixed response — each
// marked with X-Apigw-Fallback and counted. docs/resilience.md.
#include "http/error_body.h"
#include "server/proxy_exchange.h"
#include "server/worker.h"
#include "server/write_all.h"

namespace apigw::server {
namespace {

bool upstream_failed(UpstreamOutcome outcome) {
  switch (outcome) {
    case UpstreamOutcome::connect_failed:
    case UpstreamOutcome::connect_timeout:
    case UpstreamOutcome::reset:
    case UpstreamOutcome::response_timeout:
    case UpstreamOutcome::invalid_response:
    case UpstreamOutcome::no_target:
    case UpstreamOutcome::overloaded:
    case UpstreamOutcome::circuit_open:
      return true;
    default:
      return false;
  }
}

enum FallbackKind : std::size_t { kStale = 0, kUpstream = 1, kStatic = 2 };

}  // namespace

std::string ProxyExchange::stale_key() const {
  const http::RequestHead& head = session_.scratch_->head;
  std::string key(route_.config->name);
  key.append("\n").append(head.host).append("\n").append(head.target);
  return key;
}

awaitable<bool> ProxyExchange::fail(UpstreamOutcome outcome) {
  const config::FallbackConfig& fallback = route_.config->fallback;
  if (!fallback.enabled || is_fallback_ || !upstream_failed(outcome) || session_.aborted_) {
    co_return co_await reply_for(outcome);
  }
  const http::RequestHead& head = session_.scratch_->head;
  observe::MetricsShard& metrics = session_.worker_.metrics();
  const std::string& route = route_.config->name;

  const bool cacheable = head.method == http::Method::get || head.method == http::Method::head;
  if (fallback.stale_if_error.count() > 0 && cacheable) {
    const StaleCache::Entry* entry = session_.worker_.stale_cache().find(stale_key());
    const auto age = entry ? Clock::now() - entry->stored : Clock::duration::max();
    if (entry != nullptr && age <= fallback.stale_if_error) {
      metrics.fallbacks(route, kStale).add();
      const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(age).count();
      std::vector<std::pair<std::string, std::string>> headers;
      if (!entry->content_type.empty()) headers.emplace_back("Content-Type", entry->content_type);
      co_return co_await send_fallback_response(200, "stale", headers, entry->body,
                                                "Age: " + std::to_string(seconds) + "\r\n");
    }
  }
  if (route_.fallback_cluster_index && body_complete_in_buffer_ && !request_body_sent_) {
    metrics.fallbacks(route, kUpstream).add();
    connection_.reset();
    response_.clear();
    context_.response_headers.set.push_back({"X-Apigw-Fallback", "upstream"});
    ProxyExchange other(session_, serving_, route_, context_, *route_.fallback_cluster_index,
                        /*is_fallback=*/true);
    other.buffered_body_ = buffered_body_;
    other.body_complete_in_buffer_ = true;
    other.head_start_ = head_start_;
    other.attempt_timeout_ = attempt_timeout_;
    co_return co_await other.proxy();
  }
  if (fallback.status != 0) {
    metrics.fallbacks(route, kStatic).add();
    co_return co_await send_fallback_response(fallback.status, "static", fallback.headers,
                                              fallback.body, "");
  }
  co_return co_await reply_for(outcome);
}

awaitable<bool> ProxyExchange::send_fallback_response(
    int status, std::string_view kind,
    const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body,
    std::string_view extra_headers) {
  const http::RequestHead& head = session_.scratch_->head;
  ByteBuffer& input = session_.input_;
  input.consume(buffered_body_);
  buffered_body_ = 0;
  connection_.reset();
  const bool keep_alive = head.keep_alive && head.version_minor == 1 &&
                          (body_complete_in_buffer_ || request_body_sent_) &&
                          !session_.worker_.draining();
  std::string& out = session_.scratch_->output;
  out.clear();
  out.append("HTTP/1.1 ").append(std::to_string(status)).append(" ");
  out.append(http::reason_phrase(status)).append("\r\n");
  for (const auto& [name, value] : headers)
    out.append(name).append(": ").append(value).append("\r\n");
  out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  out.append("X-Apigw-Fallback: ").append(kind).append("\r\n");
  out.append("X-Request-Id: ").append(session_.request_id_).append("\r\n");
  out.append(extra_headers);
  if (!keep_alive) out.append("Connection: close\r\n");
  out.append("\r\n");
  const std::string_view sent_body = head.method == http::Method::head ? std::string_view() : body;
  session_.status_sent_ = status;
  session_.expect(Phase::client_write, snapshot_.config.server.timeouts.body_read);
  auto [ec, written] = co_await write_all(session_.socket_, net::buffer(out),
                                          net::buffer(sent_body.data(), sent_body.size()));
  session_.clear_deadline();
  session_.bytes_out_ += written;
  session_.log_request();
  co_return keep_alive && !ec;
}

}  // namespace apigw::server
