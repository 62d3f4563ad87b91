// What clients see when upstreams fail: 502 for a dead target, 504 for a slow one, 503 when no
// target has an address. All in the unified error format.
#include <gtest/gtest.h>

#include "support/gateway.h"

namespace apigw::test {
namespace {

std::string config_for(const std::string& target, const std::string& extra_route = "") {
  return fill(R"(
[server]
listen = ["127.0.0.1:{port}"]
workers = 1
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "backend"
targets = [{ address = "{target}" }]
connect_timeout = "300ms"
request_timeout = "400ms"
[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "backend"
{extra}
)",
              {{"target", target}, {"extra", extra_route}});
}

TEST(UpstreamErrors, DeadUpstreamIs502) {
  Gateway gateway(config_for(dead_address()));
  const auto result = http_get(gateway.port(), "/");
  EXPECT_EQ(result.status, 502);
  EXPECT_NE(result.body.find("\"code\":\"upstream_connect_failed\""), std::string::npos);
  EXPECT_NE(gateway.metrics().find("apigw_upstream_connect_errors_total{upstream=\"backend\"} 1"),
            std::string::npos);
}

TEST(UpstreamErrors, SlowUpstreamIs504AndConnectionStaysUsable) {
  EchoBackend backend;
  Gateway gateway(config_for(backend.address()));
  RawConnection client(gateway.port());
  client.send("GET /delay/2000 HTTP/1.1\r\nHost: h\r\n\r\n");
  const auto slow = client.read_response();
  EXPECT_EQ(slow.status, 504);
  EXPECT_NE(slow.body.find("\"code\":\"upstream_timeout\""), std::string::npos);
  client.send("GET /fast HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(client.read_response().status, 200) << "the client connection survives a 504";
}

TEST(UpstreamErrors, RouteTimeoutOverridesUpstream) {
  EchoBackend backend;
  Gateway gateway(fill(R"(
[server]
listen = ["127.0.0.1:{port}"]
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "backend"
targets = [{ address = "{target}" }]
request_timeout = "100ms"
[[routes]]
name = "patient"
match = { path_prefix = "/delay" }
upstream = "backend"
timeout = "3s"
)",
                       {{"target", backend.address()}}));
  EXPECT_EQ(http_get(gateway.port(), "/delay/500").status, 200);
}

TEST(UpstreamErrors, UnresolvableTargetIs503) {
  Gateway gateway(config_for("no-such-host.invalid:80"));
  const auto result = http_get(gateway.port(), "/");
  EXPECT_EQ(result.status, 503);
  EXPECT_NE(result.body.find("\"code\":\"no_healthy_upstream\""), std::string::npos);
}

TEST(UpstreamErrors, StalePooledConnectionIsRetriedTransparently) {
  auto backend = std::make_unique<EchoBackend>("first");
  const std::string address = backend->address();
  Gateway gateway(config_for(address));
  ASSERT_EQ(http_get(gateway.port(), "/warm").status, 200);  // leaves a pooled connection
  backend.reset();  // the upstream restarts: the pooled connection is now dead
  // A new backend on the same port.
  Process replacement({APIGW_BINARY, "echo-server", "--listen", address, "--name", "second"},
                      "/dev/null");
  ASSERT_TRUE(wait_for_port(std::stoi(address.substr(address.find(':') + 1))));
  const auto result = http_get(gateway.port(), "/again");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.headers["x-echo-server"], "second");
}

TEST(UpstreamErrors, ResponseUntilCloseIsRelayed) {
  EchoBackend backend;
  Gateway gateway(config_for(backend.address()));
  const auto result = http_get(gateway.port(), "/close");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, "body until close\n");
}

}  // namespace
}  // namespace apigw::test
