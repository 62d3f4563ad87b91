// Who the client is: the peer, or behind [server] trusted_proxies the rightmost untrusted
// X-Forwarded-For hop — as ip_restriction, the access log and the upstream see it.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "support/gateway.h"

namespace apigw::test {
namespace {

std::string restricted_config(const std::string& backend, const std::string& server_extra,
                              const std::string& log_path) {
  return R"(
[server]
listen = ["127.0.0.1:{port}"]
workers = 1
)" + server_extra +
         R"(
[server.access_log]
enabled = true
path = ")" +
         log_path +
         R"("

[admin]
listen = "127.0.0.1:{admin_port}"

[[upstreams]]
name = "b"
targets = [{ address = ")" +
         backend + R"(" }]

[[routes]]
name = "office"
match = { path_prefix = "/office" }
upstream = "b"
filters = [{ name = "ip_restriction", allow = ["10.0.0.0/8", "2001:db8::/32"], deny = ["10.6.6.0/24"] }]

[[routes]]
name = "open"
match = { path_prefix = "/" }
upstream = "b"
filters = [{ name = "ip_restriction", deny = ["192.0.2.0/24"] }]
)";
}

std::vector<std::string> read_lines(const std::string& path, std::size_t expected) {
  std::vector<std::string> lines;
  for (int attempt = 0; attempt < 100 && lines.size() < expected; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    lines.clear();
    std::ifstream file(path);
    for (std::string line; std::getline(file, line);) lines.push_back(line);
  }
  return lines;
}

TEST(ClientAddress, WithoutTrustedProxiesTheClientIsThePeer) {
  EchoBackend backend;
  TempDir dir;
  Gateway gateway(restricted_config(backend.address(), "", dir.path() + "/access.log"));
  const auto refused = http_get(gateway.port(), "/office/a", {"-H", "X-Forwarded-For: 10.1.2.3"});
  EXPECT_EQ(refused.status, 403) << "127.0.0.1 is not in the allow list; XFF is not believed";
  EXPECT_NE(refused.body.find("\"code\":\"forbidden\""), std::string::npos) << refused.body;
  EXPECT_TRUE(backend.received().empty());
  EXPECT_EQ(http_get(gateway.port(), "/anything").status, 200);
}

TEST(ClientAddress, BehindATrustedProxyTheRightmostUntrustedHopIsTheClient) {
  EchoBackend backend;
  TempDir dir;
  const std::string log = dir.path() + "/access.log";
  Gateway gateway(restricted_config(
      backend.address(), "trusted_proxies = [\"127.0.0.1/32\", \"172.16.0.0/12\"]", log));
  const auto allowed = http_get(gateway.port(), "/office/a",
                                {"-H", "X-Forwarded-For: 192.0.2.9, 10.1.2.3, 172.16.0.5"});
  EXPECT_EQ(allowed.status, 200) << "10.1.2.3 is the client; the spoofable left entry is not";
  EXPECT_NE(allowed.body.find("\"x-forwarded-for\":\"192.0.2.9, 10.1.2.3, 172.16.0.5, 127.0.0.1\""),
            std::string::npos)
      << "the upstream gets the whole chain plus the hop we saw: " << allowed.body;
  EXPECT_EQ(http_get(gateway.port(), "/office/a", {"-H", "X-Forwarded-For: 10.6.6.1"}).status, 403)
      << "denied block";
  EXPECT_EQ(http_get(gateway.port(), "/office/a", {"-H", "X-Forwarded-For: 2001:db8::7"}).status,
            200)
      << "IPv6 client";
  EXPECT_EQ(http_get(gateway.port(), "/x", {"-H", "X-Forwarded-For: 192.0.2.1"}).status, 403);
  const auto lines = read_lines(log, 4);
  ASSERT_GE(lines.size(), 1u);
  EXPECT_NE(lines[0].find("\"client.address\":\"10.1.2.3\""), std::string::npos) << lines[0];
}

TEST(ClientAddress, OnAProxyProtocolListenerTheHeaderNamesTheClient) {
  EchoBackend backend;
  TempDir dir;
  const std::string log = dir.path() + "/access.log";
  Gateway gateway(
      restricted_config(backend.address(), R"(proxy_protocol = ["127.0.0.1:{port}"])", log));
  const std::string request = "GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
  const auto v1 = parse_response(
      raw_exchange(gateway.port(), "PROXY TCP4 10.1.2.3 10.0.0.1 5555 80\r\n" + request));
  EXPECT_EQ(v1.status, 200);
  EXPECT_NE(v1.body.find("\"x-forwarded-for\":\"10.1.2.3\""), std::string::npos) << v1.body;

  // v2: signature, version 2 / PROXY, TCP over IPv4, 12 address bytes.
  std::string v2("\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c", 16);
  v2 += std::string(
      "\x0a\x06\x06\x01"
      "\x0a\x00\x00\x01"
      "\x15\xb3"
      "\x00\x50",
      12);
  EXPECT_EQ(parse_response(raw_exchange(gateway.port(), v2 + "GET /office/a HTTP/1.1\r\nHost: a\r\n"
                                                             "Connection: close\r\n\r\n"))
                .status,
            403)
      << "10.6.6.1 from the v2 header is in the denied block";

  EXPECT_EQ(raw_exchange(gateway.port(), request), "")
      << "no PROXY header: closed without an answer";
  const auto lines = read_lines(log, 2);
  ASSERT_GE(lines.size(), 1u);
  EXPECT_NE(lines[0].find("\"client.address\":\"10.1.2.3\""), std::string::npos) << lines[0];
}

TEST(ClientAddress, InvalidTrustedProxiesAreRefusedAtLoad) {
  TempDir dir;
  const std::string path =
      dir.write("bad.toml", "[server]\ntrusted_proxies = [\"10.0.0.1/8\", \"nonsense\"]\n");
  Process check({APIGW_BINARY, "check", "-c", path}, dir.path() + "/stderr");
  EXPECT_EQ(check.wait(std::chrono::seconds(10)), 1);
  EXPECT_NE(check.log().find("invalid address block '10.0.0.1/8'"), std::string::npos)
      << check.log();
  EXPECT_NE(check.log().find("invalid address block 'nonsense'"), std::string::npos) << check.log();
}

}  // namespace
}  // namespace apigw::test
