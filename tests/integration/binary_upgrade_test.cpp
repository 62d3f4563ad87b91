// Binary upgrade on SIGUSR2: the running gateway starts its binary again, handing it the listening
// sockets (docs/operations.md, "Upgrading without dropping a request"). Under wrk no request
// fails and no connection is refused; the admin listener moves with the traffic; the successor
// may run another config; one that cannot start leaves the old process serving; under systemd the
// successor becomes the service's main process.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <future>
#include <iostream>
#include <string_view>

#include "support/admin_client.h"
#include "support/gateway.h"
#include "support/http_client.h"
#include "support/notify_socket.h"

namespace apigw::test {
namespace {

// Two workers behind one catch-all route "all" to `backend`, with time to drain.
std::string upgrade_config(const EchoBackend& backend) {
  return pool_config(targets_toml({backend.address()}), "", "", 2,
                     "[server.timeouts]\ndrain = \"10s\"");
}

// The successor is the old process's child; once the old one exits it would be handed to PID 1.
// As a subreaper (BinaryUpgrade::SetUp) this test process gets it instead, so it can be
// signalled, waited for and its exit status checked (a sanitizer report fails it), and never
// outlives the test.
std::unique_ptr<Process> adopt(pid_t pid, const Gateway& gateway) {
  return Process::adopt(pid, gateway.log_path());
}

// The pid of the last successor started, from the old process's log line
// "SIGUSR2: started ... as process N" (-1: none yet).
pid_t last_started_successor(const std::string& log) {
  const std::size_t line = log.rfind("SIGUSR2: started");
  if (line == std::string::npos) return -1;
  constexpr std::string_view kMarker = "as process ";
  const std::size_t at = log.find(kMarker, line);
  if (at == std::string::npos) return -1;
  return static_cast<pid_t>(std::atoi(log.c_str() + at + kMarker.size()));
}

// Waits for the successor to be started; its pid, or -1.
pid_t started_successor(const Gateway& gateway) {
  pid_t pid = -1;
  wait_until([&] { return (pid = last_started_successor(gateway.log())) > 0; });
  return pid;
}

bool handed_over(const Gateway& gateway) {
  return wait_until(
      [&] { return gateway.log().find("stops accepting and drains") != std::string::npos; },
      std::chrono::seconds(20));
}

class BinaryUpgrade : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0); }
};

TEST_F(BinaryUpgrade, UnderLoadNoRequestFails) {
  EchoBackend backend;
  Gateway gateway(upgrade_config(backend));
  // 32 keep-alive connections for 8 s; the upgrade starts once wrk's traffic arrives and is over
  // well before it ends, so requests run through the old process, the hand-over and the new one.
  auto load = std::async(std::launch::async, [&] {
    return run_command({"wrk", "-t2", "-c32", "-d8s", gateway.url("/")}, std::chrono::seconds(40));
  });
  ASSERT_TRUE(wait_until([&] { return backend.received().size() > 200; }))
      << "wrk's traffic never arrived";
  gateway.process().signal(SIGUSR2);
  const pid_t successor_pid = started_successor(gateway);
  ASSERT_GT(successor_pid, 0) << gateway.log();
  auto successor = adopt(successor_pid, gateway);
  ASSERT_TRUE(handed_over(gateway)) << gateway.log();
  // Its connections are answered with Connection: close and come back to the successor.
  EXPECT_EQ(gateway.process().wait(std::chrono::seconds(15)), 0) << gateway.log();
  const CommandResult wrk = load.get();
  ASSERT_EQ(wrk.exit_code, 0) << wrk.output;
  EXPECT_NE(wrk.output.find("requests in"), std::string::npos) << wrk.output;
  EXPECT_EQ(wrk.output.find("Non-2xx"), std::string::npos) << wrk.output;
  EXPECT_EQ(wrk.output.find("Socket errors"), std::string::npos) << wrk.output;

  // The successor serves on the same port, and its admin listener is the one of the old process.
  EXPECT_EQ(http_get(gateway.port(), "/after").status, 200);
  EXPECT_GT(gateway.metric(R"(apigw_requests_total{route="all",method="GET",status_class="2xx"})"),
            100)
      << "the successor answered wrk's requests after the hand-over";
  successor->signal(SIGTERM);
  EXPECT_EQ(successor->wait(std::chrono::seconds(15)), 0) << gateway.log();
}

