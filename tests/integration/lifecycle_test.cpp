// Hot reload and graceful shutdown: config changes apply with zero failed requests, a bad config
// is refused while the old one keeps serving, and SIGTERM lets in-flight requests finish.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <future>
#include <thread>

#include "support/gateway.h"

namespace apigw::test {
namespace {

const std::string kConfig = R"(
[server]
listen = ["127.0.0.1:{port}"]
workers = 2
[server.timeouts]
drain = "10s"
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "backend"
targets = [{ address = "{backend}" }]
[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "backend"
)";

// Whether `backend` has received `request_line` ("GET /delay/1000"): the request is in flight.
bool has_received(const EchoBackend& backend, const std::string& request_line) {
  const auto lines = backend.received();
  return std::find(lines.begin(), lines.end(), request_line) != lines.end();
}

// True once a connect to 127.0.0.1:port is refused.
bool refuses_connections(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool refused = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0;
  ::close(fd);
  return refused;
}

TEST(Lifecycle, ReloadUnderLoadFailsNoRequest) {
  EchoBackend first("first");
  EchoBackend second("second");
  Gateway gateway(fill(kConfig, {{"backend", first.address()}}));
  // wrk keeps 16 connections busy while the config flips between two backends. The flips start
  // once its traffic arrives (starting wrk may take a while on a loaded machine) and take 3 of
  // its 4 seconds.
  auto load = std::async(std::launch::async, [&] {
    return run_command({"wrk", "-t1", "-c16", "-d4s", gateway.url("/")}, std::chrono::seconds(30));
  });
  ASSERT_TRUE(wait_until([&] { return !first.received().empty(); })) << "no load arrived";
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    gateway.write_config(fill(kConfig, {{"backend", (i % 2 ? first : second).address()}}));
    gateway.process().signal(SIGHUP);
  }
  const CommandResult wrk = load.get();
  ASSERT_EQ(wrk.exit_code, 0) << wrk.output;
  EXPECT_NE(wrk.output.find("requests in"), std::string::npos) << wrk.output;
  EXPECT_EQ(wrk.output.find("Non-2xx"), std::string::npos) << wrk.output;
  EXPECT_EQ(wrk.output.find("Socket errors"), std::string::npos) << wrk.output;
  EXPECT_FALSE(first.received().empty());
  EXPECT_FALSE(second.received().empty());
}

TEST(Lifecycle, FileChangeReloadsWithoutSignal) {
  EchoBackend first("first");
  EchoBackend second("second");
  Gateway gateway(fill(kConfig, {{"backend", first.address()}}));
  EXPECT_EQ(http_get(gateway.port(), "/").headers["x-echo-server"], "first");
  gateway.write_config(fill(kConfig, {{"backend", second.address()}}));
  ASSERT_TRUE(gateway.wait_for_metric("apigw_config_version 2"));
  EXPECT_EQ(http_get(gateway.port(), "/").headers["x-echo-server"], "second");
}

TEST(Lifecycle, InvalidConfigIsRefusedAndOldOneServes) {
  EchoBackend backend;
  Gateway gateway(fill(kConfig, {{"backend", backend.address()}}));
  gateway.write_config(fill(kConfig, {{"backend", backend.address()}}) +
                       "\n[[routes]]\nname = \"broken\"\nupstrem = \"backend\"\n");
  gateway.process().signal(SIGHUP);
  ASSERT_TRUE(gateway.wait_for_metric("apigw_config_reloads_total{result=\"failed\"} "));
  EXPECT_TRUE(wait_until([&] {
    return gateway.log().find("did you mean 'upstream'") != std::string::npos;
  })) << gateway.log();
  EXPECT_NE(gateway.log().find("apigw.toml:"), std::string::npos) << gateway.log();
  EXPECT_NE(gateway.metrics().find("apigw_config_version 1"), std::string::npos);
  EXPECT_EQ(http_get(gateway.port(), "/still-here").status, 200);
}

TEST(Lifecycle, SigtermFinishesInFlightRequestsThenExitsZero) {
  EchoBackend backend;
  Gateway gateway(fill(kConfig, {{"backend", backend.address()}}));
  RawConnection in_flight(gateway.port());
  ASSERT_TRUE(in_flight.send("GET /delay/2000 HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(wait_until([&] { return has_received(backend, "GET /delay/2000"); }));
  gateway.process().signal(SIGTERM);
  EXPECT_TRUE(wait_until([&] { return refuses_connections(gateway.port()); }))
      << "new connections are refused while draining";
  EXPECT_TRUE(gateway.process().running()) << "exited before the in-flight request finished";
  const auto response = in_flight.read_response(std::chrono::seconds(10));
  EXPECT_EQ(response.status, 200) << "the in-flight request completes: " << response.raw;
  EXPECT_EQ(gateway.process().wait(std::chrono::seconds(5)), 0);
}

TEST(Lifecycle, DrainDeadlineEndsStragglersAndIdleConnectionsCleanly) {
  EchoBackend backend;
  std::string config = fill(kConfig, {{"backend", backend.address()}});
  const std::string drain = "drain = \"10s\"";
  config.replace(config.find(drain), drain.size(), "drain = \"300ms\"");
  Gateway gateway(config);
  RawConnection idle(gateway.port());
  idle.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(idle.read_response().status, 200);
  RawConnection straggler(gateway.port());
  ASSERT_TRUE(straggler.send("GET /delay/5000 HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(wait_until([&] { return has_received(backend, "GET /delay/5000"); }))
      << "the straggler never reached the backend";
  gateway.process().signal(SIGTERM);
  // The idle keep-alive connection and the straggler are closed when the drain deadline passes
  // (before the idle connection's grace, ClientSession::kDrainIdleGrace, and well before the
  // straggler's 5 s answer). Under the sanitizers, a use-after-free or leak while
  // tearing them down fails the exit code.
  EXPECT_TRUE(idle.closed_by_peer(std::chrono::seconds(2)));
  EXPECT_EQ(gateway.process().wait(std::chrono::seconds(4)), 0);
  EXPECT_TRUE(straggler.closed_by_peer(std::chrono::seconds(1)));
  const std::string answered = straggler.read_until_close(std::chrono::milliseconds(100));
  EXPECT_EQ(answered.find("HTTP/1.1 200"), std::string::npos)
      << "the straggler was not cut at the drain deadline: " << answered;
}

TEST(Lifecycle, DrainAnswersTheNextRequestOfAnIdleConnectionWithClose) {
  // A keep-alive client may send its next request just as the drain begins: the connection is not
  // closed under it (that resets it and fails the request) but kept for a grace, the request
  // answered with Connection: close; a connection quiet for the whole grace is closed.
  EchoBackend backend;
  Gateway gateway(fill(kConfig, {{"backend", backend.address()}}));
  RawConnection idle(gateway.port());
  RawConnection quiet(gateway.port());
  for (RawConnection* connection : {&idle, &quiet}) {
    ASSERT_TRUE(connection->send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
    ASSERT_EQ(connection->read_response().status, 200);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // past the linger: idle
  gateway.process().signal(SIGTERM);
  ASSERT_TRUE(wait_until([&] { return refuses_connections(gateway.port()); }));
  ASSERT_TRUE(idle.send("GET /next HTTP/1.1\r\nHost: h\r\n\r\n"));
  const auto next = idle.read_response();
  EXPECT_EQ(next.status, 200) << next.raw;
  EXPECT_EQ(next.headers["connection"], "close") << next.raw;
  EXPECT_TRUE(idle.closed_by_peer(std::chrono::seconds(1)));
  EXPECT_TRUE(quiet.closed_by_peer(std::chrono::seconds(3)));
  EXPECT_EQ(gateway.process().wait(std::chrono::seconds(5)), 0);
}

}  // namespace
}  // namespace apigw::test
