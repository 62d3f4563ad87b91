// WebSocket through the gateway with real peers on both sides: Debian's python3-websockets as the
// backend and the client (tests/support/ws_peer.py), raw sockets where a real client would never
// break the rules. Covers what docs/websocket.md promises: messages of every kind relayed as they
// are (fragments, pings, permessage-deflate), close codes both ways, filters on the upgrade
// request, the route's limits (max_message_size, idle_timeout, ping_interval, max_connections,
// max_duration), masking, tunnels kept across reloads and closed when their route goes, graceful
// shutdown, and the stats the admin API and /metrics report.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <thread>

#include "support/admin_client.h"
#include "support/gateway.h"
#include "support/http_client.h"
#include "support/script_backend.h"
#include "support/test_certificates.h"

namespace apigw::test {
namespace {

using namespace std::chrono_literals;

const std::string kPeer = std::string(APIGW_SOURCE_DIR) + "/tests/support/ws_peer.py";

// A python3-websockets echo server (ws_peer.py serve) that logs every connection it opens and
// how it closed.
class WsBackend : public ScriptBackend {
 public:
  explicit WsBackend(std::vector<std::string> options = {})
      : ScriptBackend("ws_peer.py", prepend("serve", std::move(options))) {}

 private:
  static std::vector<std::string> prepend(std::string mode, std::vector<std::string> options) {
    options.insert(options.begin(), std::move(mode));
    return options;
  }
};

// One route "chat" to the backend; `route_extra` goes into the route (e.g. a [routes.websocket]
// table), `server_extra` into [server].
std::string ws_config(const WsBackend& backend, const std::string& route_extra = "",
                      const std::string& server_extra = "") {
  return R"(
[server]
workers = 1
)" + server_extra +
         R"(
[[server.listeners]]
address = "127.0.0.1:{port}"
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "chat"
targets = [{ address = ")" +
         backend.address() + R"(" }]
[[routes]]
name = "chat"
match = { path_prefix = "/" }
upstream = "chat"
)" + route_extra;
}

// Runs ws_peer.py's client with `steps`; returns its lines.
std::vector<std::string> ws_client(const Gateway& gateway, const std::string& path,
                                   const std::vector<std::string>& steps,
                                   const std::vector<std::string>& options = {},
                                   const std::string& scheme = "ws") {
  std::vector<std::string> argv{"/usr/bin/python3", kPeer, "client"};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back(scheme + "://127.0.0.1:" + std::to_string(gateway.port()) + path);
  argv.insert(argv.end(), steps.begin(), steps.end());
  const CommandResult result = run_command(argv, 60s);
  std::vector<std::string> lines;
  std::string line;
  for (const char c : result.output) {
    if (c == '\n') {
      lines.push_back(line);
      line.clear();
    } else {
      line.push_back(c);
    }
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

// ws_peer.py hold: `count` connections kept open until `trigger` exists, then each is asked
// whether it is still alive.
class Holder {
 public:
  Holder(const Gateway& gateway, int count, const std::string& path = "/hold")
      : trigger_(dir_.path() + "/go") {
    process_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/python3", kPeer, "hold",
                                 "ws://127.0.0.1:" + std::to_string(gateway.port()) + path,
                                 "--count", std::to_string(count), "--trigger", trigger_},
        dir_.path() + "/hold.log");
    opened_ = wait_until([&] { return saw("opened " + std::to_string(count)); }, 60s);
  }
  bool opened() const { return opened_; }
  // Asks every connection; returns the report ("alive N", "closed CODE N" lines).
  std::string check() {
    std::ofstream(trigger_) << "go";
    process_->wait(60s);
    return process_->log();
  }
  bool saw(const std::string& text) const {
    return process_->log().find(text) != std::string::npos;
  }
  std::string log() const { return process_->log(); }

 private:
  TempDir dir_;
  std::string trigger_;
  std::unique_ptr<Process> process_;
  bool opened_ = false;
};

std::string admin_get(const Gateway& gateway, const std::string& path) {
  return http_get(gateway.admin_port(), path).body;
}

constexpr const char* kUpgradeHead =
    "GET /raw HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

