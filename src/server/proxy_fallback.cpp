// ProxyExchange, fallbacks: what a route answers when its upstream cannot — the last good
// response of the same GET (stale_if_error), its fallback upstream, or a fixed response — each
// marked with X-Apigw-Fallback and counted. docs/resilience.md.
#include "server/proxy_exchange.h"
#include "server/worker.h"

namespace apigw::server {
std::string ProxyExchange::stale_key() const {
  const http::RequestHead& head = session_.scratch().head;
  std::string key(route_.config->name);
  key.append("\n").append(head.host).append("\n").append(head.target);
  return key;
}

awaitable<bool> ProxyExchange::fail(UpstreamOutcome outcome) {
  const config::FallbackConfig& fallback = route_.config->fallback;
  if (!fallback.enabled || is_fallback_ || !proxy::describe(outcome).upstream_failed ||
      session_.aborted()) {
    co_return co_await reply_for(outcome);
  }
  const http::RequestHead& head = session_.scratch().head;

  const bool cacheable = head.method == http::Method::get || head.method == http::Method::head;
  if (fallback.stale_if_error.count() > 0 && cacheable) {
    const StaleCache::Entry* entry = session_.worker().stale_cache().find(stale_key());
    const auto age = entry ? Clock::now() - entry->stored : Clock::duration::max();
    if (entry != nullptr && age <= fallback.stale_if_error) {
      serving_
          .count(observe::Family::fallbacks, session_.route_index(), observe::FallbackKind::stale)
          .add();
      const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(age).count();
      pipeline::LocalReply reply;
      reply.status = 200;
      reply.content_type = entry->content_type;
      reply.body = entry->body;
      reply.headers.push_back({"Age", std::to_string(seconds)});
      co_return co_await send_fallback_response(std::move(reply), "stale");
    }
  }
  if (route_.fallback_cluster_index && body_complete_in_buffer_ && !request_body_sent_) {
    serving_
        .count(observe::Family::fallbacks, session_.route_index(), observe::FallbackKind::upstream)
        .add();
    connection_.reset();
    response_.clear();
    context_.response_headers.set.push_back({"X-Apigw-Fallback", "upstream"});
    // The arm's filters and timeout; the fallback upstream.
    snapshot::RouteArm arm = arm_;
    arm.cluster_index = *route_.fallback_cluster_index;
    ProxyExchange other(session_, serving_, route_, arm, /*is_fallback=*/true);
    other.buffered_body_ = buffered_body_;
    other.body_complete_in_buffer_ = true;
    other.head_start_ = head_start_;
    other.attempt_timeout_ = attempt_timeout_;
    co_return co_await other.proxy();
  }
  if (fallback.status != 0) {
    serving_
        .count(observe::Family::fallbacks, session_.route_index(),
               observe::FallbackKind::static_response)
        .add();
    pipeline::LocalReply reply;
    reply.status = fallback.status;
    reply.body = fallback.body;
    for (const auto& [name, value] : fallback.headers) reply.headers.push_back({name, value});
    co_return co_await send_fallback_response(std::move(reply), "static");
  }
  co_return co_await reply_for(outcome);
}

awaitable<bool> ProxyExchange::send_fallback_response(pipeline::LocalReply reply,
                                                      std::string_view kind) {
  // The gateway answers, not the target that failed: its live statistics keep the failure only.
  context_.target_live = nullptr;
  const http::RequestHead& head = session_.scratch().head;
  session_.input().consume(buffered_body_);
  buffered_body_ = 0;
  connection_.reset();
  const bool keep_alive = head.keep_alive && (body_complete_in_buffer_ || request_body_sent_);
  reply.headers.push_back({"X-Apigw-Fallback", std::string(kind)});
  co_return co_await session_.answer(std::move(reply), keep_alive);
}

}  // namespace apigw::server
