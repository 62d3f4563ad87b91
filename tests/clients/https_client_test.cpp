// apigw's outbound HTTP client over TLS against a real HTTPS server with a throw-away CA
// (tests/support/test_certificates.h): verification on by default, hostname and IP checks, SNI.
#include <gtest/gtest.h>

#include <algorithm>

#include "clients/run_request.h"
#include "support/test_http_server.h"

namespace apigw::test {
namespace {

using client::ErrorKind;
using client::HttpRequest;

class HttpClientTls : public ::testing::Test {
 protected:
  boost::asio::io_context io;
  client::HttpClient http{io};
};

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST_F(HttpClientTls, TrustedCaFileVerifiesAndConnectionsAreReused) {
  TestHttpServer server(TestHttpServer::Tls::on);
  for (int i = 0; i < 3; ++i) {
    const client::HttpResult result =
        run_request(io, http,
                    HttpRequest{.method = "POST",
                                .url = server.url("/echo"),
                                .body = "over tls",
                                .tls = {.ca_file = server.ca_file()}});
    ASSERT_TRUE(result) << describe(result);
    EXPECT_EQ(result->status, 200);
    EXPECT_TRUE(contains(result->body, "\"body\": \"over tls\"")) << result->body;
  }
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(http.counters().connections_reused, 2u);
}

TEST_F(HttpClientTls, UnknownCaFailsCertificateVerification) {
  TestHttpServer server(TestHttpServer::Tls::on);
  // Default options: the system CA store, which does not know the test CA.
  const client::HttpResult result = run_request(io, http, HttpRequest{.url = server.url("/echo")});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::tls) << describe(result);
  EXPECT_TRUE(contains(result.error().message, "certificate verify failed")) << describe(result);
  EXPECT_TRUE(contains(result.error().message, "unable to get local issuer certificate"))
      << describe(result);
}

TEST_F(HttpClientTls, CertificateForAnotherNameFailsHostVerification) {
  TestHttpServer server(TestHttpServer::Tls::wrong_name);
  const client::HttpResult by_ip = run_request(
      io, http, HttpRequest{.url = server.url("/echo"), .tls = {.ca_file = server.ca_file()}});
  ASSERT_FALSE(by_ip);
  EXPECT_EQ(by_ip.error().kind, ErrorKind::tls) << describe(by_ip);
  EXPECT_TRUE(contains(by_ip.error().message, "IP address mismatch")) << describe(by_ip);

  const client::HttpResult by_name = run_request(
      io, http,
      HttpRequest{.url = server.url("/echo", "localhost"), .tls = {.ca_file = server.ca_file()}});
  ASSERT_FALSE(by_name);
  EXPECT_EQ(by_name.error().kind, ErrorKind::tls) << describe(by_name);
  EXPECT_TRUE(contains(by_name.error().message, "hostname mismatch")) << describe(by_name);
}

TEST_F(HttpClientTls, UnreadableCaFileIsATlsErrorBeforeConnecting) {
  TestHttpServer server(TestHttpServer::Tls::on);
  const client::HttpResult result = run_request(
      io, http,
      HttpRequest{.url = server.url("/echo"), .tls = {.ca_file = server.ca_file() + ".missing"}});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::tls) << describe(result);
  EXPECT_TRUE(contains(result.error().message, "ca_file")) << describe(result);
  EXPECT_EQ(server.connections(), 0);
}

TEST_F(HttpClientTls, VerifyOffAcceptsAnyCertificate) {
  TestHttpServer server(TestHttpServer::Tls::wrong_name);
  const client::HttpResult result = run_request(
      io, http, HttpRequest{.url = server.url("/status/200"), .tls = {.verify = false}});
  ASSERT_TRUE(result) << describe(result);
  EXPECT_EQ(result->body, "status 200");
}

TEST_F(HttpClientTls, HostNameIsSentAsSniAndIpLiteralIsNot) {
  TestHttpServer server(TestHttpServer::Tls::on);
  const client::HttpResult by_name = run_request(
      io, http,
      HttpRequest{.url = server.url("/echo", "localhost"), .tls = {.ca_file = server.ca_file()}});
  ASSERT_TRUE(by_name) << describe(by_name);
  EXPECT_EQ(server.sni_names(), std::vector<std::string>{"localhost"});

  const client::HttpResult by_ip = run_request(
      io, http, HttpRequest{.url = server.url("/echo"), .tls = {.ca_file = server.ca_file()}});
  ASSERT_TRUE(by_ip) << describe(by_ip);
  const auto names = server.sni_names();
  EXPECT_EQ(std::count(names.begin(), names.end(), "127.0.0.1"), 0);
  EXPECT_EQ(std::count(names.begin(), names.end(), "localhost"), 1);
}

TEST_F(HttpClientTls, ConnectionsAreNotSharedAcrossTlsOptions) {
  TestHttpServer server(TestHttpServer::Tls::on);
  ASSERT_TRUE(
      run_request(io, http, HttpRequest{.url = server.url("/echo"), .tls = {.verify = false}}));
  ASSERT_TRUE(run_request(
      io, http, HttpRequest{.url = server.url("/echo"), .tls = {.ca_file = server.ca_file()}}));
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(http.idle_connections(), 2u);
}

}  // namespace
}  // namespace apigw::test
