// How apigw's outbound HTTP client fails: each failure is a distinct ErrorKind value, bounded in
// time, and leaves no connection in the pool that could carry a half-read response.
#include <gtest/gtest.h>

#include "clients/run_request.h"
#include "support/temp_dir.h"
#include "support/test_http_server.h"

namespace apigw::test {
namespace {

using client::ErrorKind;
using client::HttpRequest;
using std::chrono::milliseconds;

class HttpClientErrors : public ::testing::Test {
 protected:
  boost::asio::io_context io;
  client::HttpClient http{io};
};

milliseconds since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
}

TEST_F(HttpClientErrors, ConnectionRefusedIsAConnectError) {
  const int port = free_port();  // nothing listens there
  const client::HttpResult result =
      run_request(io, http, HttpRequest{.url = "http://127.0.0.1:" + std::to_string(port) + "/"});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::connect) << describe(result);
  EXPECT_NE(result.error().message.find("refused"), std::string::npos) << describe(result);
  EXPECT_EQ(http.counters().errors, 1u);
  EXPECT_EQ(http.counters().connections_opened, 0u);
}

TEST_F(HttpClientErrors, TlsHandshakeThatNeverCompletesHitsTheConnectTimeout) {
  // A listening socket nobody accepts from: the kernel completes the TCP handshake, and the TLS
  // handshake then waits for a ServerHello that never comes. The connect timeout covers DNS, TCP
  // and TLS, so it fires long before the request's total timeout.
  boost::asio::ip::tcp::acceptor silent(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  const std::string url = "https://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
  const auto start = std::chrono::steady_clock::now();
  const client::HttpResult result = run_request(
      io, http,
      HttpRequest{
          .url = url + "/", .timeout = milliseconds(10'000), .connect_timeout = milliseconds(300)});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::timeout) << describe(result);
  EXPECT_NE(result.error().message.find("connect"), std::string::npos) << describe(result);
  EXPECT_LT(since(start), milliseconds(3000));
}

TEST_F(HttpClientErrors, SlowAnswerPastTheRequestTimeoutIsATimeout) {
  TestHttpServer server;
  const auto start = std::chrono::steady_clock::now();
  const client::HttpResult result = run_request(
      io, http, HttpRequest{.url = server.url("/slow?ms=5000"), .timeout = milliseconds(300)});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::timeout) << describe(result);
  EXPECT_GE(since(start), milliseconds(250));
  EXPECT_LT(since(start), milliseconds(3000));
  EXPECT_EQ(http.idle_connections(), 0u);
}

TEST_F(HttpClientErrors, ClientDefaultTimeoutAppliesWhenTheRequestSetsNone) {
  TestHttpServer server;
  client::HttpClient quick(io, {.request_timeout = milliseconds(300)});
  const client::HttpResult result =
      run_request(io, quick, HttpRequest{.url = server.url("/slow?ms=5000")});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::timeout) << describe(result);
}

TEST_F(HttpClientErrors, AnswerWithinTheTimeoutIsNotATimeout) {
  TestHttpServer server;
  const client::HttpResult result = run_request(
      io, http, HttpRequest{.url = server.url("/slow?ms=100"), .timeout = milliseconds(3000)});
  ASSERT_TRUE(result) << describe(result);
  EXPECT_EQ(result->body, "slow");
}

TEST_F(HttpClientErrors, CancellationEndsTheRequestAtOnceAndDropsTheConnection) {
  TestHttpServer server;
  util::Cancellation cancellation;
  std::chrono::steady_clock::time_point cancelled_at{};
  const client::HttpResult result =
      run_request(io, http, HttpRequest{.url = server.url("/slow?ms=5000")}, &cancellation,
                  [&](milliseconds elapsed) {
                    if (elapsed >= milliseconds(300) && !cancellation.cancelled()) {
                      cancelled_at = std::chrono::steady_clock::now();
                      cancellation.cancel();
                    }
                  });
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::cancelled) << describe(result);
  EXPECT_LT(since(cancelled_at), milliseconds(200));
  EXPECT_EQ(http.idle_connections(), 0u);
  // The registration ended with the request: a later cancel() reaches nothing of it.
  cancellation.reset();
  cancellation.cancel();
  ASSERT_TRUE(run_request(io, http, HttpRequest{.url = server.url("/status/200")}));
}

TEST_F(HttpClientErrors, RequestCancelledBeforeItStartsSendsNothing) {
  TestHttpServer server;
  util::Cancellation cancellation;
  cancellation.cancel();
  const client::HttpResult result =
      run_request(io, http, HttpRequest{.url = server.url("/echo")}, &cancellation);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::cancelled) << describe(result);
  EXPECT_EQ(server.connections(), 0);
}

TEST_F(HttpClientErrors, UnsendableRequestsAreRefusedBeforeConnecting) {
  TestHttpServer server;
  const HttpRequest requests[] = {
      {.url = "ftp://127.0.0.1/"},
      {.url = "http://user:secret@127.0.0.1/"},
      {.url = "http://127.0.0.1:99999/"},
      {.method = "GET /x", .url = server.url("/")},
      {.url = server.url("/"), .headers = {{"X-Injected", "a\r\nEvil: yes"}}},
      {.url = server.url("/"), .headers = {{"Content-Length", "5"}}},
  };
  for (const HttpRequest& request : requests) {
    const client::HttpResult result = run_request(io, http, request);
    ASSERT_FALSE(result) << request.url;
    EXPECT_EQ(result.error().kind, ErrorKind::invalid_request) << describe(result);
  }
  EXPECT_EQ(server.connections(), 0);
}

}  // namespace
}  // namespace apigw::test
