// apigw's outbound HTTP client (store/http) against a real HTTP/1.1 server on loopback
// (tests/support/test_http_server.py): bodies, framing, keep-alive reuse, stale connections.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "clients/run_request.h"
#include "support/test_http_server.h"

namespace apigw::test {
namespace {

using client::ErrorKind;
using client::HttpRequest;

class HttpClient : public ::testing::Test {
 protected:
  client::HttpResult get(const std::string& path) {
    return run_request(io, http, HttpRequest{.url = server.url(path)});
  }
  boost::json::object echo(HttpRequest request) {
    const client::HttpResult result = run_request(io, http, std::move(request));
    EXPECT_TRUE(result) << describe(result);
    if (!result) return {};
    EXPECT_EQ(result->status, 200);
    return boost::json::parse(result->body).as_object();
  }

  TestHttpServer server;
  boost::asio::io_context io;
  client::HttpClient http{io};
};

TEST_F(HttpClient, GetReturnsStatusHeadersAndBody) {
  const client::HttpResult result = get("/status/201");
  ASSERT_TRUE(result) << describe(result);
  EXPECT_EQ(result->status, 201);
  EXPECT_EQ(result->reason, "Created");
  EXPECT_EQ(result->header("content-type"), "text/plain");
  EXPECT_EQ(result->header("Content-Length"), "10");
  EXPECT_EQ(result->body, "status 201");
}

TEST_F(HttpClient, PostSendsMethodPathHeadersAndBody) {
  const boost::json::object seen =
      echo(HttpRequest{.method = "POST",
                       .url = server.url("/echo?x=1"),
                       .headers = {{"Content-Type", "application/json"}, {"X-Feature", "webhook"}},
                       .body = R"({"event":"created"})"});
  EXPECT_EQ(seen.at("method").as_string(), "POST");
  EXPECT_EQ(seen.at("path").as_string(), "/echo?x=1");
  EXPECT_EQ(seen.at("body").as_string(), R"({"event":"created"})");
  const auto& headers = seen.at("headers").as_object();
  EXPECT_EQ(headers.at("content-length").as_string(), "19");
  EXPECT_EQ(headers.at("content-type").as_string(), "application/json");
  EXPECT_EQ(headers.at("x-feature").as_string(), "webhook");
  EXPECT_EQ(headers.at("host").as_string(), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(headers.at("connection").as_string(), "keep-alive");
}

TEST_F(HttpClient, EmptyPostAnnouncesAnEmptyBody) {
  const boost::json::object seen = echo(HttpRequest{.method = "POST", .url = server.url("/echo")});
  EXPECT_EQ(seen.at("headers").as_object().at("content-length").as_string(), "0");
  EXPECT_EQ(seen.at("body").as_string(), "");
}

TEST_F(HttpClient, KeepAliveReusesOneConnection) {
  for (int i = 1; i <= 5; ++i) {
    const boost::json::object seen = echo(HttpRequest{.url = server.url("/echo")});
    EXPECT_EQ(seen.at("request_on_connection").as_int64(), i);
  }
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(http.counters().requests, 5u);
  EXPECT_EQ(http.counters().connections_opened, 1u);
  EXPECT_EQ(http.counters().connections_reused, 4u);
  EXPECT_EQ(http.counters().errors, 0u);
  EXPECT_EQ(http.idle_connections(), 1u);
}

TEST_F(HttpClient, ChunkedResponseIsDecodedAndTheConnectionKept) {
  const client::HttpResult result = get("/chunked?n=4");
  ASSERT_TRUE(result) << describe(result);
  EXPECT_EQ(result->header("transfer-encoding"), "chunked");
  EXPECT_EQ(result->body, "chunk0;chunk1;chunk2;chunk3;");
  ASSERT_TRUE(get("/status/200"));
  EXPECT_EQ(server.connections(), 1);
}

TEST_F(HttpClient, HeadAnd204And304HaveNoBodyAndKeepTheConnection) {
  const client::HttpResult head =
      run_request(io, http, HttpRequest{.method = "HEAD", .url = server.url("/big?bytes=5000")});
  ASSERT_TRUE(head) << describe(head);
  EXPECT_EQ(head->header("content-length"), "5000");
  EXPECT_EQ(head->body, "");
  for (const char* path : {"/status/204", "/status/304"}) {
    const client::HttpResult result = get(path);
    ASSERT_TRUE(result) << describe(result);
    EXPECT_EQ(result->body, "");
  }
  const client::HttpResult last = get("/status/200");
  ASSERT_TRUE(last) << describe(last);
  EXPECT_EQ(last->body, "status 200");
  EXPECT_EQ(server.connections(), 1);
}

TEST_F(HttpClient, BodyUntilCloseIsReadAndTheConnectionNotPooled) {
  const client::HttpResult result = get("/until-close");
  ASSERT_TRUE(result) << describe(result);
  EXPECT_EQ(result->body, "all of it, until the close");
  EXPECT_EQ(http.idle_connections(), 0u);
}

TEST_F(HttpClient, BigBodyWithinTheLimitArrivesWhole) {
  const client::HttpResult result = get("/big?bytes=3000000");
  ASSERT_TRUE(result) << describe(result);
  EXPECT_EQ(result->body.size(), 3'000'000u);
  EXPECT_EQ(result->body.find_first_not_of('x'), std::string::npos);
}

TEST_F(HttpClient, BodyOverTheLimitIsAnErrorNotATruncation) {
  const client::HttpResult sized = run_request(
      io, http, HttpRequest{.url = server.url("/big?bytes=100000"), .max_body_bytes = 1000});
  ASSERT_FALSE(sized);
  EXPECT_EQ(sized.error().kind, ErrorKind::body_too_large) << describe(sized);
  const client::HttpResult chunked =
      run_request(io, http, HttpRequest{.url = server.url("/chunked?n=100"), .max_body_bytes = 50});
  ASSERT_FALSE(chunked);
  EXPECT_EQ(chunked.error().kind, ErrorKind::body_too_large) << describe(chunked);
  EXPECT_EQ(http.idle_connections(), 0u);
  EXPECT_EQ(http.counters().errors, 2u);
}

TEST_F(HttpClient, ServerClosingAfterAResponseCostsANewConnectionNotAnError) {
  ASSERT_TRUE(get("/close-after"));
  const client::HttpResult next = get("/status/200");
  ASSERT_TRUE(next) << describe(next);
  EXPECT_EQ(next->body, "status 200");
  EXPECT_EQ(server.connections(), 2);
}

TEST_F(HttpClient, IdempotentRequestOnAConnectionTheServerDroppedIsRetriedOnce) {
  ASSERT_TRUE(get("/drop-next"));
  ASSERT_EQ(http.idle_connections(), 1u);
  // The pooled connection looks alive; the server reads the next request and closes it unanswered.
  const boost::json::object seen = echo(HttpRequest{.method = "PUT", .url = server.url("/echo")});
  EXPECT_EQ(seen.at("request_on_connection").as_int64(), 1);
  EXPECT_EQ(http.counters().retries, 1u);
  EXPECT_EQ(server.connections(), 2);
}

TEST_F(HttpClient, PostOnAConnectionTheServerDroppedIsNotSentTwice) {
  ASSERT_TRUE(get("/drop-next"));
  const client::HttpResult result = run_request(
      io, http, HttpRequest{.method = "POST", .url = server.url("/echo"), .body = "charge"});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::closed) << describe(result);
  EXPECT_EQ(http.counters().retries, 0u);
  EXPECT_EQ(server.connections(), 1);
}

TEST_F(HttpClient, IdleConnectionsCloseAfterTheIdleTimeout) {
  client::HttpClient short_idle(io, {.idle_timeout = std::chrono::milliseconds(100)});
  ASSERT_TRUE(run_request(io, short_idle, HttpRequest{.url = server.url("/status/200")}));
  EXPECT_EQ(short_idle.idle_connections(), 1u);
  io.run_for(std::chrono::milliseconds(400));
  EXPECT_EQ(short_idle.idle_connections(), 0u);
  ASSERT_TRUE(run_request(io, short_idle, HttpRequest{.url = server.url("/status/200")}));
  EXPECT_EQ(server.connections(), 2);
}

TEST_F(HttpClient, NoKeepAliveWhenTheCallerAsksForClose) {
  ASSERT_TRUE(run_request(
      io, http, HttpRequest{.url = server.url("/echo"), .headers = {{"Connection", "close"}}}));
  EXPECT_EQ(http.idle_connections(), 0u);
}

}  // namespace
}  // namespace apigw::test
