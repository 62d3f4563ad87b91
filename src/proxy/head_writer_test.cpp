// The heads the proxy writes: the upstream request head, the client response head and the
// gateway's own replies. Inputs are parsed from real message text (string literals, so the views
// in the parsed heads stay valid) and the output is compared byte for byte.
#include "proxy/head_writer.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "http/parser.h"

namespace apigw::proxy {
namespace {

UpstreamRequestInfo basic_info() {
  UpstreamRequestInfo info;
  info.path_and_query = "/users?id=7";
  info.host = "backend:9001";
  info.original_host = "api.example.com";
  info.client_ip = "10.0.0.1";
  info.request_id = "rid-1";
  return info;
}

// Parses `raw` (a string literal: the head's views point into it) and writes the upstream head.
std::string upstream_head(std::string_view raw, const UpstreamRequestInfo& info) {
  http::RequestHead head;
  const http::ParseResult result = http::parse_request_head(raw, {}, head);
  EXPECT_EQ(result.status, http::ParseStatus::complete) << result.error.message;
  std::string out;
  write_upstream_request_head(head, info, out);
  return out;
}

std::string client_head(std::string_view raw, const ClientResponseInfo& info,
                        http::Method method = http::Method::get) {
  http::ResponseHead head;
  const http::ParseResult result = http::parse_response_head(raw, {}, method, head);
  EXPECT_EQ(result.status, http::ParseStatus::complete) << result.error.message;
  std::string out;
  write_client_response_head(head, info, out);
  return out;
}

// How many header lines of `head` are named `name` (case-insensitive).
int count_header(std::string_view head, std::string_view name) {
  int count = 0;
  std::size_t pos = head.find("\r\n");  // skip the start line
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    const std::size_t begin = pos + 2;
    const std::size_t end = head.find("\r\n", begin);
    const std::string_view line = head.substr(begin, end - begin);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && http::iequals(line.substr(0, colon), name)) ++count;
    pos = end;
  }
  return count;
}

// ---- upstream request head ----

TEST(UpstreamRequestHead, RewritesTheTargetSetsHostAndAddsForwardingHeaders) {
  const std::string out = upstream_head(
      "GET /api/users?id=7 HTTP/1.1\r\n"
      "Host: api.example.com\r\n"
      "Accept: */*\r\n"
      "User-Agent: t/1\r\n"
      "\r\n",
      basic_info());
  EXPECT_EQ(out,
            "GET /users?id=7 HTTP/1.1\r\n"
            "Host: backend:9001\r\n"
            "Accept: */*\r\n"
            "User-Agent: t/1\r\n"
            "X-Forwarded-For: 10.0.0.1\r\n"
            "X-Forwarded-Proto: http\r\n"
            "X-Forwarded-Host: api.example.com\r\n"
            "X-Request-Id: rid-1\r\n"
            "\r\n");
}

TEST(UpstreamRequestHead, DropsHopByHopHeadersAndThoseNamedInConnection) {
  UpstreamRequestInfo info = basic_info();
  info.path_and_query = "/p";
  info.original_host = "h";
  const std::string out = upstream_head(
      "POST /p HTTP/1.1\r\n"
      "Host: h\r\n"
      "Connection: keep-alive, X-Secret\r\n"
      "Keep-Alive: timeout=5\r\n"
      "x-secret: s\r\n"
      "TE: trailers\r\n"
      "Upgrade: websocket\r\n"
      "Proxy-Authorization: Basic eDp5\r\n"
      "Proxy-Connection: keep-alive\r\n"
      "Trailer: X-Sum\r\n"
      "X-Keep: yes\r\n"
      "Content-Length: 5\r\n"
      "Expect: 100-continue\r\n"
      "\r\n",
      info);
  EXPECT_EQ(out,
            "POST /p HTTP/1.1\r\n"
            "Host: backend:9001\r\n"
            "X-Keep: yes\r\n"
            "X-Forwarded-For: 10.0.0.1\r\n"
            "X-Forwarded-Proto: http\r\n"
            "X-Forwarded-Host: h\r\n"
            "X-Request-Id: rid-1\r\n"
            "Content-Length: 5\r\n"
            "\r\n");
}

