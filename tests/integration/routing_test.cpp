// Routing as users configure it: hosts, methods, path kinds, header predicates, rewrites, and path
// normalization that keeps "/api/../admin" from dodging the admin route.
#include <gtest/gtest.h>

#include "support/gateway.h"

namespace apigw::test {
namespace {

const std::string kRoutingConfig = R"(
[server]
listen = ["127.0.0.1:{port}"]
workers = 2
[admin]
listen = "127.0.0.1:{admin_port}"

[[upstreams]]
name = "public"
targets = [{ address = "{public}" }]

[[upstreams]]
name = "private"
targets = [{ address = "{private}" }]
host_header = "internal.example"

[[routes]]
name = "admin-blocked"
match = { path_prefix = "/admin" }
upstream = "private"

[[routes]]
name = "users"
match = { path_template = "/users/{id}", methods = ["GET"] }
upstream = "private"
rewrite = { template = "/v2/accounts/{id}" }

[[routes]]
name = "api"
match = { path_prefix = "/api" }
upstream = "private"
rewrite = { strip_prefix = "/api" }

[[routes]]
name = "legacy"
match = { path_prefix = "/old" }
upstream = "private"
rewrite = { replace_prefix = "/new" }

[[routes]]
name = "canary"
match = { path_prefix = "/", headers = [{ name = "x-canary", exact = "1" }] }
upstream = "private"

[[routes]]
name = "tenant"
match = { hosts = ["*.tenants.example"], path_prefix = "/" }
upstream = "private"

[[routes]]
name = "catch-all"
match = { path_prefix = "/" }
upstream = "public"
)";

class Routing : public ::testing::Test {
 protected:
  EchoBackend public_backend{"public"};
  EchoBackend private_backend{"private"};
  Gateway gateway{fill(kRoutingConfig, {{"public", public_backend.address()},
                                        {"private", private_backend.address()}})};

  // Sends a raw request line and returns the echo server that answered and the path it saw.
  std::pair<std::string, std::string> route_of(const std::string& target,
                                               const std::string& extra_headers = "") {
    const auto response = parse_response(
        raw_exchange(gateway.port(), "GET " + target + " HTTP/1.1\r\nHost: www.example\r\n" +
                                         extra_headers + "Connection: close\r\n\r\n"));
    const std::string& body = response.body;
    const auto start = body.find("\"path\":\"");
    std::string path;
    if (start != std::string::npos) {
      path = body.substr(start + 8, body.find('"', start + 8) - start - 8);
    }
    return {response.headers["x-echo-server"], path};
  }
};

TEST_F(Routing, TemplateRouteRewritesWithCapturedParam) {
  EXPECT_EQ(route_of("/users/42"),
            std::make_pair(std::string("private"), std::string("/v2/accounts/42")));
  // POST is not in the methods list: falls through to the catch-all.
  const auto post = curl({"-X", "POST", "-d", "x", gateway.url("/users/42")});
  EXPECT_EQ(post.headers["x-echo-server"], "public");
}

TEST_F(Routing, StripAndReplacePrefix) {
  EXPECT_EQ(route_of("/api/orders?limit=5").second, "/orders?limit=5");
  EXPECT_EQ(route_of("/api").second, "/");
  EXPECT_EQ(route_of("/old/page").second, "/new/page");
  EXPECT_EQ(route_of("/apix").first, "public") << "prefixes match whole segments";
}

TEST_F(Routing, NormalizationCannotDodgeARoute) {
  for (const char* sneaky :
       {"/public/../admin/x", "/%61dmin/x", "//admin//x", "/./admin/x", "/static/%2e%2e/admin/x"}) {
    const auto [server, path] = route_of(sneaky);
    EXPECT_EQ(server, "private") << sneaky;
    EXPECT_EQ(path, "/admin/x") << sneaky << ": the backend sees the normalized path";
  }
}

TEST_F(Routing, HeaderPredicateAndWildcardHost) {
  EXPECT_EQ(route_of("/anything", "X-Canary: 1\r\n").first, "private");
  EXPECT_EQ(route_of("/anything", "X-Canary: 0\r\n").first, "public");
  const auto tenant = http_get(gateway.port(), "/", {"-H", "Host: acme.tenants.example"});
  EXPECT_EQ(tenant.headers["x-echo-server"], "private");
  const auto bare = http_get(gateway.port(), "/", {"-H", "Host: tenants.example"});
  EXPECT_EQ(bare.headers["x-echo-server"], "public");
}

TEST_F(Routing, FixedHostHeaderPerUpstream) {
  const auto result = http_get(gateway.port(), "/api/x", {"-H", "Host: outside.example"});
  EXPECT_NE(result.body.find("\"host\":\"internal.example\""), std::string::npos) << result.body;
  EXPECT_NE(result.body.find("\"x-forwarded-host\":\"outside.example\""), std::string::npos);
}

TEST_F(Routing, MalformedPathIs400) {
  const auto response =
      parse_response(raw_exchange(gateway.port(), "GET /a%zz HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("\"code\":\"invalid_path\""), std::string::npos);
}

}  // namespace
}  // namespace apigw::test
