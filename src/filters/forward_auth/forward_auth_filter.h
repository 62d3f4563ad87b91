// The "forward_auth" filter (NGINX auth_request, Envoy ext_authz, Traefik ForwardAuth): before a
// request goes upstream, the gateway asks an auth service. A 2xx lets the request through (with
// `copy_headers` of the auth answer set on the upstream request); any other answer goes back to
// the client as it is (a 401 with its WWW-Authenticate, a 302 to a login page); an auth service
// that cannot be reached or does not answer in `timeout` gives 503 auth_unavailable and the
// request is never forwarded.
//
// The auth service gets `GET url` with X-Forwarded-Method, X-Forwarded-Uri, X-Forwarded-Host,
// X-Forwarded-Proto, X-Forwarded-For (the client) and X-Request-Id, plus `send_headers` copied
// from the client's request. With `cache_ttl`, a 2xx is remembered per worker for that long,
// keyed by the values of `send_headers` (so one user's answer is never reused for another).
//   filters = [{ name = "forward_auth", url = "https://auth.internal/check", timeout = "500ms",
//                send_headers = ["authorization", "cookie"], copy_headers = ["x-user-id"],
//                cache_ttl = "10s", tls = { ca_file = "/etc/apigw/internal-ca.pem" } }]
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/loader.h"
#include "config/reader.h"
#include "pipeline/async.h"
#include "store/http/message.h"

namespace apigw::filters::forward_auth {

struct ForwardAuthConfig {
  std::string url;
  config::Duration timeout{5'000};
  std::vector<std::string> send_headers{"authorization", "cookie"};  // lower-case
  std::vector<std::string> copy_headers;                             // lower-case
  config::Duration cache_ttl{0};                                     // 0: no cache
  std::uint64_t max_body_bytes = 64 * 1024;  // of a refusal relayed to the client
  store::http::TlsOptions tls;
};

class ForwardAuthFilter final : public pipeline::AsyncFilter {
 public:
  ForwardAuthFilter(ForwardAuthConfig config, std::size_t workers);
  pipeline::Verdict on_request(pipeline::RequestContext& ctx) const override;
  pipeline::Awaitable<pipeline::Verdict> resume_request(
      pipeline::RequestContext& ctx) const override;
  std::string_view name() const override { return "forward_auth"; }

 private:
  struct Allowed {
    std::chrono::steady_clock::time_point expires;
    std::vector<pipeline::HeaderSet> headers;  // copy_headers of the auth answer
  };
  using Cache = std::unordered_map<std::string, Allowed>;

  std::string cache_key(const pipeline::RequestContext& ctx) const;
  Cache* cache_of(const pipeline::RequestContext& ctx) const;
  store::http::HttpRequest auth_request(const pipeline::RequestContext& ctx) const;

  ForwardAuthConfig config_;
  // One cache per worker, each touched only by its worker's thread (no lock).
  mutable std::vector<Cache> caches_;
};

std::optional<ForwardAuthConfig> parse_config(config::TableReader& reader);
std::unique_ptr<const pipeline::Filter> make_filter(const ForwardAuthConfig& settings,
                                                    const config::Config& config);

}  // namespace apigw::filters::forward_auth