TEST(UpstreamRequestHead, AppendsToAnExistingXForwardedFor) {
  const std::string out = upstream_head(
      "GET / HTTP/1.1\r\n"
      "Host: api.example.com\r\n"
      "x-forwarded-for: 203.0.113.5, 198.51.100.2\r\n"
      "\r\n",
      basic_info());
  EXPECT_NE(out.find("\r\nX-Forwarded-For: 203.0.113.5, 198.51.100.2, 10.0.0.1\r\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(count_header(out, "x-forwarded-for"), 1) << out;
}

TEST(UpstreamRequestHead, JoinsRepeatedXForwardedForInOrder) {
  const std::string out = upstream_head(
      "GET / HTTP/1.1\r\n"
      "Host: api.example.com\r\n"
      "X-Forwarded-For: 203.0.113.5\r\n"
      "X-Other: 1\r\n"
      "x-forwarded-for: 198.51.100.2, 192.0.2.7\r\n"
      "\r\n",
      basic_info());
  EXPECT_NE(out.find("\r\nX-Forwarded-For: 203.0.113.5, 198.51.100.2, 192.0.2.7, 10.0.0.1\r\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(count_header(out, "x-forwarded-for"), 1) << out;
}

TEST(UpstreamRequestHead, ReplacesClientForwardedProtoAndHost) {
  UpstreamRequestInfo info = basic_info();
  info.proto = "https";
  const std::string out = upstream_head(
      "GET / HTTP/1.1\r\n"
      "Host: api.example.com\r\n"
      "X-Forwarded-Proto: gopher\r\n"
      "X-Forwarded-Host: spoofed.example\r\n"
      "\r\n",
      info);
  EXPECT_NE(out.find("\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: api.example.com\r\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(count_header(out, "x-forwarded-proto") + count_header(out, "x-forwarded-host"), 2);
}

TEST(UpstreamRequestHead, ClientRequestIdIsPassedOnOnce) {
  UpstreamRequestInfo info = basic_info();
  info.request_id = "client-abc";  // the session adopts the client's id
  const std::string out = upstream_head(
      "GET / HTTP/1.1\r\n"
      "Host: api.example.com\r\n"
      "x-request-id: client-abc\r\n"
      "\r\n",
      info);
  EXPECT_NE(out.find("\r\nX-Request-Id: client-abc\r\n"), std::string::npos) << out;
  EXPECT_EQ(count_header(out, "x-request-id"), 1) << out;
}

TEST(UpstreamRequestHead, GatewayRequestIdReplacesAnUnusableClientOne) {
  UpstreamRequestInfo info = basic_info();
  info.request_id = "0123456789abcdef0123456789abcdef";
  const std::string out = upstream_head(
      "GET / HTTP/1.1\r\n"
      "Host: api.example.com\r\n"
      "X-Request-Id: bad id with spaces\r\n"
      "\r\n",
      info);
  EXPECT_NE(out.find("\r\nX-Request-Id: 0123456789abcdef0123456789abcdef\r\n"), std::string::npos)
      << out;
  EXPECT_EQ(out.find("bad id"), std::string::npos) << out;
  EXPECT_EQ(count_header(out, "x-request-id"), 1) << out;
}

TEST(UpstreamRequestHead, Http10RequestStaysHttp10AndAsksForKeepAlive) {
  UpstreamRequestInfo info = basic_info();
  info.path_and_query = "/old";
  info.host = "10.0.0.5:8080";
  info.original_host = "";  // no Host from the client: no X-Forwarded-Host
  info.client_ip = "1.2.3.4";
  info.request_id = "r";
  const std::string out = upstream_head("GET /old HTTP/1.0\r\n\r\n", info);
  EXPECT_EQ(out,
            "GET /old HTTP/1.0\r\n"
            "Host: 10.0.0.5:8080\r\n"
            "X-Forwarded-For: 1.2.3.4\r\n"
            "X-Forwarded-Proto: http\r\n"
            "X-Request-Id: r\r\n"
            "Connection: keep-alive\r\n"
            "\r\n");
}

TEST(UpstreamRequestHead, ChunkedFramingIsReEmittedLast) {
  const std::string out = upstream_head(
      "POST /upload HTTP/1.1\r\n"
      "Host: api.example.com\r\n"
      "Transfer-Encoding: chunked\r\n"
      "Content-Type: text/plain\r\n"
      "\r\n",
      basic_info());
  EXPECT_EQ(count_header(out, "transfer-encoding"), 1) << out;
  EXPECT_EQ(count_header(out, "content-length"), 0) << out;
  EXPECT_TRUE(out.ends_with("X-Request-Id: rid-1\r\nTransfer-Encoding: chunked\r\n\r\n")) << out;
}

TEST(UpstreamRequestHead, Http2BodyEndingWithTheStreamGoesChunked) {
  // An HTTP/2 request without content-length: its body ends with END_STREAM (stream_end), which
  // an HTTP/1.1 upstream can only be told with chunked framing.
  http::RequestHead head;
  ASSERT_EQ(
      http::parse_request_head("PUT /upload HTTP/1.1\r\nHost: api.example.com\r\n\r\n", {}, head)
          .status,
      http::ParseStatus::complete);
  head.protocol = http::Protocol::http2;
  head.framing = http::BodyFraming::stream_end;
  std::string out;
  write_upstream_request_head(head, basic_info(), out);
  EXPECT_TRUE(out.starts_with("PUT /users?id=7 HTTP/1.1\r\n")) << out;
  EXPECT_TRUE(out.ends_with("X-Request-Id: rid-1\r\nTransfer-Encoding: chunked\r\n\r\n")) << out;
  EXPECT_EQ(count_header(out, "content-length"), 0) << out;
}

TEST(UpstreamRequestHead, HeaderEditsReplaceAndRemove) {
  pipeline::HeaderEdits edits;
  edits.set.push_back({"X-Env", "prod"});
  edits.set.push_back({"Accept", "application/json"});
  edits.remove.push_back("x-debug");
  UpstreamRequestInfo info = basic_info();
  info.edits = &edits;
  const std::string out = upstream_head(
      "GET /api/users?id=7 HTTP/1.1\r\n"
      "Host: api.example.com\r\n"
      "accept: text/html\r\n"
      "X-Debug: 1\r\n"
      "X-Other: o\r\n"
      "\r\n",
      info);
  EXPECT_EQ(out,
            "GET /users?id=7 HTTP/1.1\r\n"
            "Host: backend:9001\r\n"
            "X-Other: o\r\n"
            "X-Forwarded-For: 10.0.0.1\r\n"
            "X-Forwarded-Proto: http\r\n"
            "X-Forwarded-Host: api.example.com\r\n"
            "X-Request-Id: rid-1\r\n"
            "X-Env: prod\r\n"
            "Accept: application/json\r\n"
            "\r\n");
}

// ---- client response head ----

constexpr std::string_view kUpstreamOk =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 5\r\n"
    "Connection: keep-alive, X-Internal\r\n"
    "Keep-Alive: timeout=5\r\n"
    "X-Internal: secret\r\n"
    "Server: up\r\n"
    "\r\n";

TEST(ClientResponseHead, KeepAliveHttp11DropsHopByHopAndAddsRequestId) {
  const std::string out = client_head(kUpstreamOk, {.keep_alive = true, .request_id = "rid"});
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/plain\r\n"
            "Server: up\r\n"
            "X-Request-Id: rid\r\n"
            "Content-Length: 5\r\n"
            "\r\n");
}

TEST(ClientResponseHead, CloseSaysSoForBothVersions) {
  const std::string out = client_head(kUpstreamOk, {.keep_alive = false, .request_id = "rid"});
  EXPECT_TRUE(out.ends_with("Content-Length: 5\r\nConnection: close\r\n\r\n")) << out;
  EXPECT_EQ(count_header(out, "connection"), 1) << out;
  const std::string out10 =
      client_head(kUpstreamOk, {.keep_alive = false, .client_http10 = true, .request_id = "rid"});
  EXPECT_TRUE(out10.starts_with("HTTP/1.0 200 OK\r\n")) << out10;
  EXPECT_TRUE(out10.ends_with("\r\nConnection: close\r\n\r\n")) << out10;
  EXPECT_EQ(out10.find("keep-alive"), std::string::npos) << out10;
}

TEST(ClientResponseHead, Http10ClientGetsHttp10AndExplicitKeepAlive) {
  const std::string out =
      client_head(kUpstreamOk, {.keep_alive = true, .client_http10 = true, .request_id = "rid"});
  EXPECT_EQ(out,
            "HTTP/1.0 200 OK\r\n"
            "Content-Type: text/plain\r\n"
            "Server: up\r\n"
            "X-Request-Id: rid\r\n"
            "Content-Length: 5\r\n"
            "Connection: keep-alive\r\n"
            "\r\n");
}

TEST(ClientResponseHead, UpstreamRequestIdIsKeptAndNotDuplicated) {
  const std::string out =
      client_head("HTTP/1.1 201 Created\r\nx-request-id: up-1\r\nContent-Length: 0\r\n\r\n",
                  {.request_id = "rid"});
  EXPECT_EQ(out,
            "HTTP/1.1 201 Created\r\n"
            "x-request-id: up-1\r\n"
            "Content-Length: 0\r\n"
            "\r\n");
}

TEST(ClientResponseHead, StatusLineReasonAndNothingAddedWithoutRequestId) {
  EXPECT_TRUE(client_head("HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n", {})
                  .starts_with("HTTP/1.1 404 Not Found\r\n"));
  EXPECT_TRUE(client_head("HTTP/1.1 200 Fine Thanks\r\nContent-Length: 0\r\n\r\n", {})
                  .starts_with("HTTP/1.1 200 Fine Thanks\r\n"));
  // No request id to add and no body: nothing but the status line.
  EXPECT_EQ(client_head("HTTP/1.1 204 No Content\r\n\r\n", {}), "HTTP/1.1 204 No Content\r\n\r\n");
}

TEST(ClientResponseHead, BodylessResponsesPassContentLengthUnchanged) {
  const std::string not_modified =
      client_head("HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Length: 42\r\n\r\n",
                  {.request_id = "r"});
  EXPECT_EQ(not_modified,
            "HTTP/1.1 304 Not Modified\r\n"
            "ETag: \"v1\"\r\n"
            "Content-Length: 42\r\n"
            "X-Request-Id: r\r\n"
            "\r\n");
  const std::string head_reply = client_head("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n",
                                             {.request_id = "r"}, http::Method::head);
  EXPECT_EQ(head_reply, "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nX-Request-Id: r\r\n\r\n");
}

TEST(ClientResponseHead, ChunkedResponseFramingIsReEmittedOnce) {
  const std::string out = client_head(
      "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nContent-Type: application/json\r\n\r\n",
      {.request_id = "r"});
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: application/json\r\n"
            "X-Request-Id: r\r\n"
            "Transfer-Encoding: chunked\r\n"
            "\r\n");
}

TEST(ClientResponseHead, BodyUntilCloseHasNoFramingHeaders) {
  const std::string out =
      client_head("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n", {.keep_alive = false});
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n");
}

TEST(ClientResponseHead, HeaderEditsReplaceAndRemove) {
  pipeline::HeaderEdits edits;
  edits.set.push_back({"Cache-Control", "no-store"});
  edits.remove.push_back("server");
  const std::string out = client_head(
      "HTTP/1.1 200 OK\r\n"
      "Server: up\r\n"
      "cache-control: max-age=60\r\n"
      "Vary: Accept\r\n"
      "Content-Length: 2\r\n"
      "\r\n",
      {.request_id = "r", .edits = &edits});
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\n"
            "Vary: Accept\r\n"
            "X-Request-Id: r\r\n"
            "Cache-Control: no-store\r\n"
            "Content-Length: 2\r\n"
            "\r\n");
}

// ---- local replies ----

// A reply as the tests below write it: an error, or a reply with a body of its own.
std::string local_reply(const pipeline::LocalReply& reply, std::string_view request_id,
                        bool keep_alive, std::string_view date = "",
                        const pipeline::HeaderEdits* edits = nullptr, bool head = false) {
  std::string out;
  LocalReplyInfo info;
  info.request_id = request_id;
  info.date = date;
  info.keep_alive = keep_alive;
  info.head_request = head;
  info.edits = edits;
  write_local_reply(reply, info, out);
  return out;
}

pipeline::LocalReply error_reply(int status, std::string code, std::string message,
                                 std::vector<pipeline::HeaderSet> headers = {}) {
  auto reply = pipeline::LocalReply::error(status, std::move(code), std::move(message));
  reply.headers = std::move(headers);
  return reply;
}

TEST(LocalReply, ExactBytesWithDateRequestIdAndExtraHeaders) {
  EXPECT_EQ(
      local_reply(error_reply(429, "rate_limited", "slow down", {{"Retry-After", "3"}}), "rid-9",
                  true, "Sun, 06 Nov 1994 08:49:37 GMT"),
      "HTTP/1.1 429 Too Many Requests\r\n"
      "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
      "Content-Type: application/json\r\n"
      "Retry-After: 3\r\n"
      "Content-Length: 89\r\n"
      "X-Request-Id: rid-9\r\n"
      "\r\n"
      R"({"error":{"status":429,"code":"rate_limited","message":"slow down","request_id":"rid-9"}})");
}

TEST(LocalReply, CloseEscapedMessageAndNoRequestId) {
  EXPECT_EQ(
      local_reply(error_reply(502, "bad_gateway", "upstream said \"no\"\n"), "", false),
      "HTTP/1.1 502 Bad Gateway\r\n"
      "Content-Type: application/json\r\n"
      "Content-Length: 100\r\n"
      "Connection: close\r\n"
      "\r\n"
      R"({"error":{"status":502,"code":"bad_gateway","message":"upstream said \"no\"\u000a","request_id":""}})");
}

TEST(LocalReply, ContentLengthMatchesTheBodyAndUnknownStatusesGetAReason) {
  EXPECT_TRUE(
      local_reply(error_reply(599, "x", "y"), "", true).starts_with("HTTP/1.1 599 Unknown\r\n"));
  const std::string out = local_reply(
      error_reply(404, "route_not_found", "no route for \xc3\xa9t\xc3\xa9"), "abc", true);
  const std::size_t end = out.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos);
  const std::string body = out.substr(end + 4);
  EXPECT_NE(out.find("\r\nContent-Length: " + std::to_string(body.size()) + "\r\n"),
            std::string::npos)
      << out;
  EXPECT_TRUE(body.starts_with(R"({"error":{"status":404,"code":"route_not_found",)")) << body;
  EXPECT_TRUE(body.ends_with(R"(,"request_id":"abc"}})")) << body;
  EXPECT_EQ(count_header(out.substr(0, end + 2), "connection"), 0) << out;
}