TEST(WebSocket, MessagesOfEveryKindGoBothWaysAsSent) {
  WsBackend backend({"--subprotocol"});
  Gateway gateway(ws_config(backend));
  const auto lines = ws_client(gateway, "/chat?room=1",
                               {"send:hello", "recv", "sendbin:70000", "recv", "sendfrag:5", "recv",
                                "send:fragments:4", "recv", "ping:are-you-there", "close:1000"},
                               {"--subprotocol", "chat.v1"});
  const std::vector<std::string> expected = {"open chat.v1 -",
                                             "recv text hello",
                                             "recv binary 70000 True",
                                             "recv text frag0;frag1;frag2;frag3;frag4;",
                                             "recv text part0;part1;part2;part3;",
                                             "pong",
                                             "closed 1000"};
  EXPECT_EQ(lines, expected) << joined(lines) << backend.log();
  EXPECT_TRUE(backend.saw("open /chat?room=1 chat.v1")) << backend.log();
  EXPECT_TRUE(wait_until([&] { return backend.saw("closed /chat?room=1 1000"); }, 5s))
      << backend.log();
}

TEST(WebSocket, TheUpgradeRequestGoesThroughTheRoutesFiltersAndIsLogged) {
  WsBackend backend;
  Gateway gateway(ws_config(
      backend, R"(filters = [{ name = "headers", request_set = { "x-gateway" = "apigw" } }]
)",
      "[server.access_log]\nenabled = true\npath = \"{dir}/access.log\"\n"));
  const auto lines = ws_client(gateway, "/h", {"send:headers", "recv"});
  // The upgrade's access-log line is written when the 101 goes out.
  EXPECT_TRUE(wait_until(
      [&] {
        std::ifstream log(gateway.dir() + "/access.log");
        const std::string text((std::istreambuf_iterator<char>(log)), {});
        return text.find("\"url.path\":\"/h\",\"url.query\":\"\",\"http.response.status_code\":101") != std::string::npos;
      },
      5s));
  ASSERT_EQ(lines.size(), 2u) << joined(lines);
  EXPECT_NE(lines[1].find("\"x-gateway\": \"apigw\""), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("\"x-forwarded-for\": \"127.0.0.1\""), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("\"sec-websocket-key\""), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("\"upgrade\": \"websocket\""), std::string::npos) << lines[1];
}

