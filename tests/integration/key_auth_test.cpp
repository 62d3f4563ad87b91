// API keys end to end: consumers, credentials and a key_auth plugin written through the admin API
// guard a route of the real gateway; revoking the credential refuses the key on the next request.
#include <gtest/gtest.h>

#include "support/admin_client.h"
#include "support/gateway.h"

namespace apigw::test {
namespace {

TEST(KeyAuth, AConsumersKeyPassesAndARevokedOneDoesNot) {
  EchoBackend backend("b1");
  Gateway gateway(sqlite_config());
  ASSERT_TRUE(add_upstream_and_route(gateway, "b", backend.address(), "all"));
  ASSERT_EQ(admin_call(gateway, "POST", "/admin/consumers", R"({"name":"alice"})").status, 201);
  ASSERT_EQ(admin_call(gateway, "POST", "/admin/credentials",
                       R"({"name":"alice-key","consumer":"alice","type":"api_key",)"
                       R"("key":"k-7Hq2v9Lx0pWm4Rz8"})")
                .status,
            201);
  ASSERT_EQ(admin_call(gateway, "POST", "/admin/plugins",
                       R"({"name":"keys","filter":"key_auth","route":"all"})")
                .status,
            201);

  const auto missing = http_get(gateway.port(), "/orders");
  EXPECT_EQ(missing.status, 401);
  EXPECT_NE(missing.body.find("\"code\":\"missing_api_key\""), std::string::npos) << missing.body;
  EXPECT_EQ(missing.headers["www-authenticate"], "ApiKey header=\"x-api-key\"");
  const auto wrong = http_get(gateway.port(), "/orders", {"-H", "X-API-Key: k-not-a-real-key-00"});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(wrong.body.find("\"code\":\"invalid_api_key\""), std::string::npos) << wrong.body;
  EXPECT_TRUE(backend.received().empty()) << "refused requests never reach the backend";

  const auto passed =
      http_get(gateway.port(), "/orders",
               {"-H", "X-API-Key: k-7Hq2v9Lx0pWm4Rz8", "-H", "X-Consumer-Name: mallory"});
  EXPECT_EQ(passed.status, 200);
  EXPECT_NE(passed.body.find("\"x-consumer-name\":\"alice\""), std::string::npos) << passed.body;
  EXPECT_EQ(passed.body.find("mallory"), std::string::npos) << "the client cannot name itself";
  EXPECT_EQ(passed.body.find("k-7Hq2v9Lx0pWm4Rz8"), std::string::npos)
      << "the key is not passed on";

  ASSERT_EQ(admin_call(gateway, "DELETE", "/admin/credentials/alice-key").status, 204);
  EXPECT_EQ(http_get(gateway.port(), "/orders", {"-H", "X-API-Key: k-7Hq2v9Lx0pWm4Rz8"}).status,
            401)
      << "revoked at once";
}

}  // namespace
}  // namespace apigw::test
