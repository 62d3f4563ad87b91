// CORS: preflights answered by the gateway, and the CORS headers on every answer to an allowed
// origin — the upstream's and the gateway's own (401 from another filter, 404 with no route).
#include <gtest/gtest.h>

#include "support/gateway.h"

namespace apigw::test {
namespace {

std::string cors_config(const std::string& backend) {
  return R"(
[server]
listen = ["127.0.0.1:{port}"]
workers = 1

[admin]
listen = "127.0.0.1:{admin_port}"

[[upstreams]]
name = "api"
targets = [{ address = ")" +
         backend + R"(" }]

[[routes]]
name = "api"
match = { path_prefix = "/api" }
upstream = "api"

[[routes]]
name = "private"
match = { path_prefix = "/private" }
upstream = "api"
filters = [{ name = "key_auth" }]

[[plugins]]
name = "cors"
filter = "cors"
[plugins.config]
allow_origins = ["https://app.example.com", "*.partner.example"]
allow_methods = ["GET", "POST"]
allow_headers = ["content-type", "x-api-key"]
expose_headers = ["x-request-id"]
allow_credentials = true
max_age = "10m"
)";
}

TEST(Cors, PreflightIsAnsweredByTheGatewayAndNeverForwarded) {
  EchoBackend backend("b1");
  Gateway gateway(cors_config(backend.address()));
  const auto preflight =
      curl({"-X", "OPTIONS", gateway.url("/api/orders"), "-H", "Origin: https://app.example.com",
            "-H", "Access-Control-Request-Method: POST", "-H",
            "Access-Control-Request-Headers: Content-Type"});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.headers["access-control-allow-origin"], "https://app.example.com");
  EXPECT_EQ(preflight.headers["access-control-allow-methods"], "GET, POST");
  EXPECT_EQ(preflight.headers["access-control-allow-headers"], "content-type, x-api-key");
  EXPECT_EQ(preflight.headers["access-control-allow-credentials"], "true");
  EXPECT_EQ(preflight.headers["access-control-max-age"], "600");
  EXPECT_TRUE(backend.received().empty()) << "preflights stay at the gateway";

  const auto refused =
      curl({"-X", "OPTIONS", gateway.url("/api/orders"), "-H", "Origin: https://evil.example", "-H",
            "Access-Control-Request-Method: POST"});
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.headers["access-control-allow-origin"], "");
  const auto bad_method =
      curl({"-X", "OPTIONS", gateway.url("/api/orders"), "-H", "Origin: https://app.example.com",
            "-H", "Access-Control-Request-Method: DELETE"});
  EXPECT_EQ(bad_method.status, 403);
}

TEST(Cors, EveryAnswerToAnAllowedOriginCarriesTheHeaders) {
  EchoBackend backend("b1");
  Gateway gateway(cors_config(backend.address()));
  const auto proxied =
      http_get(gateway.port(), "/api/orders", {"-H", "Origin: https://shop.partner.example"});
  EXPECT_EQ(proxied.status, 200);
  EXPECT_EQ(proxied.headers["access-control-allow-origin"], "https://shop.partner.example");
  EXPECT_EQ(proxied.headers["access-control-expose-headers"], "x-request-id");
  EXPECT_EQ(proxied.headers["vary"], "Origin");

  const auto unauthorized =
      http_get(gateway.port(), "/private/x", {"-H", "Origin: https://app.example.com"});
  EXPECT_EQ(unauthorized.status, 401) << "key_auth refused it";
  EXPECT_EQ(unauthorized.headers["access-control-allow-origin"], "https://app.example.com");

  const auto not_found =
      http_get(gateway.port(), "/nowhere", {"-H", "Origin: https://app.example.com"});
  EXPECT_EQ(not_found.status, 404);
  EXPECT_EQ(not_found.headers["access-control-allow-origin"], "https://app.example.com")
      << "global filters answer for requests without a route";
  EXPECT_TRUE(not_found.headers["date"].ends_with(" GMT"));

  const auto other =
      http_get(gateway.port(), "/api/orders", {"-H", "Origin: https://evil.example"});
  EXPECT_EQ(other.status, 200) << "not a CORS matter for the server: the browser blocks it";
  EXPECT_EQ(other.headers["access-control-allow-origin"], "");
}

}  // namespace
}  // namespace apigw::test
