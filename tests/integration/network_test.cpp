// Addresses and timeouts on the wire: IPv6 listeners and targets, DNS-named targets, connect
// timeouts against a peer that never completes the handshake, client body and idle timeouts, and
// the upstream keep-alive pool's idle timeout and cap.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "support/gateway.h"

namespace apigw::test {
namespace {

std::string config_for(const std::string& target, const std::string& upstream_extra = "",
                       const std::string& server_extra = "",
                       const std::string& match = R"({ path_prefix = "/" })") {
  return fill(
      R"(
[server]
listen = ["127.0.0.1:{port}", "[::1]:{port}"]
workers = 1
{server_extra}
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "backend"
targets = [{ address = "{target}" }]
{upstream_extra}
[[routes]]
name = "all"
match = {match}
upstream = "backend"
)",
      {{"target", target},
       {"upstream_extra", upstream_extra},
       {"server_extra", server_extra},
       {"match", match}});
}

// A listener whose accept queue is full and never drained: the kernel drops further SYNs, so a
// connect to it neither succeeds nor fails — exactly what a black-holed upstream looks like.
class BlackHoleListener {
 public:
  BlackHoleListener() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(listener_, 0);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    // One completed connection fills a zero-length accept queue.
    filler_ = ::socket(AF_INET, SOCK_STREAM, 0);
    ::connect(filler_, reinterpret_cast<sockaddr*>(&address), sizeof address);
  }
  ~BlackHoleListener() {
    ::close(filler_);
    ::close(listener_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int listener_ = -1;
  int filler_ = -1;
  int port_ = 0;
};

TEST(Network, Ipv6ListenerAndIpv6Target) {
  EchoBackend backend("v6", "::1");
  Gateway gateway(config_for(backend.address()));
  const auto result = curl({"-g", "http://[::1]:" + std::to_string(gateway.port()) + "/over-v6"});
  ASSERT_EQ(result.status, 200) << result.body;
  EXPECT_EQ(result.headers["x-echo-server"], "v6");
  EXPECT_NE(result.body.find("\"x-forwarded-for\":\"::1\""), std::string::npos) << result.body;
  // The IPv4 listener of the same config serves too.
  EXPECT_EQ(http_get(gateway.port(), "/over-v4").status, 200);
}

TEST(Network, RouteHostCanBeAnIpv6Literal) {
  EchoBackend backend;
  // Written long-hand in the config; clients send the short form in Host.
  Gateway gateway(
      config_for(backend.address(), "", "", R"({ host = "0:0:0:0:0:0:0:1", path_prefix = "/" })"));
  const auto over_v6 =
      curl({"-g", "http://[::1]:" + std::to_string(gateway.port()) + "/by-v6-host"});
  EXPECT_EQ(over_v6.status, 200) << over_v6.body;
  const auto over_v4 = http_get(gateway.port(), "/by-v4-host");
  EXPECT_EQ(over_v4.status, 404) << "Host 127.0.0.1 matches no route";
}

TEST(Network, DnsNamedTargetIsResolved) {
  EchoBackend backend("named");
  // "localhost" may resolve to ::1 first, where nothing listens: the next address is tried.
  Gateway gateway(
      config_for("localhost:" + std::to_string(backend.port()), "host_header = \"target\""));
  const auto result = http_get(gateway.port(), "/by-name");
  ASSERT_EQ(result.status, 200) << result.body;
  EXPECT_EQ(result.headers["x-echo-server"], "named");
  // host_header = "target" sends the target as configured, port included (RFC 9110 §7.2).
  EXPECT_NE(result.body.find("\"host\":\"localhost:" + std::to_string(backend.port()) + "\""),
            std::string::npos)
      << result.body;
}

TEST(Network, ConnectTimeoutIs504) {
  BlackHoleListener black_hole;
  Gateway gateway(config_for(black_hole.address(), "connect_timeout = \"300ms\""));
  const auto started = std::chrono::steady_clock::now();
  const auto result = http_get(gateway.port(), "/");
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(result.status, 504);
  EXPECT_NE(result.body.find("\"code\":\"upstream_connect_timeout\""), std::string::npos)
      << result.body;
  EXPECT_GE(waited, std::chrono::milliseconds(250)) << "answered before the connect timeout";
  EXPECT_LT(waited, std::chrono::seconds(5)) << "the connect timeout did not apply";
}

TEST(Network, StalledRequestBodyIs408) {
  EchoBackend backend;
  Gateway gateway(config_for(backend.address(), "", "[server.timeouts]\nbody_read = \"300ms\""));
  RawConnection connection(gateway.port());
  connection.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nonly ten b");
  const auto response = parse_response(connection.read_until_close(std::chrono::seconds(5)));
  EXPECT_EQ(response.status, 408);
  EXPECT_NE(response.body.find("\"code\":\"request_timeout\""), std::string::npos);
}

TEST(Network, IdleClientConnectionIsClosedAfterIdleTimeout) {
  EchoBackend backend;
  Gateway gateway(config_for(backend.address(), "", "[server.timeouts]\nidle = \"300ms\""));
  RawConnection connection(gateway.port());
  connection.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(connection.read_response().status, 200);
  // Still open well inside the timeout, closed after it.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  connection.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(connection.read_response().status, 200);
  const auto idle_start = std::chrono::steady_clock::now();
  EXPECT_TRUE(connection.closed_by_peer(std::chrono::seconds(3)));
  EXPECT_GE(std::chrono::steady_clock::now() - idle_start, std::chrono::milliseconds(250));
}

TEST(Network, KeepAliveConnectionServesRequestsAcrossLingerAndIdle) {
  // Right after a response a connection waits for the next request with a plain read (linger);
  // after 100 ms of quiet it goes idle (no buffer, no coroutine). Both must pick up the next
  // request, including one that arrives in pieces.
  EchoBackend backend;
  Gateway gateway(config_for(backend.address()));
  RawConnection connection(gateway.port());
  connection.send("GET /first HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(connection.read_response().status, 200);
  connection.send("GET /lingering HTTP/1.1\r\nHost: h\r\n\r\n");  // at once: still lingering
  EXPECT_EQ(connection.read_response().status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // now idle
  connection.send("GET /after-idle HTTP/1.1\r\nHo");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  connection.send("st: h\r\n\r\n");
  const auto response = connection.read_response();
  EXPECT_EQ(response.status, 200);
  EXPECT_NE(response.body.find("\"path\":\"/after-idle\""), std::string::npos) << response.body;
  EXPECT_EQ(backend.received(),
            (std::vector<std::string>{"GET /first", "GET /lingering", "GET /after-idle"}));
}

// Opens `connections` keep-alive connections to the gateway and sends a request on every one
// before reading any answer; after that each connection sends its next request as soon as its
// answer is read, while the worker is still busy with the others. Every answer must come, in
// order, on its own connection.
void serve_in_rounds(int port, int connections, int rounds) {
  auto path_of = [](int connection, int round) {
    return "/c" + std::to_string(connection) + "/r" + std::to_string(round);
  };
  auto request_for = [&](int connection, int round) {
    return "GET " + path_of(connection, round) + " HTTP/1.1\r\nHost: h\r\n\r\n";
  };
  std::vector<std::unique_ptr<RawConnection>> open;
  for (int i = 0; i < connections; ++i) {
    open.push_back(std::make_unique<RawConnection>(port));
    ASSERT_TRUE(open[i]->send(request_for(i, 0)));
  }
  for (int round = 0; round < rounds; ++round) {
    for (int i = 0; i < connections; ++i) {
      const auto response = open[i]->read_response(std::chrono::seconds(20));
      ASSERT_EQ(response.status, 200) << path_of(i, round) << ": " << response.body;
      ASSERT_NE(response.body.find("\"path\":\"" + path_of(i, round) + "\""), std::string::npos)
          << path_of(i, round) << ": " << response.body;
      if (round + 1 < rounds) {
        ASSERT_TRUE(open[i]->send(request_for(i, round + 1)));
      }
    }
  }
}

TEST(Network, ManyBusyKeepAliveConnectionsAreAllServed) {
  // More keep-alive connections than may linger at once (256 per worker), on one worker, opened
  // in a burst (accepted several at a time, each first request read on the spot): requests are
  // then read on the spot after passes of the busy worker's queue, connections past the linger
  // cap go idle when nothing has come, and every request must still be answered.
  EchoBackend backend;
  Gateway gateway(config_for(backend.address()));
  serve_in_rounds(gateway.port(), 400, 4);
  EXPECT_EQ(backend.received().size(), 1600u);
}

TEST(Network, BusyWorkerRetriesPooledConnectionsTheUpstreamClosed) {
  // The backend closes every connection after its second answer without saying so, as one whose
  // keep-alive limit hits does: pooled connections die while the worker is busy, and the read
  // that finds the end of stream (on the spot, after a pass of the queue) must lead to a retry on
  // a fresh connection, not to a 502. The dead connections never delivered a request, so the
  // backend sees each request once.
  EchoBackend backend("echo", "127.0.0.1", {"--close-after", "2"});
  Gateway gateway(config_for(backend.address()));
  serve_in_rounds(gateway.port(), 400, 4);
  EXPECT_EQ(backend.received().size(), 1600u);
}

TEST(Network, ManyConnectionsUnderSustainedLoadAreAllServed) {
  // The same under wrk's sustained load. wrk's timeout is above the run's length: this checks
  // answers and framing, not latency (CI machines are slow and shared).
  EchoBackend backend;
  Gateway gateway(config_for(backend.address()));
  const CommandResult wrk =
      run_command({"wrk", "-t1", "-c400", "-d2s", "--timeout", "20s", gateway.url("/")},
                  std::chrono::seconds(60));
  ASSERT_EQ(wrk.exit_code, 0) << wrk.output;
  EXPECT_NE(wrk.output.find(" requests in "), std::string::npos) << wrk.output;
  EXPECT_EQ(wrk.output.find("Non-2xx"), std::string::npos) << wrk.output;
  EXPECT_EQ(wrk.output.find("Socket errors"), std::string::npos) << wrk.output;
}

TEST(Network, UpstreamPoolReusesThenExpiresIdleConnections) {
  EchoBackend backend;
  Gateway gateway(
      config_for(backend.address(), "keepalive = { max_idle = 4, idle_timeout = \"300ms\" }"));
  // In-process requests: the second must come within the pool's 300 ms idle timeout, which
  // starting a curl process on a loaded machine can take on its own.
  const auto first = get_in_process(gateway.port(), "/");
  const auto second = get_in_process(gateway.port(), "/");
  ASSERT_FALSE(first.headers["x-echo-connection"].empty());
  EXPECT_EQ(first.headers["x-echo-connection"], second.headers["x-echo-connection"])
      << "a pooled connection is reused";
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  const auto third = get_in_process(gateway.port(), "/");
  EXPECT_NE(third.headers["x-echo-connection"], second.headers["x-echo-connection"])
      << "an idle pooled connection outlived the pool's idle timeout";
}

TEST(Network, UpstreamPoolWithoutIdleSlotsOpensAConnectionPerRequest) {
  EchoBackend backend;
  Gateway gateway(config_for(backend.address(), "keepalive = { max_idle = 0 }"));
  const auto first = http_get(gateway.port(), "/");
  const auto second = http_get(gateway.port(), "/");
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(second.status, 200);
  EXPECT_NE(first.headers["x-echo-connection"], second.headers["x-echo-connection"]);
}

}  // namespace
}  // namespace apigw::test
