#include "filters/cors/cors_filter.h"

#include <algorithm>

#include "config/reader.h"
#include "http/field.h"

namespace apigw::filters::cors {
namespace {

std::string join(const std::vector<std::string>& values) {
  std::string joined;
  for (const auto& value : values) joined += (joined.empty() ? "" : ", ") + value;
  return joined;
}

bool is_preflight(const http::RequestHead& head) {
  return head.method == http::Method::options &&
         !http::find_header(head.headers, "access-control-request-method").empty();
}

}  // namespace

bool origin_matches(std::string_view pattern, std::string_view origin) {
  if (pattern == "*") return true;
  if (http::iequals(pattern, origin)) return true;
  const std::size_t star = pattern.find("*.");
  if (star == std::string_view::npos) return false;
  const std::size_t scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos) return false;
  if (star > 0) {  // "https://*.example.com": the scheme must match too
    if (!http::iequals(pattern.substr(0, star), origin.substr(0, scheme_end + 3))) return false;
  }
  std::string_view host = origin.substr(scheme_end + 3);
  if (const std::size_t colon = host.rfind(':');
      colon != std::string_view::npos && host.find(']') == std::string_view::npos) {
    host = host.substr(0, colon);
  }
  const std::string_view suffix = pattern.substr(star + 1);  // ".example.com"
  return host.size() > suffix.size() &&
         http::iequals(host.substr(host.size() - suffix.size()), suffix);
}

CorsFilter::CorsFilter(CorsConfig config) : config_(std::move(config)) {
  any_origin_ = std::find(config_.allow_origins.begin(), config_.allow_origins.end(), "*") !=
                config_.allow_origins.end();
  methods_ = join(config_.allow_methods);
  headers_ = join(config_.allow_headers);
  expose_ = join(config_.expose_headers);
  if (config_.max_age.count() > 0) {
    max_age_seconds_ =
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(config_.max_age).count());
  }
}

bool CorsFilter::allowed(std::string_view origin) const {
  if (origin.empty()) return false;
  return std::any_of(config_.allow_origins.begin(), config_.allow_origins.end(),
                     [&](const std::string& pattern) { return origin_matches(pattern, origin); });
}

bool CorsFilter::method_allowed(std::string_view method) const {
  return std::any_of(config_.allow_methods.begin(), config_.allow_methods.end(),
                     [&](const std::string& allowed) { return allowed == method; });
}

bool CorsFilter::headers_allowed(std::string_view requested) const {
  if (config_.allow_headers.empty()) return true;
  return !http::for_each_list_element(requested, [&](std::string_view name) {
    if (name.empty()) return false;
    return std::none_of(config_.allow_headers.begin(), config_.allow_headers.end(),
                        [&](const std::string& allowed) { return http::iequals(allowed, name); });
  });
}

std::string_view CorsFilter::allow_origin_value(std::string_view origin) const {
  // "*" cannot be combined with credentials (the browser refuses it): name the origin then.
  return any_origin_ && !config_.allow_credentials ? std::string_view("*") : origin;
}

pipeline::Verdict CorsFilter::on_request(pipeline::RequestContext& ctx) const {
  const http::RequestHead& head = ctx.request();
  if (!is_preflight(head)) return pipeline::Verdict::next;
  const std::string_view origin = http::find_header(head.headers, "origin");
  const std::string_view method = http::find_header(head.headers, "access-control-request-method");
  const std::string_view requested =
      http::find_header(head.headers, "access-control-request-headers");
  if (!allowed(origin) || !method_allowed(method) || !headers_allowed(requested)) {
    ctx.local_reply = pipeline::LocalReply::error(403, "cors_forbidden",
                                                  "this cross-origin request is not allowed");
    return pipeline::Verdict::stop;
  }
  pipeline::LocalReply reply;
  reply.status = 204;
  reply.headers.push_back({"Access-Control-Allow-Origin", std::string(allow_origin_value(origin))});
  reply.headers.push_back({"Access-Control-Allow-Methods", methods_});
  reply.headers.push_back(
      {"Access-Control-Allow-Headers", headers_.empty() ? std::string(requested) : headers_});
  if (config_.allow_credentials)
    reply.headers.push_back({"Access-Control-Allow-Credentials", "true"});
  if (!max_age_seconds_.empty())
    reply.headers.push_back({"Access-Control-Max-Age", max_age_seconds_});
  reply.headers.push_back(
      {"Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"});
  ctx.local_reply = std::move(reply);
  return pipeline::Verdict::stop;
}

void CorsFilter::on_response(pipeline::RequestContext& ctx) const {
  const http::RequestHead& head = ctx.request();
  if (is_preflight(head) && ctx.upstream_response == nullptr) return;  // answered above
  // The answer depends on Origin whenever the allowed origins are a list.
  if (!any_origin_ || config_.allow_credentials)
    ctx.response_headers.add.push_back({"Vary", "Origin"});
  const std::string_view origin = http::find_header(head.headers, "origin");
  if (!allowed(origin)) return;
  ctx.response_headers.set.push_back(
      {"Access-Control-Allow-Origin", std::string(allow_origin_value(origin))});
  if (config_.allow_credentials) {
    ctx.response_headers.set.push_back({"Access-Control-Allow-Credentials", "true"});
  }
  if (!expose_.empty())
    ctx.response_headers.set.push_back({"Access-Control-Expose-Headers", expose_});
}

std::optional<CorsConfig> parse_config(config::TableReader& reader) {
  reader.known_keys({"allow_origins", "allow_methods", "allow_headers", "expose_headers",
                     "allow_credentials", "max_age"});
  CorsConfig parsed;
  if (!reader.read_strings("allow_origins", parsed.allow_origins) || parsed.allow_origins.empty()) {
    if (reader.ok()) reader.error("allow_origins", "the cors filter needs 'allow_origins'");
  }
  for (const auto& origin : parsed.allow_origins) {
    const bool wildcard = origin.find('*') != std::string::npos;
    if (origin != "*" && ((wildcard && origin.find("*.") == std::string::npos) ||
                          (wildcard && origin.find('*') != origin.rfind('*')) ||
                          (!wildcard && origin.find("://") == std::string::npos))) {
      reader.error("allow_origins", "invalid origin '" + origin +
                                        "' (use \"https://app.example.com\", \"*.example.com\" "
                                        "or \"*\")");
    }
  }
  reader.read_strings("allow_methods", parsed.allow_methods);
  for (auto& method : parsed.allow_methods) {
    if (!http::is_token(method)) reader.error("allow_methods", "invalid method '" + method + "'");
  }
  reader.read_strings("allow_headers", parsed.allow_headers);
  reader.read_strings("expose_headers", parsed.expose_headers);
  for (const char* key : {"allow_headers", "expose_headers"}) {
    const auto& names =
        std::string_view(key) == "allow_headers" ? parsed.allow_headers : parsed.expose_headers;
    for (const auto& name : names) {
      if (!http::is_token(name)) reader.error(key, "invalid header name '" + name + "'");
    }
  }
  reader.read_bool("allow_credentials", parsed.allow_credentials);
  reader.read_duration("max_age", parsed.max_age);
  if (!reader.ok()) return std::nullopt;
  return parsed;
}

std::unique_ptr<const pipeline::Filter> make_filter(const CorsConfig& settings,
                                                    const config::Config& /*config*/) {
  return std::make_unique<CorsFilter>(settings);
}

}  // namespace apigw::filters::cors
