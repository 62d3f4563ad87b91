// Active health checks with real backends: a stopped target is taken out within
// interval × unhealthy_threshold and gets no requests (no retries needed); it comes back within
// interval × healthy_threshold of starting again; an HTTP check judges status and body; and with
// every target down, requests are answered 503 at once instead of waiting on connects; probes
// keep their count through frequent reloads.
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "support/gateway.h"

namespace apigw::test {
namespace {

std::string config_for(const std::vector<std::string>& targets, const std::string& check) {
  return pool_config(targets_toml(targets), "connect_timeout = \"2s\"\nhealth_check = " + check, "",
                     2);
}

bool logged(const Gateway& gateway, const std::string& text) {
  return gateway.log().find(text) != std::string::npos;
}

std::string served_by(const Gateway& gateway, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    const auto result = get_in_process(gateway.port(), "/");
    out += result.status == 200 ? result.headers["x-echo-server"] : std::to_string(result.status);
  }
  return out;
}

TEST(HealthCheck, AStoppedTargetIsTakenOutAndComesBack) {
  EchoBackend a("a"), b("b");
  Gateway gateway(config_for(
      {a.address(), b.address()},
      R"({ type = "tcp", interval = "100ms", timeout = "100ms", unhealthy_threshold = 2, healthy_threshold = 2 })"));
  b.stop();
  // Down after interval × unhealthy_threshold (200 ms; the wait leaves room for a loaded CI
  // machine): then only "a" answers, no 502.
  EXPECT_TRUE(wait_until([&] { return logged(gateway, b.address() + " marked unhealthy"); }))
      << gateway.log();
  EXPECT_EQ(served_by(gateway, 8), "aaaaaaaa");
  b.start();
  EXPECT_TRUE(wait_until([&] { return logged(gateway, b.address() + " is healthy again"); }))
      << gateway.log();
  const std::string after = served_by(gateway, 8);
  EXPECT_NE(after.find('b'), std::string::npos) << after;
  EXPECT_EQ(after.find_first_not_of("ab"), std::string::npos) << after;
}

TEST(HealthCheck, HttpCheckJudgesStatusAndBody) {
  EchoBackend a("a"), b("b");
  // "/status/503" answers 503: the status check fails for every target.
  Gateway failing(
      config_for({a.address(), b.address()},
                 R"({ path = "/status/503", interval = "100ms", unhealthy_threshold = 1 })"));
  // The body of "/" names the server: only "b" passes a check for "\"server\":\"b\"".
  Gateway body(config_for(
      {a.address(), b.address()},
      R"({ path = "/", body_contains = "\"server\":\"b\"", interval = "100ms", unhealthy_threshold = 1 })"));
  EXPECT_TRUE(wait_until([&] { return logged(body, a.address() + " marked unhealthy"); }))
      << body.log();
  EXPECT_EQ(served_by(body, 6), "bbbbbb");

  // Every target down: 503 at once, without touching a backend. The client runs in this process,
  // so the time measured is the gateway's (a connect attempt would wait out the 2 s timeout).
  EXPECT_TRUE(wait_until([&] {
    return logged(failing, a.address() + " marked unhealthy") &&
           logged(failing, b.address() + " marked unhealthy");
  })) << failing.log();
  const auto started = std::chrono::steady_clock::now();
  const auto result = get_in_process(failing.port(), "/");
  EXPECT_EQ(result.status, 503);
  EXPECT_NE(result.body.find("\"code\":\"no_healthy_upstream\""), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1000));
}

}  // namespace
}  // namespace apigw::test

namespace apigw::test {
namespace {

// A dead target must be taken out even while the config changes faster than interval ×
// unhealthy_threshold: probes of a target whose check is unchanged carry on (and keep their count)
// across snapshots. Before, every snapshot restarted every probe, so with reloads every 100 ms a
// target needing three failed probes 200 ms apart was never marked unhealthy.
TEST(HealthCheck, ProbesKeepTheirCountThroughFrequentReloads) {
  EchoBackend alive("alive");
  const std::string dead = dead_address();
  const auto config = [&](int generation) {
    return fill(R"(
[server]
listen = ["127.0.0.1:{port}"]
workers = 1
[server.timeouts]
idle = "{idle}s"
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "pool"
targets = [{ address = "{alive}" }, { address = "{dead}" }]
health_check = { type = "tcp", interval = "200ms", timeout = "100ms", unhealthy_threshold = 3 }
[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "pool"
)",
                {{"idle", std::to_string(60 + generation % 2)},
                 {"alive", alive.address()},
                 {"dead", dead}});
  };
  Gateway gateway(config(0));
  bool marked = false;
  for (int generation = 1; generation <= 60 && !marked; ++generation) {
    gateway.write_config(config(generation));
    gateway.process().signal(SIGHUP);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    marked = logged(gateway, dead + " marked unhealthy");
  }
  EXPECT_TRUE(marked) << gateway.log();
  // The reloads did make new snapshots (each changes a setting) while the probes counted.
  EXPECT_TRUE(logged(gateway, "config version 3 ")) << gateway.log();
}

}  // namespace
}  // namespace apigw::test
