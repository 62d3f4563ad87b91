// Slow and hostile clients (docs/reliability.md, "Slow and hostile clients"): each timeout of
// [server.timeouts] ends the connection that stalls in its phase, however the client trickles,
// and connections beyond max_connections wait in the kernel's backlog without disturbing the
// connections already served. Timeouts are short (1 s) so that the tests run fast; the upper
// bounds are generous (+1 s) for loaded CI machines.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "support/gateway.h"

namespace apigw::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

// One worker in front of `backend`, with `server_extra` (timeouts, limits) in [server].
std::string config_for(const EchoBackend& backend, const std::string& server_extra) {
  return pool_config(targets_toml({backend.address()}), "", "", 1, server_extra);
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Sends `piece` every `every` until the peer closes or `limit` passes; returns when it stopped.
// A trickle re-arms a naive per-read timer with every piece.
Clock::time_point trickle(RawConnection& connection, const std::string& piece, milliseconds every,
                          seconds limit) {
  const auto give_up = Clock::now() + limit;
  while (Clock::now() < give_up) {
    if (!connection.send(piece)) break;
    if (connection.closed_by_peer(every)) break;
  }
  return Clock::now();
}

TEST(SlowClients, HeadTrickleIsCutAtHeaderReadCountedFromItsFirstByte) {
  EchoBackend backend;
  Gateway gateway(config_for(backend, "[server.timeouts]\nheader_read = \"1s\"\nidle = \"10s\""));
  RawConnection connection(gateway.port());
  // A first request, then a quiet second on the keep-alive connection: the quiet time is idle,
  // not head time, so it must not shorten the next head's allowance.
  connection.send("GET /first HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(connection.read_response().status, 200);
  std::this_thread::sleep_for(milliseconds(1500));
  const auto start = Clock::now();
  connection.send("GET /slow HTTP/1.1\r\nHost: h\r\n");
  // The response, if any, is read by closed_by_peer inside trickle.
  const auto stopped = trickle(connection, "X-a: b\r\n", milliseconds(200), seconds(6));
  const double lived = std::chrono::duration<double>(stopped - start).count();
  EXPECT_GE(lived, 0.8) << "the head timeout counted time before the head's first byte";
  EXPECT_LT(lived, 2.0) << "header_read is 1s: each header line must not re-arm it";
  EXPECT_EQ(backend.received(), std::vector<std::string>{"GET /first"});
}

TEST(SlowClients, BodyTrickleIsCutByTheBodyMinimumRate) {
  // Every piece comes well within body_read (1 s), so only the rate floor can end it: 25 bytes/s
  // against 100 bytes/s allows 1 s + received/100, cut at about 1.3 s.
  EchoBackend backend;
  Gateway gateway(config_for(
      backend, "[server.timeouts]\nbody_read = \"1s\"\nbody_min_rate = 100\nidle = \"10s\""));
  RawConnection connection(gateway.port());
  const auto start = Clock::now();
  connection.send("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n");
  std::string received;
  const auto give_up = start + seconds(6);
  while (Clock::now() < give_up && connection.send("xxxxx")) {
    received = connection.read_until_close(milliseconds(200));
    if (!received.empty()) break;
  }
  const double lived = seconds_since(start);
  EXPECT_EQ(parse_response(received).status, 408) << received;
  EXPECT_GE(lived, 0.9);
  EXPECT_LT(lived, 2.4) << "allowed: body_read 1s + 33 bytes at 100 bytes/s, + 1 s";
  EXPECT_TRUE(connection.closed_by_peer(seconds(2)));
}

TEST(SlowClients, BodyAboveTheMinimumRateMayTakeLongerThanBodyRead) {
  // 1,500 bytes/s for 2 s: slower than one body_read as a whole, faster than the floor.
  EchoBackend backend;
  Gateway gateway(config_for(
      backend, "[server.timeouts]\nbody_read = \"1s\"\nbody_min_rate = 100\nidle = \"10s\""));
  RawConnection connection(gateway.port());
  const std::string piece(300, 'y');
  connection.send("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3000\r\n\r\n");
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(milliseconds(200));
    ASSERT_TRUE(connection.send(piece)) << "cut after " << i << " pieces";
  }
  const auto response = connection.read_response();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body.size(), 3000u);
}

