// forward_auth against a real auth service (tests/support/test_http_server.py's /auth) over
// plain HTTP and over HTTPS with a throw-away CA: allowed requests carry the service's headers
// upstream, refusals reach the client as the service sent them, outages are 503 and never
// forwarded.
#include <gtest/gtest.h>

#include <thread>

#include "support/gateway.h"
#include "support/test_certificates.h"
#include "support/test_http_server.h"
#include "support/tls_client.h"

namespace apigw::test {
namespace {

std::string auth_config(const std::string& backend, const std::string& filter) {
  return pool_config(targets_toml({backend}), "", "filters = [" + filter + "]");
}

std::string filter_for(const std::string& url, const std::string& extra = "") {
  return R"({ name = "forward_auth", url = ")" + url +
         R"(", timeout = "1s", copy_headers = ["x-user-id"])" + extra + " }";
}

TEST(ForwardAuth, AllowedRequestsGoUpstreamWithTheServicesHeaders) {
  TestHttpServer auth;
  EchoBackend backend;
  Gateway gateway(auth_config(backend.address(), filter_for(auth.url("/auth"))));
  const auto allowed = http_get(gateway.port(), "/orders?id=7",
                                {"-H", "Authorization: Bearer good", "-H", "X-User-Id: mallory"});
  EXPECT_EQ(allowed.status, 200);
  EXPECT_NE(allowed.body.find("\"x-user-id\":\"alice\""), std::string::npos) << allowed.body;
  EXPECT_EQ(allowed.body.find("mallory"), std::string::npos) << "the service's answer wins";
  const auto calls = auth.auth_calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_NE(calls[0].find("\"x-forwarded-method\": \"GET\""), std::string::npos) << calls[0];
  EXPECT_NE(calls[0].find("\"x-forwarded-uri\": \"/orders?id=7\""), std::string::npos) << calls[0];
  EXPECT_NE(calls[0].find("\"authorization\": \"Bearer good\""), std::string::npos) << calls[0];
}

TEST(ForwardAuth, RefusalsAreReturnedAsTheServiceSentThem) {
  TestHttpServer auth;
  EchoBackend backend;
  Gateway gateway(auth_config(backend.address(), filter_for(auth.url("/auth"))));
  const auto refused = http_get(gateway.port(), "/orders", {"-H", "Authorization: Bearer bad"});
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.headers["www-authenticate"], "Bearer realm=\"test\"");
  EXPECT_EQ(refused.body, R"({"error":"who are you?"})");
  EXPECT_TRUE(backend.received().empty()) << "a refused request never reaches the upstream";
}

TEST(ForwardAuth, AnUnreachableOrSlowServiceIs503AndNothingIsForwarded) {
  EchoBackend backend;
  {
    Gateway gateway(
        auth_config(backend.address(), filter_for("http://" + dead_address() + "/auth")));
    const auto down = http_get(gateway.port(), "/orders", {"-H", "Authorization: Bearer good"});
    EXPECT_EQ(down.status, 503);
    EXPECT_NE(down.body.find("\"code\":\"auth_unavailable\""), std::string::npos) << down.body;
  }
  TestHttpServer auth;
  Gateway gateway(auth_config(backend.address(), filter_for(auth.url("/auth"))));
  const auto slow = http_get(gateway.port(), "/orders", {"-H", "Authorization: Bearer slow"});
  EXPECT_EQ(slow.status, 503) << "the 1 s timeout, not the service's 2 s answer";
  EXPECT_TRUE(backend.received().empty());
}

TEST(ForwardAuth, AnAnswerOverMaxBodyBytesIs503) {
  TestHttpServer auth;
  EchoBackend backend;
  Gateway gateway(auth_config(
      backend.address(), filter_for(auth.url("/big?bytes=5000"), ", max_body_bytes = \"1KiB\"")));
  const auto answer = http_get(gateway.port(), "/a", {"-H", "Authorization: Bearer good"});
  EXPECT_EQ(answer.status, 503);
  EXPECT_NE(answer.body.find("body_too_large"), std::string::npos) << answer.body;
  EXPECT_TRUE(backend.received().empty());
}