TEST(LocalReply, OwnBodyResponsePhaseEditsAndHead) {
  pipeline::LocalReply reply;
  reply.status = 200;
  reply.body = "hello";
  reply.content_type = "text/plain";
  reply.headers = {{"Server", "backend"}, {"X-Keep", "1"}};
  pipeline::HeaderEdits edits;
  edits.remove.push_back("server");
  edits.set.push_back({"Access-Control-Allow-Origin", "https://a.example"});
  edits.add.push_back({"Vary", "Origin"});
  const std::string out = local_reply(reply, "r1", true, "", &edits);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/plain\r\n"
            "X-Keep: 1\r\n"
            "Content-Length: 5\r\n"
            "X-Request-Id: r1\r\n"
            "Access-Control-Allow-Origin: https://a.example\r\n"
            "Vary: Origin\r\n"
            "\r\n"
            "hello");
  const std::string head_only = local_reply(reply, "r1", true, "", nullptr, /*head=*/true);
  EXPECT_TRUE(head_only.ends_with("Content-Length: 5\r\nX-Request-Id: r1\r\n\r\n")) << head_only;
}

TEST(LocalReply, NoContentHasNeitherBodyNorLength) {
  pipeline::LocalReply reply;
  reply.status = 204;
  reply.body = "ignored";
  const std::string out = local_reply(reply, "", true);
  EXPECT_EQ(out, "HTTP/1.1 204 No Content\r\n\r\n");
}

}  // namespace
}  // namespace apigw::proxy