TEST(WebSocket, AFilterThatRefusesTheUpgradeKeepsTheBackendOutOfIt) {
  WsBackend backend;
  Gateway gateway(ws_config(backend, R"(filters = [{ name = "ip_restriction", deny = ["127.0.0.1/32"] }]
)"));
  EXPECT_EQ(ws_client(gateway, "/chat", {}), std::vector<std::string>{"refused 403"});
  EXPECT_FALSE(backend.saw("open")) << backend.log();
}

TEST(WebSocket, CloseCodesPassBothWays) {
  WsBackend backend;
  Gateway gateway(ws_config(backend));
  EXPECT_EQ(ws_client(gateway, "/a", {"close:4000"}),
            (std::vector<std::string>{"open - -", "closed 4000"}));
  EXPECT_TRUE(wait_until([&] { return backend.saw("closed /a 4000"); }, 5s)) << backend.log();
  EXPECT_EQ(ws_client(gateway, "/b", {"send:close:4001", "wait-close:5"}),
            (std::vector<std::string>{"open - -", "closed 4001"}));
  const std::string metrics = gateway.metrics();
  EXPECT_NE(metrics.find(R"(apigw_websocket_closes_total{route="chat",reason="client_close"} 1)"),
            std::string::npos)
      << metrics;
  EXPECT_NE(
      metrics.find(R"(apigw_websocket_closes_total{route="chat",reason="upstream_close"} 1)"),
      std::string::npos)
      << metrics;
}

TEST(WebSocket, AnswersOtherThan101AreRelayedAsResponses) {
  WsBackend backend;
  Gateway gateway(ws_config(backend));
  EXPECT_EQ(ws_client(gateway, "/refuse", {}), std::vector<std::string>{"refused 403"});
  // A route that does not allow WebSocket sends the request without its Upgrade: the backend
  // (a WebSocket server) then answers 426 itself.
  WsBackend plain;
  Gateway closed(ws_config(plain, "websocket = false\n"));
  EXPECT_EQ(ws_client(closed, "/chat", {}), std::vector<std::string>{"refused 426"});
  EXPECT_FALSE(plain.saw("open")) << plain.log();
}

TEST(WebSocket, MalformedUpgradesAreRefusedByTheGateway) {
  WsBackend backend;
  Gateway gateway(ws_config(backend));
  const HttpResponse no_key = parse_response(raw_exchange(
      gateway.port(),
      "GET /x HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Version: 13\r\nConnection: close\r\n\r\n"));
  EXPECT_EQ(no_key.status, 400) << no_key.raw;
  EXPECT_NE(no_key.body.find("invalid_websocket_upgrade"), std::string::npos) << no_key.body;
  const HttpResponse old_version = parse_response(raw_exchange(
      gateway.port(),
      "GET /x HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade, close\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n"));
  EXPECT_EQ(old_version.status, 426) << old_version.raw;
  EXPECT_EQ(old_version.headers["sec-websocket-version"], "13") << old_version.raw;
  EXPECT_FALSE(backend.saw("open")) << backend.log();
}

TEST(WebSocket, FramesTheBackendSendsRightAfterThe101AreNotLost) {
  WsBackend backend({"--greet"});
  Gateway gateway(ws_config(backend));
  EXPECT_EQ(ws_client(gateway, "/g", {"recv"}),
            (std::vector<std::string>{"open - -", "recv text hello"}));
}

TEST(WebSocket, PermessageDeflateNegotiatedEndToEndIsRelayedUntouched) {
  WsBackend backend({"--deflate"});
  Gateway gateway(ws_config(backend, "[routes.websocket]\nmax_message_size = 4096\n"));
  const auto lines =
      ws_client(gateway, "/z", {"send:big:100000", "recv", "sendbig:50000", "recv"}, {"--deflate"});
  ASSERT_EQ(lines.size(), 3u) << joined(lines);
  EXPECT_NE(lines[0].find("permessage-deflate"), std::string::npos) << lines[0];
  // Compressed, 100,000 repeated bytes are far under the limit: the limit counts wire bytes.
  EXPECT_EQ(lines[1], "recv text text(100000)");
  EXPECT_EQ(lines[2], "recv text text(50000)");
}

TEST(WebSocket, AMessageOverMaxMessageSizeClosesWith1009) {
  WsBackend backend;
  Gateway gateway(ws_config(backend, "[routes.websocket]\nmax_message_size = 1000\n"));
  EXPECT_EQ(ws_client(gateway, "/m", {"sendbig:900", "recv", "sendbig:1001", "recv"}),
            (std::vector<std::string>{"open - -", "recv text text(900)", "closed 1009"}));
  EXPECT_TRUE(wait_until([&] { return backend.saw("closed /m 1001"); }, 5s)) << backend.log();
  EXPECT_NE(gateway.metrics().find(
                R"(apigw_websocket_closes_total{route="chat",reason="message_too_big"} 1)"),
            std::string::npos);
}

TEST(WebSocket, AnUnmaskedClientFrameClosesWith1002) {
  WsBackend backend;
  Gateway gateway(ws_config(backend));
  // A text frame "hi" without a mask, right behind the upgrade request.
  const std::string raw = raw_exchange(gateway.port(), std::string(kUpgradeHead) + "\x81\x02hi");
  ASSERT_EQ(raw.rfind("HTTP/1.1 101 ", 0), 0u) << raw;
  const std::size_t body = raw.find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos);
  EXPECT_EQ(raw.substr(body + 4), std::string("\x88\x02\x03\xea", 4))
      << "a close frame with 1002, then the end";
  EXPECT_TRUE(wait_until([&] { return backend.saw("closed /raw 1001"); }, 5s)) << backend.log();
  const std::string stats = admin_get(gateway, "/admin/websocket/stats");
  EXPECT_NE(stats.find("\"protocol_error\":1"), std::string::npos) << stats;
}