TEST(ForwardAuth, HttpsWithAThrowAwayCaAndAPositiveCache) {
  TestHttpServer auth(TestHttpServer::Tls::on);
  EchoBackend backend;
  const std::string tls = ", cache_ttl = \"30s\", tls = { ca_file = \"" + auth.ca_file() + "\" }";
  Gateway gateway(auth_config(backend.address(), filter_for(auth.url("/auth"), tls)));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(http_get(gateway.port(), "/a", {"-H", "Authorization: Bearer good"}).status, 200);
  }
  EXPECT_EQ(auth.auth_calls().size(), 1u) << "answers cached per credentials";
  EXPECT_EQ(http_get(gateway.port(), "/a", {"-H", "Authorization: Bearer bad"}).status, 401)
      << "other credentials are asked about";
  EXPECT_EQ(auth.auth_calls().size(), 2u);

  Gateway untrusting(auth_config(backend.address(), filter_for(auth.url("/auth"))));
  EXPECT_EQ(http_get(untrusting.port(), "/a", {"-H", "Authorization: Bearer good"}).status, 503)
      << "without the CA the certificate is not trusted";
}

TEST(ForwardAuth, TheRoutesTimeoutBoundsTheWait) {
  TestHttpServer auth;
  EchoBackend backend;
  Gateway gateway(
      pool_config(targets_toml({backend.address()}), "",
                  "timeout = \"500ms\"\nfilters = [{ name = \"forward_auth\", url = \"" +
                      auth.url("/auth") + "\", timeout = \"5s\" }]"));
  const auto waited = http_get(gateway.port(), "/a", {"-H", "Authorization: Bearer slow"});
  EXPECT_EQ(waited.status, 504) << waited.body;
  EXPECT_NE(waited.body.find("\"code\":\"gateway_timeout\""), std::string::npos) << waited.body;
  EXPECT_TRUE(backend.received().empty());
}

TEST(ForwardAuth, AClientThatLeavesCancelsTheWait) {
  TestHttpServer auth;
  EchoBackend backend;
  Gateway gateway(auth_config(backend.address(), R"({ name = "forward_auth", url = ")" +
                                                     auth.url("/auth") + R"(", timeout = "5s" })"));
  {
    RawConnection connection(gateway.port());
    ASSERT_TRUE(
        connection.send("GET /a HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer slow\r\n\r\n"));
    ASSERT_TRUE(wait_until([&] { return !auth.auth_calls().empty(); }))
        << "the auth service was never asked";
  }  // closed while the auth service is still thinking (it answers "Bearer slow" after 2 s)
  // Outlast the auth service's answer: a gateway that forgot the client would forward it then.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_TRUE(backend.received().empty()) << "nothing forwarded for a client that left";
  EXPECT_TRUE(gateway.wait_for_metric(
      R"(apigw_requests_total{route="all",method="GET",status_class="4xx"} 1)"))
      << "counted as 499: " << gateway.metrics();
  EXPECT_EQ(http_get(gateway.port(), "/a", {"-H", "Authorization: Bearer good"}).status, 200);
}

// Over TLS a leaving client sends close_notify before its FIN: the bytes must not hide the FIN.
TEST(ForwardAuth, AClientThatLeavesATlsConnectionCancelsTheWait) {
  TestHttpServer auth;
  EchoBackend backend;
  TempDir certs_dir;
  TestCa ca(certs_dir.path());
  const CertificateFiles server = ca.issue("server", {.common_name = "gw", .ips = {"127.0.0.1"}});
  Gateway gateway(R"(
[server]
workers = 1
[[server.listeners]]
address = "127.0.0.1:{port}"
[server.listeners.tls]
[[server.listeners.tls.certificates]]
cert = ")" + server.cert_file +
                  R"("
key = ")" + server.key_file +
                  R"("
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "pool"
targets = [{ address = ")" +
                  backend.address() + R"(" }]
[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "pool"
filters = [{ name = "forward_auth", url = ")" +
                  auth.url("/auth") + R"(", timeout = "5s" }]
)");
  {
    TlsClientOptions options;
    options.ca_file = ca.cert_file();
    TlsClient client(gateway.port(), options);
    ASSERT_TRUE(client.ok()) << client.error();
    ASSERT_TRUE(client.send("GET /a HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer slow\r\n\r\n"));
    ASSERT_TRUE(wait_until([&] { return !auth.auth_calls().empty(); }))
        << "the auth service was never asked";
  }  // close_notify, then FIN, while the auth service is still thinking (2 s)
  ASSERT_FALSE(auth.auth_calls().empty());
  EXPECT_NE(auth.auth_calls()[0].find("\"x-forwarded-proto\": \"https\""), std::string::npos)
      << auth.auth_calls()[0];
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_TRUE(backend.received().empty()) << "nothing forwarded for a client that left";
  EXPECT_TRUE(gateway.wait_for_metric(
      R"(apigw_requests_total{route="all",method="GET",status_class="4xx"} 1)"))
      << "counted as 499: " << gateway.metrics();
}

}  // namespace
}  // namespace apigw::test