namespace apigw::proxy {
namespace {

// ---- WebSocket upgrades ----

TEST(UpstreamRequestHead, AWebSocketUpgradeAsksForItAgainAndPassesItsFields) {
  UpstreamRequestInfo info = basic_info();
  info.websocket_upgrade = true;
  const std::string out = upstream_head(
      "GET /chat HTTP/1.1\r\n"
      "Host: api.example.com\r\n"
      "Upgrade: websocket\r\n"
      "Connection: keep-alive, Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n"
      "Sec-WebSocket-Protocol: chat.v1\r\n"
      "Sec-WebSocket-Extensions: permessage-deflate\r\n"
      "\r\n",
      info);
  EXPECT_EQ(count_header(out, "connection"), 1) << out;
  EXPECT_EQ(count_header(out, "upgrade"), 1) << out;
  EXPECT_NE(out.find("\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"), std::string::npos)
      << out;
  for (const char* field : {"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
                            "Sec-WebSocket-Version: 13\r\n", "Sec-WebSocket-Protocol: chat.v1\r\n",
                            "Sec-WebSocket-Extensions: permessage-deflate\r\n"}) {
    EXPECT_NE(out.find(field), std::string::npos) << field << out;
  }
  info.websocket_upgrade = false;
  const std::string plain = upstream_head(
      "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", info);
  EXPECT_EQ(count_header(plain, "upgrade"), 0) << "hop-by-hop unless upgrading: " << plain;
}

TEST(ClientResponseHead, A101ForAWebSocketKeepsTheUpgradeAndHasNoFraming) {
  ClientResponseInfo info;
  info.websocket_upgrade = true;
  info.request_id = "rid-9";
  const std::string out = client_head(
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
      "Sec-WebSocket-Protocol: chat.v1\r\n"
      "\r\n",
      info);
  EXPECT_EQ(out,
            "HTTP/1.1 101 Switching Protocols\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
            "Sec-WebSocket-Protocol: chat.v1\r\n"
            "X-Request-Id: rid-9\r\n"
            "Connection: Upgrade\r\n"
            "Upgrade: websocket\r\n"
            "\r\n");
}

}  // namespace
}  // namespace apigw::proxy
