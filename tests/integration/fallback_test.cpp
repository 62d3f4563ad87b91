// Fallbacks with real backends: a fixed response, a fallback upstream (request body included),
// and the last good response of a GET (stale_if_error); each marked and counted, and none of them
// used while the upstream answers.
#include <gtest/gtest.h>

#include "support/gateway.h"

namespace apigw::test {
namespace {

TEST(Fallback, FixedResponseWhenTheUpstreamFails) {
  Gateway gateway(pool_config(
      targets_toml({dead_address()}), "",
      R"(fallback = { status = 503, body = "{\"message\":\"back soon\"}", headers = { "content-type" = "application/json", "retry-after" = "30" } })"));
  const auto result = http_get(gateway.port(), "/anything");
  EXPECT_EQ(result.status, 503);
  EXPECT_EQ(result.body, "{\"message\":\"back soon\"}");
  EXPECT_EQ(result.headers["x-apigw-fallback"], "static");
  EXPECT_EQ(result.headers["retry-after"], "30");
  EXPECT_EQ(result.headers["content-type"], "application/json");
  EXPECT_TRUE(gateway.wait_for_metric(R"(apigw_fallbacks_total{route="all",kind="static"} 1)"))
      << gateway.metrics();
}

TEST(Fallback, FallbackUpstreamGetsTheRequestWithItsBody) {
  EchoBackend backup("backup");
  Gateway gateway(pool_config(
      targets_toml({dead_address()}),
      "\n[[upstreams]]\nname = \"backup\"\ntargets = [{ address = \"" + backup.address() + "\" }]",
      R"(fallback = { upstream = "backup", status = 503 })"));
  const auto result = curl({"-X", "POST", "--data-binary", "order-17", gateway.url("/echo")});
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, "order-17");
  EXPECT_EQ(result.headers["x-echo-server"], "backup");
  EXPECT_EQ(result.headers["x-apigw-fallback"], "upstream");
  EXPECT_EQ(backup.received(), std::vector<std::string>{"POST /echo"});
}

TEST(Fallback, StaleResponseOfAGetWhenTheUpstreamFails) {
  EchoBackend backend("live");
  Gateway gateway(pool_config(targets_toml({backend.address()}), "",
                              R"(fallback = { stale_if_error = "60s" })"));
  const auto fresh = http_get(gateway.port(), "/catalog?page=1");
  ASSERT_EQ(fresh.status, 200);
  EXPECT_EQ(fresh.headers["x-apigw-fallback"], "") << "a live upstream answers itself";
  backend.stop();
  const auto stale = http_get(gateway.port(), "/catalog?page=1");
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(stale.body, fresh.body);
  EXPECT_EQ(stale.headers["x-apigw-fallback"], "stale");
  EXPECT_EQ(stale.headers["content-type"], "application/json");
  EXPECT_FALSE(stale.headers["age"].empty());
  // Nothing cached for another page: the error stands.
  EXPECT_EQ(http_get(gateway.port(), "/catalog?page=2").status, 502);
  EXPECT_TRUE(gateway.wait_for_metric(R"(apigw_fallbacks_total{route="all",kind="stale"} 1)"))
      << gateway.metrics();
}

}  // namespace
}  // namespace apigw::test
