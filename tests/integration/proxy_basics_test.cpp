// The proxy's everyday behaviour, seen from a real client (curl) through the real binary to a
// real backend.
#include <gtest/gtest.h>

#include "support/gateway.h"

namespace apigw::test {
namespace {

// The README's first example, exactly as documented, with test ports filled in.
const std::string kMinimalConfig = R"(
[server]
listen = ["127.0.0.1:{port}"]
workers = 1

[admin]
listen = "127.0.0.1:{admin_port}"

[[upstreams]]
name = "backend"
targets = [{ address = "{backend}", weight = 1 }]

[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "backend"
)";

class ProxyBasics : public ::testing::Test {
 protected:
  EchoBackend backend{"b1"};
  Gateway gateway{fill(kMinimalConfig, {{"backend", backend.address()}})};
};

TEST_F(ProxyBasics, MinimalConfigProxiesGet) {
  const auto result = http_get(gateway.port(), "/hello?x=1");
  ASSERT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.status, 200);
  EXPECT_NE(result.body.find("\"path\":\"/hello?x=1\""), std::string::npos) << result.body;
  EXPECT_EQ(result.headers["x-echo-server"], "b1");
  EXPECT_EQ(result.headers["x-request-id"].size(), 32u);
  EXPECT_EQ(backend.received(), std::vector<std::string>{"GET /hello?x=1"});
}

TEST_F(ProxyBasics, SetsForwardingHeadersAndRequestId) {
  const auto result = http_get(gateway.port(), "/", {"-H", "Host: api.example.com"});
  ASSERT_EQ(result.status, 200);
  EXPECT_NE(result.body.find("\"x-forwarded-for\":\"127.0.0.1\""), std::string::npos);
  EXPECT_NE(result.body.find("\"x-forwarded-proto\":\"http\""), std::string::npos);
  EXPECT_NE(result.body.find("\"x-forwarded-host\":\"api.example.com\""), std::string::npos);
  EXPECT_NE(result.body.find("\"host\":\"api.example.com\""), std::string::npos)
      << "host is preserved by default: " << result.body;
  EXPECT_NE(result.body.find("\"x-request-id\":\"" + result.headers["x-request-id"] + "\""),
            std::string::npos);
}

TEST_F(ProxyBasics, PassesOnClientRequestIdAndAppendsForwardedFor) {
  const auto result = http_get(gateway.port(), "/",
                               {"-H", "X-Request-Id: trace-42", "-H", "X-Forwarded-For: 10.1.2.3"});
  ASSERT_EQ(result.status, 200);
  EXPECT_EQ(result.headers["x-request-id"], "trace-42");
  EXPECT_NE(result.body.find("\"x-request-id\":\"trace-42\""), std::string::npos);
  EXPECT_NE(result.body.find("\"x-forwarded-for\":\"10.1.2.3, 127.0.0.1\""), std::string::npos)
      << result.body;
}

TEST_F(ProxyBasics, MethodsAndBodiesReachTheBackend) {
  for (const std::string method : {"POST", "PUT", "PATCH", "DELETE"}) {
    const auto result =
        curl({"-X", method, "--data-binary", "hello body", gateway.url("/things/1")});
    ASSERT_EQ(result.status, 200) << method;
    EXPECT_NE(result.body.find("\"method\":\"" + method + "\""), std::string::npos);
    EXPECT_NE(result.body.find("\"body_bytes\":10"), std::string::npos) << result.body;
  }
  // HEAD: the response keeps the resource's Content-Length and carries no body; a raw client
  // sees exactly where the head ends.
  const std::string head =
      raw_exchange(gateway.port(), "HEAD / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(head.rfind("HTTP/1.1 200 ", 0), 0u) << head;
  EXPECT_NE(head.find("Content-Length: "), std::string::npos) << head;
  ASSERT_GE(head.size(), 4u);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n") << "a body followed the HEAD response";
}

TEST_F(ProxyBasics, EchoesBodyExactly) {
  std::string payload;
  for (int i = 0; i < 100000; ++i) payload.push_back(static_cast<char>('A' + i % 57));
  TempDir dir;
  const std::string file = dir.write("payload", payload);
  const auto result = curl({"--data-binary", "@" + file, gateway.url("/echo")});
  ASSERT_EQ(result.status, 200);
  EXPECT_EQ(result.body, payload);
}

TEST_F(ProxyBasics, ChunkedBothWays) {
  TempDir dir;
  const std::string file = dir.write("payload", std::string(300000, 'z'));
  const auto upload = curl(
      {"-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file, gateway.url("/upload")});
  ASSERT_EQ(upload.status, 200);
  EXPECT_NE(upload.body.find("\"transfer-encoding\":\"chunked\""), std::string::npos);
  EXPECT_NE(upload.body.find("\"body_bytes\":300000"), std::string::npos) << upload.body;

  const auto download = http_get(gateway.port(), "/bytes/250000?chunked=1");
  ASSERT_EQ(download.status, 200);
  EXPECT_EQ(download.headers["transfer-encoding"], "chunked");
  EXPECT_EQ(download.body.size(), 250000u);

  const auto echoed =
      curl({"-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file, gateway.url("/echo")});
  EXPECT_EQ(echoed.body, std::string(300000, 'z'));
}

TEST_F(ProxyBasics, RemovesHopByHopHeaders) {
  const std::string raw = raw_exchange(
      gateway.port(),
      "GET / HTTP/1.1\r\nHost: h\r\nConnection: close, X-Private\r\nX-Private: secret\r\n"
      "Keep-Alive: timeout=5\r\nTE: trailers\r\nUpgrade: something\r\n"
      "Proxy-Connection: keep-alive\r\nX-Kept: yes\r\n\r\n");
  const auto response = parse_response(raw);
  ASSERT_EQ(response.status, 200) << raw;
  for (const char* name :
       {"x-private", "keep-alive", "\"te\"", "upgrade", "proxy-connection", "\"connection\""}) {
    EXPECT_EQ(response.body.find(name), std::string::npos) << name << " in " << response.body;
  }
  EXPECT_NE(response.body.find("\"x-kept\":\"yes\""), std::string::npos);
  EXPECT_EQ(response.headers["connection"], "close");
}

TEST_F(ProxyBasics, KeepAliveOnBothSides) {
  // One curl, three requests: one client connection, and one pooled upstream connection.
  const auto result = curl({gateway.url("/a"), gateway.url("/b"), gateway.url("/c")});
  ASSERT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.headers["x-echo-connection-requests"], "3");

  RawConnection client(gateway.port());
  client.send("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
  const auto first = client.read_response();
  const auto second = client.read_response();
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(second.status, 200) << "pipelined requests are answered in order";
  EXPECT_NE(second.body.find("\"path\":\"/2\""), std::string::npos);
}

// A raw client that does what RFC 9110 §10.1.1 allows: it sends only the head of a 200000-byte
// upload and waits for the interim 100 before sending any of the body. (curl sends the body after
// a second anyway, so with curl a gateway that never answers 100 would pass.) Returns the final
// response, or a status-0 one when no 100 came within 5 s.
HttpResponse upload_after_continue(int port) {
  RawConnection client(port);
  client.send(
      "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 200000\r\n"
      "Expect: 100-continue\r\n\r\n");
  const auto interim = client.read_response(std::chrono::seconds(5));
  if (interim.status != 100) {
    ADD_FAILURE() << "no 100 Continue within 5 s: " << interim.raw;
    return {};
  }
  client.send(std::string(200000, 'e'));
  return client.read_response(std::chrono::seconds(10));
}

TEST_F(ProxyBasics, ExpectContinueIsAnsweredBeforeTheClientSendsTheBody) {
  const auto response = upload_after_continue(gateway.port());
  ASSERT_EQ(response.status, 200) << response.raw;
  EXPECT_NE(response.body.find("\"body_bytes\":200000"), std::string::npos) << response.body;
  EXPECT_EQ(response.body.find("\"expect\""), std::string::npos) << "Expect is not forwarded";
}

TEST_F(ProxyBasics, ExpectContinueIsAnsweredWhenAFilterHoldsTheWholeBody) {
  // body_replace on requests reads the whole body before anything goes upstream: another path.
  Gateway holding(fill(kMinimalConfig, {{"backend", backend.address()}}) +
                  R"(filters = [{ name = "body_replace", request = [{ from = "e", to = "f" }] }])"
                  "\n");
  const auto response = upload_after_continue(holding.port());
  ASSERT_EQ(response.status, 200) << response.raw;
  EXPECT_NE(response.body.find("\"body_bytes\":200000"), std::string::npos) << response.body;
}

TEST_F(ProxyBasics, UnknownPathsGet404InTheErrorFormat) {
  Gateway narrow(fill(R"(
[server]
listen = ["127.0.0.1:{port}"]
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "backend"
targets = [{ address = "{backend}" }]
[[routes]]
name = "api"
match = { path_prefix = "/api" }
upstream = "backend"
)",
                      {{"backend", backend.address()}}));
  const auto result = http_get(narrow.port(), "/nothing-here");
  EXPECT_EQ(result.status, 404);
  EXPECT_EQ(result.headers["content-type"], "application/json");
  EXPECT_EQ(result.body,
            "{\"error\":{\"status\":404,\"code\":\"route_not_found\",\"message\":"
            "\"no route matches GET /nothing-here\",\"request_id\":\"" +
                result.headers["x-request-id"] + "\"}}");
}

}  // namespace
}  // namespace apigw::test
