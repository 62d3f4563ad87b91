// The opening handshake on heads parsed from text as the HTTP/1 parser reads them: RFC 6455's own
// example, what makes a request an upgrade or a bad one, and which answers accept it.
#include "ws/handshake.h"

#include <gtest/gtest.h>

#include <string>

#include "http/parser.h"

namespace apigw::ws {
namespace {

http::RequestHead request(const std::string& text) {
  static std::string keep;  // the head's views point into it
  keep = text;
  http::RequestHead head;
  const http::ParseResult parsed = http::parse_request_head(keep, http::HeadLimits{}, head);
  EXPECT_EQ(parsed.status, http::ParseStatus::complete) << text;
  return head;
}

http::ResponseHead response(const std::string& text) {
  static std::string keep;
  keep = text;
  http::ResponseHead head;
  const http::ParseResult parsed =
      http::parse_response_head(keep, http::HeadLimits{}, http::Method::get, head);
  EXPECT_EQ(parsed.status, http::ParseStatus::complete) << text;
  return head;
}

constexpr const char* kKey = "dGhlIHNhbXBsZSBub25jZQ==";  // RFC 6455 §1.3

std::string upgrade_request(const std::string& method = "GET", const std::string& extra = "",
                            const std::string& key = kKey, const std::string& version = "13") {
  return method +
         " /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n"
         "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: " +
         key + "\r\nSec-WebSocket-Version: " + version + "\r\n" + extra + "\r\n";
}

TEST(WsHandshake, TheRfcExample) {
  EXPECT_EQ(accept_key(kKey), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  const http::RequestHead head = request(upgrade_request());
  EXPECT_EQ(check_upgrade(head), Upgrade::valid);
  EXPECT_EQ(upgrade_key(head), kKey);
  EXPECT_TRUE(accepts(response("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                               "Connection: Upgrade\r\n"
                               "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"),
                      kKey));
}

TEST(WsHandshake, OrdinaryRequestsAreNoUpgrade) {
  EXPECT_EQ(check_upgrade(request("GET / HTTP/1.1\r\nHost: a\r\n\r\n")), Upgrade::none);
  EXPECT_EQ(check_upgrade(request("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n")),
            Upgrade::none)
      << "Upgrade without Connection: upgrade";
  EXPECT_EQ(check_upgrade(request("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\n"
                                  "Connection: Upgrade\r\n\r\n")),
            Upgrade::none)
      << "another protocol";
}

TEST(WsHandshake, MalformedUpgradesAreRefused) {
  EXPECT_EQ(check_upgrade(request(upgrade_request("POST", "Content-Length: 0\r\n"))),
            Upgrade::bad_request);
  EXPECT_EQ(check_upgrade(request(upgrade_request("GET", "", "short=="))), Upgrade::bad_request);
  EXPECT_EQ(check_upgrade(request(upgrade_request("GET", "", "dGhlIHNhbXBsZSBub25jZR=="))),
            Upgrade::bad_request)
      << "22nd character carries bits past 16 bytes";
  EXPECT_EQ(check_upgrade(request(upgrade_request("GET", "", "dGhlIHNhbXBsZSBub25j*Q=="))),
            Upgrade::bad_request);
  EXPECT_EQ(check_upgrade(request(
                upgrade_request("GET", "Sec-WebSocket-Key: " + std::string(kKey) + "\r\n"))),
            Upgrade::bad_request)
      << "two keys";
  EXPECT_EQ(check_upgrade(request(upgrade_request("GET", "Content-Length: 5\r\n"))),
            Upgrade::bad_request)
      << "a body";
  EXPECT_EQ(check_upgrade(request(upgrade_request("GET", "", kKey, "8"))), Upgrade::bad_version);
  EXPECT_EQ(check_upgrade(request("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
                                  "Connection: Upgrade\r\nSec-WebSocket-Key: " +
                                  std::string(kKey) + "\r\n\r\n")),
            Upgrade::bad_request)
      << "no version at all";
  EXPECT_EQ(check_upgrade(request(upgrade_request("GET", "Content-Length: 0\r\n"))), Upgrade::valid)
      << "an empty body is no body";
  EXPECT_EQ(check_upgrade(request("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\n"
                                  "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                  "Sec-WebSocket-Key: " +
                                  std::string(kKey) + "\r\nSec-WebSocket-Version: 13\r\n\r\n")),
            Upgrade::valid)
      << "websocket in a second Upgrade field";
}

TEST(WsHandshake, OnlyAMatching101Accepts) {
  const std::string accept = "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n";
  const std::string upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\n";
  EXPECT_FALSE(accepts(
      response("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n" + upgrade + accept + "\r\n"), kKey));
  EXPECT_FALSE(accepts(response("HTTP/1.1 101 Switching Protocols\r\n" + upgrade +
                                "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n"),
                       kKey));
  EXPECT_FALSE(accepts(
      response("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n" + accept + "\r\n"),
      kKey))
      << "no Upgrade: websocket";
  EXPECT_FALSE(accepts(response("HTTP/1.1 101 Switching Protocols\r\n" + upgrade + "\r\n"), kKey))
      << "no accept key";
}

TEST(WsHandshake, DeflateIsSeenInAnyExtensionListPosition) {
  const std::string head = "HTTP/1.1 101 Switching Protocols\r\n";
  EXPECT_FALSE(negotiated_deflate(response(head + "\r\n")));
  EXPECT_TRUE(negotiated_deflate(
      response(head + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n")));
  EXPECT_TRUE(negotiated_deflate(response(
      head + "sec-websocket-extensions: x-other, Permessage-Deflate ; client_max_window_bits=10\r\n"
             "\r\n")));
  EXPECT_FALSE(negotiated_deflate(
      response(head + "Sec-WebSocket-Extensions: permessage-deflated; x=1\r\n\r\n")));
  EXPECT_FALSE(negotiated_deflate(
      response(head + "X-Note: permessage-deflate\r\n\r\n")))
      << "only the extensions field counts";
}

}  // namespace
}  // namespace apigw::ws
