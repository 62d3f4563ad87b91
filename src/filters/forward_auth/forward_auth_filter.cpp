#include "filters/forward_auth/forward_auth_filter.h"

#include <toml++/toml.h>

#include <thread>

#include "config/reader.h"
#include "config/worker_count.h"
#include "pipeline/worker_services.h"
#include "store/http/http_client.h"
#include "store/http/url.h"

namespace apigw::filters::forward_auth {
namespace {

constexpr std::size_t kMaxCacheEntries = 10'000;  // per worker; full: expired ones go first

bool is_relayed_header(std::string_view name) {
  // Framing and connection headers belong to the hop from the auth service, not to our answer.
  for (std::string_view hop : {"connection", "content-length", "transfer-encoding", "keep-alive",
                               "te", "trailer", "upgrade", "content-type", "date", "x-request-id",
                               "proxy-authenticate", "proxy-connection"}) {
    if (http::iequals(name, hop)) return false;
  }
  return true;
}

}  // namespace

ForwardAuthFilter::ForwardAuthFilter(ForwardAuthConfig config, std::size_t workers)
    : config_(std::move(config)), caches_(config_.cache_ttl.count() > 0 ? workers : 0) {}

std::string ForwardAuthFilter::cache_key(const pipeline::RequestContext& ctx) const {
  std::string key;
  for (const auto& name : config_.send_headers) {
    key.append(http::find_header(ctx.request().headers, name)).push_back('\n');
  }
  return key;
}

ForwardAuthFilter::Cache* ForwardAuthFilter::cache_of(const pipeline::RequestContext& ctx) const {
  return ctx.worker_index < caches_.size() ? &caches_[ctx.worker_index] : nullptr;
}

pipeline::Verdict ForwardAuthFilter::on_request(pipeline::RequestContext& ctx) const {
  if (Cache* cache = cache_of(ctx)) {
    const auto found = cache->find(cache_key(ctx));
    if (found != cache->end() && found->second.expires > std::chrono::steady_clock::now()) {
      for (const auto& header : found->second.headers) {
        ctx.upstream_request_headers.set.push_back(header);
      }
      return pipeline::Verdict::next;
    }
  }
  if (ctx.services == nullptr) {
    ctx.local_reply = pipeline::LocalReply::error(503, "auth_unavailable",
                                                  "the authorization service is not available");
    return pipeline::Verdict::stop;
  }
  return pipeline::Verdict::suspend;
}

store::http::HttpRequest ForwardAuthFilter::auth_request(
    const pipeline::RequestContext& ctx) const {
  const http::RequestHead& head = ctx.request();
  store::http::HttpRequest request;
  request.method = "GET";
  request.url = config_.url;
  request.timeout = config_.timeout;
  request.max_body_bytes = config_.max_body_bytes;
  request.tls = config_.tls;
  auto& headers = request.headers;
  headers.emplace_back("X-Forwarded-Method", std::string(head.method_text));
  headers.emplace_back("X-Forwarded-Uri", std::string(head.target));
  if (!head.host.empty()) headers.emplace_back("X-Forwarded-Host", std::string(head.host));
  headers.emplace_back("X-Forwarded-Proto", ctx.tls != nullptr ? "https" : "http");
  headers.emplace_back("X-Forwarded-For", std::string(ctx.client_address));
  headers.emplace_back("X-Request-Id", std::string(ctx.request_id));
  // Tracing on: the auth service's spans become children of this call's span.
  if (ctx.trace.active && ctx.traceparent_set) {
    headers.emplace_back("traceparent", std::string(ctx.traceparent_text()));
  }
  for (const auto& name : config_.send_headers) {
    if (ctx.trace.active && http::iequals(name, "traceparent")) continue;
    for (const auto& header : head.headers) {
      if (http::iequals(header.name, name)) {
        headers.emplace_back(std::string(header.name), std::string(header.value));
      }
    }
  }
  return request;
}

pipeline::Awaitable<pipeline::Verdict> ForwardAuthFilter::resume_request(
    pipeline::RequestContext& ctx) const {
  store::http::HttpResult result =
      co_await ctx.services->http_client().request(auth_request(ctx), &ctx.cancellation);
  if (!result) {
    ctx.local_reply = pipeline::LocalReply::error(
        503, "auth_unavailable",
        "the authorization service did not answer (" +
            std::string(store::http::to_string(result.error().kind)) + ")");
    co_return pipeline::Verdict::stop;
  }
  const store::http::HttpResponse& answer = *result;
  if (answer.status >= 200 && answer.status < 300) {
    Allowed allowed;
    for (const auto& name : config_.copy_headers) {
      const std::string_view value = answer.header(name);
      if (!value.empty()) allowed.headers.push_back({name, std::string(value)});
    }
    for (const auto& header : allowed.headers) ctx.upstream_request_headers.set.push_back(header);
    if (Cache* cache = cache_of(ctx)) {
      const auto now = std::chrono::steady_clock::now();
      if (cache->size() >= kMaxCacheEntries) {
        std::erase_if(*cache, [&](const auto& entry) { return entry.second.expires <= now; });
        if (cache->size() >= kMaxCacheEntries) cache->clear();
      }
      allowed.expires = now + config_.cache_ttl;
      (*cache)[cache_key(ctx)] = std::move(allowed);
    }
    co_return pipeline::Verdict::next;
  }
  // Refused: the auth service's answer is the client's.
  pipeline::LocalReply reply;
  reply.status = answer.status;
  reply.body = answer.body;
  reply.content_type = std::string(answer.header("content-type"));
  for (const auto& [name, value] : answer.headers) {
    if (is_relayed_header(name)) reply.headers.push_back({name, value});
  }
  ctx.local_reply = std::move(reply);
  co_return pipeline::Verdict::stop;
}

std::optional<ForwardAuthConfig> parse_config(config::TableReader& reader) {
  reader.known_keys(
      {"url", "timeout", "send_headers", "copy_headers", "cache_ttl", "max_body_bytes", "tls"});
  ForwardAuthConfig parsed;
  if (!reader.read_string("url", parsed.url)) {
    if (reader.ok()) reader.error("url", "the forward_auth filter needs 'url'");
  } else if (const auto url = store::http::parse_url(parsed.url); !url) {
    reader.error("url", "invalid 'url' '" + parsed.url + "': " + url.error().message);
  }
  if (reader.read_duration("timeout", parsed.timeout) && parsed.timeout.count() <= 0) {
    reader.error("timeout", "'timeout' of the forward_auth filter must be positive");
  }
  for (const char* key : {"send_headers", "copy_headers"}) {
    auto& list =
        std::string_view(key) == "send_headers" ? parsed.send_headers : parsed.copy_headers;
    reader.read_strings(key, list);
    for (auto& name : list) {
      if (!http::is_token(name)) reader.error(key, "invalid header name '" + name + "'");
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  reader.read_duration("cache_ttl", parsed.cache_ttl);
  reader.read_size("max_body_bytes", parsed.max_body_bytes);
  if (const toml::node* tls = reader.find("tls")) {
    if (const auto* table = tls->as_table()) {
      config::TableReader tls_reader(*table, reader.path_of("tls"), {"ca_file", "verify"},
                                     reader.context());
      tls_reader.read_string("ca_file", parsed.tls.ca_file);
      tls_reader.read_bool("verify", parsed.tls.verify);
    } else {
      reader.error("tls", "'tls' of the forward_auth filter must be a table");
    }
  }
  if (!reader.ok()) return std::nullopt;
  return parsed;
}

std::unique_ptr<const pipeline::Filter> make_filter(const ForwardAuthConfig& settings,
                                                    const config::Config& config) {
  return std::make_unique<ForwardAuthFilter>(settings, config::worker_count(config.server));
}

}  // namespace apigw::filters::forward_auth