TEST_F(BinaryUpgrade, SuccessorMayRunAnotherConfig) {
  EchoBackend backend;
  Gateway gateway(upgrade_config(backend));
  // The successor runs 3 workers (one more socket per worker than it is handed: it binds the
  // others beside them) and a second listener; the running process only warns about both.
  const int second_port = free_port();
  std::string next = upgrade_config(backend);
  const auto replace = [&next](const std::string& from, const std::string& to) {
    next.replace(next.find(from), from.size(), to);
  };
  replace("workers = 2", "workers = 3");
  replace("\"127.0.0.1:{port}\"]",
          "\"127.0.0.1:{port}\", \"127.0.0.1:" + std::to_string(second_port) + "\"]");
  gateway.write_config(next);
  ASSERT_TRUE(wait_until(
      [&] { return gateway.log().find("take effect on restart") != std::string::npos; }));
  gateway.process().signal(SIGUSR2);
  auto successor = adopt(started_successor(gateway), gateway);
  ASSERT_TRUE(handed_over(gateway)) << gateway.log();
  EXPECT_EQ(gateway.process().wait(std::chrono::seconds(15)), 0);
  EXPECT_NE(gateway.log().find("3 workers"), std::string::npos) << gateway.log();
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(http_get(gateway.port(), "/").status, 200);
    ASSERT_EQ(http_get(second_port, "/").status, 200);
  }
  successor->signal(SIGTERM);
  EXPECT_EQ(successor->wait(std::chrono::seconds(15)), 0) << gateway.log();
}