// A client socket with a small receive buffer that never reads what arrives.
class NonReadingClient {
 public:
  explicit NonReadingClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    const int small = 4096;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~NonReadingClient() { ::close(fd_); }
  bool send(std::string_view bytes) {
    return connected_ && ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
                             static_cast<ssize_t>(bytes.size());
  }
  // Whether the peer reset or closed the connection within `timeout`, seen without reading
  // (a reset is an error on the socket; a FIN would sit behind the unread bytes).
  bool dropped_within(milliseconds timeout) {
    pollfd watch{fd_, POLLRDHUP, 0};
    if (::poll(&watch, 1, static_cast<int>(timeout.count())) <= 0) return false;
    return (watch.revents & (POLLERR | POLLHUP | POLLRDHUP)) != 0;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

TEST(SlowClients, ClientThatNeverReadsIsDroppedAtTheWriteTimeout) {
  // 64 MiB cannot fit in the sockets' buffers: the gateway's write stalls at once, and body_read
  // (which also bounds each write to the client) must end the connection. It is reset, so the
  // kernel frees what the client never read, and the client sees the reset without reading.
  EchoBackend backend;
  Gateway gateway(config_for(backend, "[server.timeouts]\nbody_read = \"1s\"\nidle = \"10s\""));
  NonReadingClient client(gateway.port());
  const auto start = Clock::now();
  ASSERT_TRUE(client.send("GET /bytes/67108864 HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_TRUE(client.dropped_within(seconds(6))) << "still open after 6 s";
  const double lived = seconds_since(start);
  EXPECT_GE(lived, 0.9);
  EXPECT_LT(lived, 2.0) << "body_read is 1s";
  EXPECT_TRUE(gateway.wait_for_metric("\napigw_active_connections 0\n", seconds(2)));
}

// CPU seconds (user + system) the process has used so far.
double cpu_seconds(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  long ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stol(field);
  }
  return static_cast<double>(ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

TEST(SlowClients, FloodBeyondMaxConnectionsWaitsInTheBacklog) {
  EchoBackend backend;
  Gateway gateway(config_for(
      backend, "[server.limits]\nmax_connections = 20\n[server.timeouts]\nidle = \"30s\""));
  RawConnection served(gateway.port());
  ASSERT_TRUE(served.send("GET /before HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_EQ(served.read_response().status, 200);

  // 19 more fill the worker's 20 slots; the other 81 complete their handshake in the kernel and
  // wait in the listen backlog. The last one asks for something, which must wait for a slot.
  std::vector<std::unique_ptr<RawConnection>> flood;
  for (int i = 0; i < 100; ++i) flood.push_back(std::make_unique<RawConnection>(gateway.port()));
  ASSERT_TRUE(gateway.wait_for_metric("\napigw_active_connections 20\n"));
  const std::unique_ptr<RawConnection> waiting = std::move(flood.back());
  flood.pop_back();
  ASSERT_TRUE(waiting->send("GET /waiting HTTP/1.1\r\nHost: h\r\n\r\n"));

  // The connection already served goes on being served, and the paused accept loop costs
  // next to no CPU (it checks for a free slot every 10 ms).
  const double cpu_before = cpu_seconds(gateway.process().pid());
  const auto start = Clock::now();
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(served.send("GET /during HTTP/1.1\r\nHost: h\r\n\r\n"));
    ASSERT_EQ(served.read_response(seconds(2)).status, 200) << "request " << i;
    std::this_thread::sleep_for(milliseconds(50));
  }
  const double elapsed = seconds_since(start);
  const double cpu = cpu_seconds(gateway.process().pid()) - cpu_before;
  EXPECT_LT(cpu, 0.25 * elapsed) << cpu << " s of CPU in " << elapsed << " s while at the limit";
  EXPECT_EQ(waiting->read_response(milliseconds(300)).status, 0) << "served beyond the limit";

  // The flood goes away: the backlog is worked off and the waiting request is answered.
  flood.clear();
  EXPECT_EQ(waiting->read_response(seconds(5)).status, 200);
  EXPECT_EQ(http_get(gateway.port(), "/after").status, 200);
}

}  // namespace
}  // namespace apigw::test