TEST(WebSocket, AnIdleTunnelIsClosedWith1001BothWays) {
  WsBackend backend;
  Gateway gateway(ws_config(backend, "[routes.websocket]\nidle_timeout = \"1s\"\n"));
  EXPECT_EQ(ws_client(gateway, "/idle", {"send:x", "recv", "wait-close:10"}),
            (std::vector<std::string>{"open - -", "recv text x", "closed 1001"}));
  EXPECT_TRUE(wait_until([&] { return backend.saw("closed /idle 1001"); }, 5s)) << backend.log();
  EXPECT_NE(
      gateway.metrics().find(R"(apigw_websocket_closes_total{route="chat",reason="idle_timeout"} 1)"),
      std::string::npos);
}

TEST(WebSocket, PingsKeepALiveClientAndFindADeadOne) {
  WsBackend backend;
  Gateway gateway(ws_config(backend, "[routes.websocket]\nping_interval = \"300ms\"\n"));
  // python3-websockets answers pings by itself: silent for 2 s, it is still there.
  EXPECT_EQ(ws_client(gateway, "/alive", {"sleep:2", "send:still", "recv", "close:1000"}),
            (std::vector<std::string>{"open - -", "recv text still", "closed 1000"}));
  // A client that never reads again does not answer: closed after two intervals, the backend told.
  const std::string raw = raw_exchange(gateway.port(), kUpgradeHead, 5s);
  EXPECT_NE(raw.find("\x89\x00", 0, 2), std::string::npos) << "the gateway's ping";
  EXPECT_TRUE(wait_until([&] { return backend.saw("closed /raw 1001"); }, 5s)) << backend.log();
  EXPECT_TRUE(gateway.wait_for_metric(
      R"(apigw_websocket_closes_total{route="chat",reason="ping_timeout"} 1)"));
}

TEST(WebSocket, MaxConnectionsRefusesTheNextUpgradeWith503) {
  WsBackend backend;
  Gateway gateway(ws_config(backend, "[routes.websocket]\nmax_connections = 2\n"));
  Holder two(gateway, 2);
  ASSERT_TRUE(two.opened()) << two.log();
  EXPECT_EQ(ws_client(gateway, "/third", {}), std::vector<std::string>{"refused 503"});
  EXPECT_EQ(two.check(), "opened 2\nalive 2\n");
  // The slots come back when tunnels end.
  EXPECT_TRUE(wait_until(
      [&] {
        const auto lines = ws_client(gateway, "/later", {"close:1000"});
        return !lines.empty() && lines.back() == "closed 1000";
      },
      5s));
}

TEST(WebSocket, MaxDurationEndsATunnelThatIsStillBusy) {
  WsBackend backend;
  Gateway gateway(ws_config(backend, "[routes.websocket]\nmax_duration = \"1s\"\n"));
  EXPECT_EQ(ws_client(gateway, "/d",
                      {"send:a", "recv", "sleep:0.5", "send:b", "recv", "wait-close:5"}),
            (std::vector<std::string>{"open - -", "recv text a", "recv text b", "closed 1001"}));
  EXPECT_TRUE(gateway.wait_for_metric(
      R"(apigw_websocket_closes_total{route="chat",reason="max_duration"} 1)"));
}

