// Routes answered by the gateway itself: the static and redirect handlers, with the same filters,
// metrics and access log as a proxied route.
#include <gtest/gtest.h>

#include "support/gateway.h"

namespace apigw::test {
namespace {

std::string handler_config() {
  return R"(
[server]
listen = ["127.0.0.1:{port}"]
workers = 1

[admin]
listen = "127.0.0.1:{admin_port}"

[[routes]]
name = "maintenance"
match = { path_prefix = "/shop" }
handler = { name = "static", status = 503, content_type = "text/html; charset=utf-8", body = "<h1>Back soon</h1>", headers = { "retry-after" = "120" } }
filters = [{ name = "headers", response_set = { "x-served-by" = "apigw" } }]

[[routes]]
name = "moved"
match = { path_template = "/users/{id}" }
handler = { name = "redirect", status = 308, location = "https://new.example.com/people/{id}" }

[[routes]]
name = "search"
match = { path_prefix = "/search" }
handler = { name = "redirect", status = 301, location = "https://find.example.com/?{query}&from=gw" }

[[routes]]
name = "old-docs"
match = { path_prefix = "/docs" }
handler = { name = "redirect", location = "https://{host}/v2{path}" }
)";
}

TEST(Handlers, StaticHandlerAnswersWithItsResponseAndTheRoutesFilters) {
  Gateway gateway(handler_config());
  const auto page = http_get(gateway.port(), "/shop/cart");
  EXPECT_EQ(page.status, 503);
  EXPECT_EQ(page.body, "<h1>Back soon</h1>");
  EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(page.headers["retry-after"], "120");
  EXPECT_EQ(page.headers["x-served-by"], "apigw") << "the route's response phase ran";
  EXPECT_TRUE(page.headers["date"].ends_with(" GMT")) << page.headers["date"];
  EXPECT_EQ(page.headers["x-request-id"].size(), 32u);

  const std::string head =
      raw_exchange(gateway.port(), "HEAD /shop HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(head.starts_with("HTTP/1.1 503 ")) << head;
  EXPECT_NE(head.find("Content-Length: 18\r\n"), std::string::npos) << "the GET body's length";
  EXPECT_TRUE(head.ends_with("\r\n\r\n")) << "no body: " << head;
  EXPECT_TRUE(gateway.wait_for_metric(
      R"(apigw_requests_total{route="maintenance",method="GET",status_class="5xx"} 1)"))
      << gateway.metrics();
}

TEST(Handlers, RedirectBuildsTheLocationFromTheRequest) {
  Gateway gateway(handler_config());
  const auto moved = http_get(gateway.port(), "/users/42?tab=posts");
  EXPECT_EQ(moved.status, 308);
  EXPECT_EQ(moved.headers["location"], "https://new.example.com/people/42?tab=posts");
  const auto docs = http_get(gateway.port(), "/docs/a/../guide", {"-H", "Host: docs.example.com"});
  EXPECT_EQ(docs.status, 302);
  EXPECT_EQ(docs.headers["location"], "https://docs.example.com/v2/docs/guide")
      << "the normalized path";
  const auto search = http_get(gateway.port(), "/search?q=apigw");
  EXPECT_EQ(search.status, 301);
  EXPECT_EQ(search.headers["location"], "https://find.example.com/?q=apigw&from=gw")
      << "{query} placed by the template, not appended again";
  EXPECT_TRUE(gateway.wait_for_metric(
      R"(apigw_requests_total{route="moved",method="GET",status_class="3xx"} 1)"));
}

TEST(Handlers, ConfigNeedsExactlyOneOfUpstreamAndHandlerAndValidHandlerSettings) {
  TempDir dir;
  const std::string path = dir.write("bad.toml", R"([[upstreams]]
name = "b"
targets = [{ address = "127.0.0.1:9" }]

[[routes]]
name = "both"
upstream = "b"
handler = { name = "static" }

[[routes]]
name = "bad-redirect"
handler = { name = "redirect", status = 200, location = "/x", keep_qeury = false }
)");
  Process check({APIGW_BINARY, "check", "-c", path}, dir.path() + "/stderr");
  EXPECT_EQ(check.wait(std::chrono::seconds(10)), 1);
  const std::string errors = check.log();
  EXPECT_NE(errors.find("route 'both' needs exactly one of 'upstream'"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find(path + ":12:"), std::string::npos) << errors;
  EXPECT_NE(errors.find("redirect 'status' must be 301, 302, 303, 307 or 308"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("did you mean 'keep_query'"), std::string::npos) << errors;
}

}  // namespace
}  // namespace apigw::test
