// Retries through the real gateway against real backends that die, fail and stall: a dead target
// costs no client request, a non-idempotent request is not sent twice, status retries try a
// different target each time, the budget stops a retry storm, bodies are replayed whole, and a
// per-try timeout moves a stalled request to another target.
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <map>
#include <thread>

#include "support/gateway.h"

namespace apigw::test {
namespace {

std::string config_for(const std::vector<std::string>& targets, const std::string& retry) {
  return pool_config(targets_toml(targets), "connect_timeout = \"500ms\"", retry);
}

// The value of the sample `series` (name and labels) in Prometheus text, or -1.
double metric_value(const std::string& text, const std::string& series) {
  const std::size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

int count_statuses(const Gateway& gateway, int requests, int status,
                   const std::vector<std::string>& extra = {}, const std::string& path = "/") {
  int matching = 0;
  for (int i = 0; i < requests; ++i) {
    matching += http_get(gateway.port(), path, extra).status == status;
  }
  return matching;
}

TEST(Retries, ADeadTargetCostsNoClientRequest) {
  EchoBackend a("a"), b("b");
  const std::vector<std::string> targets{a.address(), dead_address(), b.address()};
  Gateway gateway(config_for(targets, "retry = { attempts = 3, on = [\"connect_failure\"] }"));
  EXPECT_EQ(count_statuses(gateway, 30, 200), 30);
  // Every failed connection was retried, and there were some.
  const std::string metrics = gateway.metrics();
  const double failed =
      metric_value(metrics, "apigw_upstream_connect_errors_total{upstream=\"pool\"}");
  EXPECT_GT(failed, 0) << metrics;
  EXPECT_EQ(
      metric_value(metrics, "apigw_upstream_retries_total{upstream=\"pool\",result=\"retried\"}"),
      failed)
      << metrics;

  // Without retries, the dead target's share of requests fails.
  Gateway without(config_for(targets, ""));
  EXPECT_EQ(count_statuses(without, 30, 502), 10);
}

TEST(Retries, NonIdempotentRequestsAreNotRetriedUnlessAllowed) {
  EchoBackend alive("alive");
  const std::vector<std::string> targets{dead_address(), alive.address()};
  Gateway gateway(config_for(targets, "retry = { attempts = 2 }"));
  EXPECT_EQ(count_statuses(gateway, 10, 502, {"-X", "POST", "-d", "x"}), 5);
  Gateway allowed(config_for(targets, "retry = { attempts = 2, non_idempotent = true }"));
  EXPECT_EQ(count_statuses(allowed, 10, 200, {"-X", "POST", "-d", "x"}), 10);
}

TEST(Retries, StatusRetriesTryADifferentTargetEachTime) {
  EchoBackend a("a"), b("b"), c("c");
  Gateway gateway(config_for({a.address(), b.address(), c.address()},
                             "retry = { attempts = 3, on = [\"503\"] }"));
  const auto result = http_get(gateway.port(), "/status/503");
  EXPECT_EQ(result.status, 503) << "the last attempt's answer is relayed";
  EXPECT_EQ(a.received().size(), 1u);
  EXPECT_EQ(b.received().size(), 1u);
  EXPECT_EQ(c.received().size(), 1u);
  // A status not in the list is not retried.
  EXPECT_EQ(http_get(gateway.port(), "/status/500").status, 500);
  EXPECT_EQ(a.received().size() + b.received().size() + c.received().size(), 4u);
}

TEST(Retries, TheBudgetStopsARetryStorm) {
  EchoBackend a("a"), b("b");
  Gateway gateway(
      config_for({a.address(), b.address()},
                 "retry = { attempts = 3, on = [\"503\"], budget = { percent = 0, min = 0 } }"));
  EXPECT_EQ(count_statuses(gateway, 10, 503, {}, "/status/503"), 10);
  EXPECT_EQ(a.received().size() + b.received().size(), 10u) << "a retry got past the budget";
  EXPECT_TRUE(gateway.wait_for_metric(
      "apigw_upstream_retries_total{upstream=\"pool\",result=\"budget_exhausted\"} 10"))
      << gateway.metrics();
}

TEST(Retries, ALargeBodyIsReplayedWhole) {
  EchoBackend alive("alive");
  Gateway gateway(
      config_for({dead_address(), alive.address()},
                 "retry = { attempts = 2, non_idempotent = true, replay_limit = \"1MiB\" }"));
  std::string payload;
  for (int i = 0; i < 300000; ++i) payload.push_back(static_cast<char>('a' + i % 26));
  TempDir dir;
  const std::string file = dir.write("payload", payload);
  for (int i = 0; i < 2; ++i) {  // one of the two lands on the dead target first
    const auto result = curl({"--data-binary", "@" + file, gateway.url("/echo")});
    ASSERT_EQ(result.status, 200);
    EXPECT_EQ(result.body, payload);
  }
}

TEST(Retries, PerTryTimeoutMovesAStalledRequest) {
  EchoBackend slow("slow", "127.0.0.1", {"--delay", "3000"});
  EchoBackend fast("fast");
  Gateway gateway(
      config_for({slow.address(), fast.address()},
                 "retry = { attempts = 2, on = [\"timeout\"], per_try_timeout = \"300ms\" }"));
  for (int i = 0; i < 2; ++i) {
    const auto started = std::chrono::steady_clock::now();
    const auto result = http_get(gateway.port(), "/");
    EXPECT_EQ(result.status, 200);
    EXPECT_EQ(result.headers["x-echo-server"], "fast");
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(2500));
  }
}

TEST(Retries, KillingATargetUnderLoadFailsNoRequest) {
  EchoBackend a("a"), b("b"), c("c");
  // The access log names what went wrong if a request does fail.
  Gateway gateway(config_for({a.address(), b.address(), c.address()},
                             "retry = { attempts = 3, on = [\"connect_failure\", \"reset\"], "
                             "budget = { percent = 100 } }") +
                  "[server.access_log]\nenabled = true\npath = \"{dir}/access.log\"\n");
  // wrk keeps 16 connections busy for 4 s; one target dies after 1 s. Requests in flight on it
  // and every later pick of it must be retried elsewhere: no error may reach a client. A third of
  // all picks land on the dead target, and each retry holds its budget slot through its backoff
  // wait: far more than the default budget (20% of active requests) allows — without health
  // checks or outlier detection to take the target out, only a full budget hides it.
  auto load = std::async(std::launch::async, [&] {
    return run_command({"wrk", "-t1", "-c16", "-d4s", gateway.url("/")}, std::chrono::seconds(30));
  });
  std::this_thread::sleep_for(std::chrono::seconds(1));
  b.stop();
  const CommandResult wrk = load.get();
  ASSERT_EQ(wrk.exit_code, 0) << wrk.output;
  EXPECT_NE(wrk.output.find("requests in"), std::string::npos) << wrk.output;
  if (wrk.output.find("Non-2xx") != std::string::npos) {
    std::ifstream log(gateway.dir() + "/access.log");
    std::string failed;
    for (std::string line; std::getline(log, line);) {
      if (line.find("\"status\":200") == std::string::npos) failed += line + "\n";
    }
    ADD_FAILURE() << wrk.output << "requests that did not get a 200:\n" << failed;
  }
  EXPECT_EQ(wrk.output.find("Socket errors"), std::string::npos) << wrk.output;
  EXPECT_GT(metric_value(gateway.metrics(),
                         "apigw_upstream_retries_total{upstream=\"pool\",result=\"retried\"}"),
            0);
}

}  // namespace
}  // namespace apigw::test