TEST(WebSocket, FiveHundredTunnelsOutliveReloadsThatKeepTheirRoute) {
  WsBackend backend;
  Gateway gateway(ws_config(backend));
  Holder tunnels(gateway, 500);
  ASSERT_TRUE(tunnels.opened()) << tunnels.log();
  // A reload through the file (SIGHUP) that adds a route and changes this one's limits.
  gateway.write_config(ws_config(backend, R"([routes.websocket]
idle_timeout = "5m"
[[routes]]
name = "other"
match = { path_prefix = "/other" }
upstream = "chat"
)"));
  gateway.process().signal(SIGHUP);
  ASSERT_TRUE(gateway.wait_for_metric("apigw_config_version 2")) << gateway.log();
  EXPECT_TRUE(gateway.wait_for_metric(R"(apigw_websocket_connections{route="chat"} 500)"));
  EXPECT_EQ(tunnels.check(), "opened 500\nalive 500\n");
}

TEST(WebSocket, TunnelsOfADeletedRouteAreClosedWith1001AfterTheGrace) {
  WsBackend backend;
  const std::string grace = "[server.timeouts]\nwebsocket_route_grace = \"500ms\"\n";
  Gateway gateway(ws_config(backend, "", grace));
  Holder tunnels(gateway, 20);
  ASSERT_TRUE(tunnels.opened()) << tunnels.log();
  // The route is renamed: "chat" is gone (a new route serves new connections).
  std::string renamed = ws_config(backend, "", grace);
  renamed.replace(renamed.find("name = \"chat\"\nmatch"), 13, "name = \"talk\"");
  gateway.write_config(renamed);
  gateway.process().signal(SIGHUP);
  ASSERT_TRUE(gateway.wait_for_metric("apigw_config_version 2")) << gateway.log();
  EXPECT_TRUE(gateway.wait_for_metric(
      R"(apigw_websocket_closes_total{route="chat",reason="route_deleted"} 20)", 10s))
      << gateway.metrics();
  EXPECT_EQ(tunnels.check(), "opened 20\nalive 0\nclosed 1001 20\n");
  EXPECT_EQ(ws_client(gateway, "/new", {"close:1000"}),
            (std::vector<std::string>{"open - -", "closed 1000"}));
}

TEST(WebSocket, AServiceRouteTakesTheUpstreamFromThePath) {
  WsBackend backend;
  Gateway gateway(R"(
[server]
workers = 1
[[server.listeners]]
address = "127.0.0.1:{port}"
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "chat"
tags = ["realtime"]
targets = [{ address = ")" + backend.address() + R"(" }]
[[routes]]
name = "ws"
match = { path_template = "/ws/{service}/{*path}" }
upstream = "{service}"
services = { tag = "realtime" }
rewrite = { template = "/{path}" }
)");
  EXPECT_EQ(ws_client(gateway, "/ws/chat/room/7", {"send:hi", "recv", "close:1000"}),
            (std::vector<std::string>{"open - -", "recv text hi", "closed 1000"}));
  EXPECT_TRUE(backend.saw("open /room/7 -")) << backend.log();
  EXPECT_EQ(ws_client(gateway, "/ws/billing/x", {}), std::vector<std::string>{"refused 404"});
}

TEST(WebSocket, WssThroughATlsListener) {
  WsBackend backend;
  TempDir dir;
  const TestCertificates certs = make_test_certificates(dir.path());
  std::string config = ws_config(backend);
  config.replace(config.find("[admin]"), 0,
                 "[server.listeners.tls]\n" +
                     listener_certificate_toml({certs.cert_file, certs.key_file}));
  Gateway gateway(config);
  EXPECT_EQ(ws_client(gateway, "/secure", {"send:over tls", "recv", "sendbig:100000", "recv",
                                           "close:1000"},
                      {"--cafile", certs.ca_file}, "wss"),
            (std::vector<std::string>{"open - -", "recv text over tls", "recv text text(100000)",
                                      "closed 1000"}));
  EXPECT_TRUE(wait_until([&] { return backend.saw("closed /secure 1000"); }, 5s)) << backend.log();
  // Over TLS too the tunnel reads the peers' last words after its own close_notify: an orderly
  // close, not an error.
  EXPECT_TRUE(gateway.wait_for_metric(
      R"(apigw_websocket_closes_total{route="chat",reason="client_close"} 1)"))
      << gateway.metrics();
}

TEST(WebSocket, AnInvalidUpgradeWithABodyEndsTheConnection) {
  WsBackend backend;
  Gateway gateway(ws_config(backend));
  // A POST asking for an upgrade, its body shaped like a second request: answered 400, and the
  // body is never read as one.
  const std::string raw = raw_exchange(
      gateway.port(),
      "POST /x HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
      "Content-Length: 28\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n\r\n");
  const auto responses = parse_responses(raw);
  ASSERT_EQ(responses.size(), 1u) << raw;
  EXPECT_EQ(responses[0].status, 400);
  EXPECT_FALSE(backend.saw("smuggled")) << backend.log();
}

// A raw client: the handshake, then frames written exactly as a test splits them.
class RawWebSocket {
 public:
  explicit RawWebSocket(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return;
    send(kUpgradeHead);
    std::string head;
    while (head.find("\r\n\r\n") == std::string::npos) {
      char c;
      if (::recv(fd_, &c, 1, 0) != 1) return;
      head.push_back(c);
    }
    open_ = head.rfind("HTTP/1.1 101 ", 0) == 0;
  }
  ~RawWebSocket() { ::close(fd_); }
  bool open() const { return open_; }
  void send(std::string_view bytes) { ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }
  // Reads exactly `size` bytes (empty on timeout or close).
  std::string receive(std::size_t size) {
    std::string out(size, '\0');
    for (std::size_t got = 0; got < size;) {
      const ssize_t n = ::recv(fd_, out.data() + got, size - got, 0);
      if (n <= 0) return {};
      got += static_cast<std::size_t>(n);
    }
    return out;
  }

 private:
  int fd_ = -1;
  bool open_ = false;
};

// A client text frame: FIN, masked with the key 1,2,3,4.
std::string masked_text(std::string_view text) {
  std::string frame = {'\x81', static_cast<char>(0x80 | text.size()), 1, 2, 3, 4};
  for (std::size_t i = 0; i < text.size(); ++i) frame.push_back(static_cast<char>(text[i] ^ (1 + i % 4)));
  return frame;
}

TEST(WebSocket, FramesSplitAnyWayArriveWhole) {
  WsBackend backend;
  Gateway gateway(ws_config(backend));
  RawWebSocket client(gateway.port());
  ASSERT_TRUE(client.open());
  // One frame a byte at a time: the gateway holds each partial header until it is whole.
  const std::string hello = masked_text("hello");
  for (const char byte : hello) {
    client.send(std::string(1, byte));
    std::this_thread::sleep_for(15ms);
  }
  EXPECT_EQ(client.receive(7), std::string("\x81\x05hello", 7));
  // Two frames in one write, and a third cut inside its header.
  const std::string two = masked_text("one") + masked_text("two") + masked_text("three");
  client.send(two.substr(0, two.size() - 9));
  std::this_thread::sleep_for(50ms);
  client.send(two.substr(two.size() - 9));
  EXPECT_EQ(client.receive(5 + 5 + 7), std::string("\x81\x03one\x81\x03two\x81\x05three", 17));
}

TEST(WebSocket, AReloadAppliesTheRoutesNewLimitsToOpenTunnels) {
  WsBackend backend;
  Gateway gateway(ws_config(backend));
  RawWebSocket client(gateway.port());
  ASSERT_TRUE(client.open());
  const std::string message(120, 'm');
  client.send(masked_text(message));
  EXPECT_EQ(client.receive(122), "\x81\x78" + message) << "within the default limit";
  gateway.write_config(ws_config(backend, "[routes.websocket]\nmax_message_size = 100\n"));
  gateway.process().signal(SIGHUP);
  ASSERT_TRUE(gateway.wait_for_metric("apigw_config_version 2")) << gateway.log();
  // The open tunnel now refuses what it relayed before: 1009 to the client.
  client.send(masked_text(message));
  EXPECT_EQ(client.receive(4), std::string("\x88\x02\x03\xf1", 4));
}

TEST(WebSocket, AdminApiChangesKeepTunnelsAndADeletedRouteClosesThem) {
  WsBackend backend;
  Gateway gateway(
      sqlite_config("[server.timeouts]\nwebsocket_route_grace = \"500ms\"\n"));
  ASSERT_TRUE(add_upstream_and_route(gateway, "chat", backend.address(), "chat", "/"));
  Holder kept(gateway, 20);
  ASSERT_TRUE(kept.opened()) << kept.log();
  // A change of the route's own limits and an unrelated write: both keep the tunnels.
  EXPECT_EQ(admin_call(gateway, "PATCH", "/admin/routes/chat",
                       R"({"websocket":{"idle_timeout":"5m","max_message_size":"1MiB"}})")
                .status,
            200);
  ASSERT_TRUE(add_upstream_and_route(gateway, "other", backend.address(), "other", "/other"));
  EXPECT_EQ(kept.check(), "opened 20\nalive 20\n");

  Holder doomed(gateway, 10);
  ASSERT_TRUE(doomed.opened()) << doomed.log();
  EXPECT_EQ(admin_call(gateway, "DELETE", "/admin/routes/chat").status, 204);
  EXPECT_TRUE(gateway.wait_for_metric(
      R"(apigw_websocket_closes_total{route="chat",reason="route_deleted"} 10)", 10s))
      << gateway.metrics();
  EXPECT_EQ(doomed.check(), "opened 10\nalive 0\nclosed 1001 10\n");
}

TEST(WebSocket, StatsAndServicesShowOpenTunnels) {
  WsBackend backend;
  Gateway gateway(ws_config(backend));
  ws_client(gateway, "/s", {"send:one", "recv", "send:two", "recv", "close:1000"});
  Holder three(gateway, 3);
  ASSERT_TRUE(three.opened()) << three.log();
  const std::string stats = admin_get(gateway, "/admin/websocket/stats");
  for (const std::string_view field :
       {"\"totals\":{\"active\":3,\"opened_total\":4,\"closed_total\":1,",
        "\"routes\":{\"chat\":{\"active\":3,", "\"messages_in\":2,\"messages_out\":2,",
        "\"client_close\":1", "\"duration_seconds\":{\"count\":1,"}) {
    EXPECT_NE(stats.find(field), std::string::npos) << field << " in " << stats;
  }
  // A tunnel is a connection in flight to its target: least_connections sees it.
  const std::string status = admin_get(gateway, "/admin/status/upstreams/chat");
  EXPECT_NE(status.find("\"in_flight\":3,"), std::string::npos) << status;
  const std::string services = admin_get(gateway, "/admin/services");
  EXPECT_NE(services.find("{\"name\":\"chat\",\"protocol\":\"http1\",\"routes\":[\"chat\"]"),
            std::string::npos)
      << services;
  EXPECT_NE(services.find("\"status\":\"healthy\",\"backup\":false,\"active_http\":0,"
                          "\"active_websocket\":3}"),
            std::string::npos)
      << services;
  EXPECT_EQ(three.check(), "opened 3\nalive 3\n");
}

// Tunnelled bytes count in apigw_upstream_bytes_total as they go to and come from the target:
// 70,000 bytes each way (the client's frame masked), besides the upgrade's request and 101.
TEST(WebSocket, TunnelledBytesCountInTheUpstreamsBytes) {
  WsBackend backend;
  Gateway gateway(ws_config(backend));
  const auto lines = ws_client(gateway, "/bytes", {"sendbin:70000", "recv", "close:1000"});
  ASSERT_EQ(joined(lines), "open - -\nrecv binary 70000 True\nclosed 1000\n");
  const double sent = gateway.metric(R"(apigw_upstream_bytes_total{upstream="chat",direction="sent"})");
  const double received =
      gateway.metric(R"(apigw_upstream_bytes_total{upstream="chat",direction="received"})");
  EXPECT_GT(sent, 70000 + 14) << gateway.metrics();
  EXPECT_LT(sent, 70000 + 2000);
  EXPECT_GT(received, 70000 + 10);
  EXPECT_LT(received, 70000 + 2000);
}

TEST(WebSocket, ShutdownClosesTunnelsWith1001AfterTheDrain) {
  WsBackend backend;
  Gateway gateway(ws_config(backend, "", "[server.timeouts]\ndrain = \"1s\"\n"));
  Holder tunnels(gateway, 5);
  ASSERT_TRUE(tunnels.opened()) << tunnels.log();
  gateway.process().signal(SIGTERM);
  EXPECT_TRUE(wait_until([&] { return backend.log().find("closed /hold 1001") != std::string::npos; },
                         10s))
      << backend.log();
  EXPECT_EQ(gateway.process().wait(10s), 0) << gateway.log();
  EXPECT_EQ(tunnels.check(), "opened 5\nalive 0\nclosed 1001 5\n");
}

}  // namespace
}  // namespace apigw::test
