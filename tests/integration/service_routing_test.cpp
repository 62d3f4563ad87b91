// Service routing: one route whose upstream is named by the request path, as in
// `/api/v1/{service}/{*path}` — only upstreams its `services` allow (by name or tag) are reached;
// any other name, even an upstream that exists, is a 404 that reaches no backend.
#include <gtest/gtest.h>

#include "support/gateway.h"
#include "support/http_client.h"

namespace apigw::test {
namespace {

std::string service_config(const EchoBackend& users, const EchoBackend& orders,
                           const EchoBackend& internal) {
  return R"(
[server]
workers = 1
[[server.listeners]]
address = "127.0.0.1:{port}"
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "users"
tags = ["public"]
targets = [{ address = ")" +
         users.address() + R"(" }]
[[upstreams]]
name = "orders"
targets = [{ address = ")" +
         orders.address() + R"(" }]
[[upstreams]]
name = "internal"
targets = [{ address = ")" +
         internal.address() + R"(" }]
[[routes]]
name = "api"
match = { path_template = "/api/v1/{service}/{*path}" }
upstream = "{service}"
services = { allow = ["orders"], tag = "public" }
rewrite = { template = "/{path}" }
)";
}

TEST(ServiceRouting, ThePathNamesTheUpstreamAmongThoseAllowed) {
  EchoBackend users("users"), orders("orders"), internal("internal");
  Gateway gateway(service_config(users, orders, internal));

  const CurlResult by_tag = http_get(gateway.port(), "/api/v1/users/42?x=1");
  EXPECT_EQ(by_tag.status, 200) << by_tag.body;
  EXPECT_NE(by_tag.body.find("\"server\":\"users\""), std::string::npos) << by_tag.body;
  EXPECT_EQ(users.received(), std::vector<std::string>{"GET /42?x=1"});

  const CurlResult by_name = http_get(gateway.port(), "/api/v1/orders/7/items");
  EXPECT_EQ(by_name.status, 200) << by_name.body;
  EXPECT_EQ(orders.received(), std::vector<std::string>{"GET /7/items"});

  for (const char* path : {"/api/v1/internal/secrets", "/api/v1/nothing/x"}) {
    const CurlResult refused = http_get(gateway.port(), path);
    EXPECT_EQ(refused.status, 404) << path;
    EXPECT_NE(refused.body.find("\"code\":\"service_not_found\""), std::string::npos)
        << refused.body;
  }
  EXPECT_TRUE(internal.received().empty()) << "an upstream the route does not allow";
  EXPECT_EQ(http_get(gateway.port(), "/api/v1/users").status, 404) << "no rest: no match";
}

}  // namespace
}  // namespace apigw::test