TEST_F(BinaryUpgrade, SuccessorThatCannotStartLeavesTheOldOneServing) {
  EchoBackend backend;
  Gateway gateway(upgrade_config(backend));
  // The file on disk is broken (the running process refuses the reload and keeps its config);
  // the successor loads the same file and exits.
  gateway.write_config(upgrade_config(backend) + "[[routes]]\nname = 1\n");
  ASSERT_TRUE(wait_until([&] { return gateway.log().find("apigw.toml:") != std::string::npos; }));
  gateway.process().signal(SIGUSR2);
  ASSERT_TRUE(
      wait_until([&] { return gateway.log().find("binary upgrade failed") != std::string::npos; },
                 std::chrono::seconds(20)))
      << gateway.log();
  EXPECT_NE(gateway.log().find("exited with status 1 before it served"), std::string::npos)
      << gateway.log();
  EXPECT_TRUE(gateway.process().running());
  EXPECT_EQ(http_get(gateway.port(), "/").status, 200);
  const auto ready = parse_response(raw_exchange(
      gateway.admin_port(), "GET /ready HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
  EXPECT_EQ(ready.status, 200);

  // Mended, the next SIGUSR2 goes through.
  gateway.write_config(upgrade_config(backend));
  gateway.process().signal(SIGUSR2);
  ASSERT_TRUE(handed_over(gateway)) << gateway.log();
  const pid_t second = last_started_successor(gateway.log());
  ASSERT_GT(second, 0) << gateway.log();
  auto successor = adopt(second, gateway);
  EXPECT_EQ(gateway.process().wait(std::chrono::seconds(15)), 0);
  EXPECT_EQ(http_get(gateway.port(), "/").status, 200);
  successor->signal(SIGTERM);
  EXPECT_EQ(successor->wait(std::chrono::seconds(15)), 0) << gateway.log();
}

TEST_F(BinaryUpgrade, UnderSystemdTheSuccessorBecomesTheMainProcess) {
  EchoBackend backend;
  TempDir dir;
  NotifySocket notify(dir.path() + "/notify.sock");
  Gateway gateway(upgrade_config(backend), {notify.environment()});
  ASSERT_NE(notify.next().value_or("").find("READY=1"), std::string::npos);
  gateway.process().signal(SIGUSR2);
  auto successor = adopt(started_successor(gateway), gateway);
  // The old process (systemd's main process until now) names its successor; the successor says
  // nothing before that, since systemd (NotifyAccess=main) would not hear it yet.
  const auto handed = notify.next(std::chrono::seconds(20));
  ASSERT_TRUE(handed.has_value());
  EXPECT_NE(handed->find("MAINPID=" + std::to_string(successor->pid()) + "\nREADY=1"),
            std::string::npos)
      << *handed;
  EXPECT_EQ(gateway.process().wait(std::chrono::seconds(15)), 0);
  EXPECT_FALSE(notify.next(std::chrono::milliseconds(200)).has_value())
      << "the old process is not the main process any more: no STOPPING=1 from it";
  // From now on the successor reports.
  successor->signal(SIGHUP);
  EXPECT_NE(notify.next().value_or("").find("RELOADING=1"), std::string::npos);
  successor->signal(SIGTERM);
  EXPECT_EQ(successor->wait(std::chrono::seconds(15)), 0) << gateway.log();
}

TEST_F(BinaryUpgrade, AdminWritesAcrossTheUpgradeAreKeptOrRefusedNeverLost) {
  // SQLite has no change feed: the successor reads the store once. A write the old process
  // acknowledged after that would be lost to it; from SIGUSR2 to the hand-over writes answer 503.
  Gateway gateway(sqlite_config());
  std::atomic<bool> done = false;
  auto writer = std::async(std::launch::async, [&] {
    std::vector<std::string> kept;
    int refused = 0;
    for (int i = 0; !done && i < 500; ++i) {
      const std::string name = "r" + std::to_string(i);
      const auto answer =
          admin_call(gateway, "PUT", "/admin/routes/" + name,
                     R"({"match":{"path_prefix":"/)" + name +
                         R"("},"handler":{"name":"static","body":")" + name + R"("}})");
      if (answer.status == 201 || answer.status == 200) {
        kept.push_back(name);
      } else if (answer.status == 503 && answer.body.find("upgrading") != std::string::npos) {
        ++refused;
      } else {
        ADD_FAILURE() << name << ": " << answer.status << " " << answer.body;
      }
    }
    return std::make_pair(kept, refused);
  });
  // Some writes are in before the upgrade starts.
  ASSERT_TRUE(
      wait_until([&] { return admin_call(gateway, "GET", "/admin/routes/r3").status == 200; }));
  gateway.process().signal(SIGUSR2);
  const pid_t successor_pid = started_successor(gateway);
  ASSERT_GT(successor_pid, 0) << gateway.log();
  auto successor = adopt(successor_pid, gateway);
  ASSERT_TRUE(handed_over(gateway)) << gateway.log();
  EXPECT_EQ(gateway.process().wait(std::chrono::seconds(15)), 0);
  done = true;
  const auto [kept, refused] = writer.get();
  ASSERT_FALSE(kept.empty());
  // Every acknowledged route is served by the successor, the only process left.
  for (const std::string& name : kept) {
    const auto answer = http_get(gateway.port(), "/" + name);
    EXPECT_EQ(answer.status, 200) << name << " was acknowledged but is not served";
    EXPECT_EQ(answer.body, name);
  }
  std::cout << kept.size() << " writes kept, " << refused << " refused while upgrading\n";
  successor->signal(SIGTERM);
  EXPECT_EQ(successor->wait(std::chrono::seconds(15)), 0) << gateway.log();
}

TEST_F(BinaryUpgrade, SigtermBeforeTheHandOverStopsTheSuccessorToo) {
  // Stopped, the old process must not leave a successor serving in its place.
  EchoBackend backend;
  Gateway gateway(upgrade_config(backend));
  gateway.process().signal(SIGUSR2);
  gateway.process().signal(SIGTERM);
  EXPECT_EQ(gateway.process().wait(std::chrono::seconds(15)), 0) << gateway.log();
  const std::string log = gateway.log();
  if (const pid_t started = last_started_successor(log); started > 0) {
    auto successor = adopt(started, gateway);
    EXPECT_NE(log.find("upgrade under way is abandoned"), std::string::npos) << log;
    // Stopped: reaped by the old process while it drained (-1 here), or by this one.
    EXPECT_TRUE(successor->wait(std::chrono::seconds(15)).has_value()) << "the successor runs on";
  }
  EXPECT_EQ(log.find("stops accepting and drains"), std::string::npos) << log;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(gateway.port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_NE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0)
      << "something still listens on the gateway's port";
  ::close(fd);
}

}  // namespace
}  // namespace apigw::test
