// The "cors" filter (Cross-Origin Resource Sharing, fetch.spec.whatwg.org): answers preflight
// requests itself (204, never forwarded) and puts the CORS headers on every answer to an allowed
// origin — the upstream's, and the gateway's own 401/404/429/5xx alike (so a browser can read
// the error instead of reporting a CORS failure).
//   filters = [{ name = "cors", allow_origins = ["https://app.example.com", "*.example.com"],
//                allow_methods = ["GET", "POST"], allow_headers = ["content-type"],
//                expose_headers = ["x-request-id"], allow_credentials = true, max_age = "10m" }]
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/loader.h"
#include "config/reader.h"
#include "pipeline/filter.h"

namespace apigw::filters::cors {

struct CorsConfig {
  // Exact origins ("https://app.example.com"), host wildcards ("*.example.com", any scheme, or
  // "https://*.example.com"), or "*" for any origin.
  std::vector<std::string> allow_origins;
  std::vector<std::string> allow_methods{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
  std::vector<std::string> allow_headers;  // empty: whatever the preflight asks for
  std::vector<std::string> expose_headers;
  bool allow_credentials = false;
  config::Duration max_age{0};  // 0: no Access-Control-Max-Age
};

// Whether `origin` ("https://a.example.com:8443") matches one pattern of allow_origins.
bool origin_matches(std::string_view pattern, std::string_view origin);

class CorsFilter final : public pipeline::Filter {
 public:
  explicit CorsFilter(CorsConfig config);
  pipeline::Verdict on_request(pipeline::RequestContext& ctx) const override;
  void on_response(pipeline::RequestContext& ctx) const override;

 private:
  bool allowed(std::string_view origin) const;
  bool method_allowed(std::string_view method) const;
  bool headers_allowed(std::string_view requested) const;
  // The Access-Control-Allow-Origin value for an allowed origin: "*" or the origin itself.
  std::string_view allow_origin_value(std::string_view origin) const;

  CorsConfig config_;
  bool any_origin_ = false;
  std::string methods_;  // joined for Access-Control-Allow-Methods
  std::string headers_;  // joined for Access-Control-Allow-Headers
  std::string expose_;   // joined for Access-Control-Expose-Headers
  std::string max_age_seconds_;
};

std::optional<CorsConfig> parse_config(config::TableReader& reader);
std::unique_ptr<const pipeline::Filter> make_filter(const CorsConfig& settings,
                                                    const config::Config& config);

}  // namespace apigw::filters::cors
