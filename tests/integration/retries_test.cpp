// Failover and retries through the real gateway against real backends that die, fail and stall: a
// dead target costs no client request with nothing configured, a non-idempotent request the
// upstream saw is not sent twice, status retries try a different target each time, the budget
// stops a retry storm and refuses part of a burst at its default, backoff waits, bodies are
// replayed whole, and a per-try timeout moves a stalled request to another target.
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

int count_statuses(const Gateway& gateway, int requests, int status,
                   const std::vector<std::string>& extra = {}, const std::string& path = "/") {
  int matching = 0;
  for (int i = 0; i < requests; ++i) {
    matching += http_get(gateway.port(), path, extra).status == status;
  }
  return matching;
}

TEST(Retries, ADeadTargetCostsNoClientRequestWithNothingConfigured) {
  EchoBackend a("a"), b("b");
  const std::vector<std::string> targets{a.address(), dead_address(), b.address()};
  // No retry table: a refused connection fails over to another target, POST included (the
  // upstream never saw the request), and takes the dead target out of rotation.
  Gateway gateway(config_for(targets, ""));
  EXPECT_EQ(count_statuses(gateway, 30, 200), 30);
  EXPECT_EQ(count_statuses(gateway, 6, 200, {"-X", "POST", "-d", "x"}), 6);
  const std::string metrics = gateway.metrics();
  const double failed =
      metric_sample(metrics, "apigw_upstream_connect_errors_total{upstream=\"pool\"}");
  EXPECT_GT(failed, 0) << metrics;
  EXPECT_EQ(
      metric_sample(metrics, "apigw_upstream_retries_total{upstream=\"pool\",result=\"failover\"}"),
      failed)
      << metrics;
  EXPECT_EQ(
      metric_sample(metrics, "apigw_upstream_retries_total{upstream=\"pool\",result=\"retried\"}"),
      0)
      << "a failover is not a retry" << metrics;
  EXPECT_GE(metric_sample(metrics, "apigw_upstream_ejections_total{upstream=\"pool\"}"), 1)
      << metrics;
  // The ejection keeps later requests off the dead target: far fewer refused connections than
  // the third of all requests that round-robin would send it.
  EXPECT_LT(failed, 10) << metrics;

  // With failover and ejection off, the dead target's share of requests fails.
  Gateway without(pool_config(targets_toml(targets),
                              "connect_timeout = \"500ms\"\n"
                              "connect_failure_ejection = { enabled = false }",
                              "retry = { failover = false }"));
  EXPECT_EQ(count_statuses(without, 30, 502), 10);
}

TEST(Retries, ConfiguredConnectRetriesStillApplyWithFailoverOff) {
  EchoBackend a("a"), b("b");
  const std::vector<std::string> targets{a.address(), dead_address(), b.address()};
  Gateway gateway(pool_config(targets_toml(targets),
                              "connect_timeout = \"500ms\"\n"
                              "connect_failure_ejection = { enabled = false }",
                              "retry = { attempts = 3, failover = false }"));
  EXPECT_EQ(count_statuses(gateway, 30, 200), 30);
  const std::string metrics = gateway.metrics();
  const double failed =
      metric_sample(metrics, "apigw_upstream_connect_errors_total{upstream=\"pool\"}");
  EXPECT_GE(failed, 10) << metrics;  // a retry's pick may land on the dead target again
  EXPECT_EQ(
      metric_sample(metrics, "apigw_upstream_retries_total{upstream=\"pool\",result=\"retried\"}"),
      failed)
      << metrics;
  EXPECT_EQ(
      metric_sample(metrics, "apigw_upstream_retries_total{upstream=\"pool\",result=\"failover\"}"),
      0)
      << metrics;
}

TEST(Retries, NonIdempotentRequestsThatReachedTheUpstreamAreNotRetriedUnlessAllowed) {
  EchoBackend a("a"), b("b");
  const std::vector<std::string> targets{a.address(), b.address()};
  // A 503 means the upstream saw the POST: sending it again could repeat its effect.
  Gateway gateway(config_for(targets, "retry = { attempts = 2, on = [\"503\"] }"));
  EXPECT_EQ(count_statuses(gateway, 6, 503, {"-X", "POST", "-d", "x"}, "/status/503"), 6);
  EXPECT_EQ(a.received().size() + b.received().size(), 6u) << "a POST was sent twice";
  Gateway allowed(
      config_for(targets, "retry = { attempts = 2, on = [\"503\"], non_idempotent = true }"));
  EXPECT_EQ(count_statuses(allowed, 6, 503, {"-X", "POST", "-d", "x"}, "/status/503"), 6);
  EXPECT_EQ(a.received().size() + b.received().size(), 6u + 12u);
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

TEST(Retries, TheDefaultBudgetRefusesSomeRetriesOfABurstAndAllowsOthers) {
  // Every try answers 503 after 50 ms, so every request wants its two retries; the default budget
  // allows retries of 20% of the requests (plus 3 per second) and refuses the rest.
  EchoBackend a("a", "127.0.0.1", {"--delay", "50"}), b("b", "127.0.0.1", {"--delay", "50"});
  Gateway gateway(
      config_for({a.address(), b.address()}, "retry = { attempts = 3, on = [\"503\"] }"));
  const CommandResult wrk = run_command({"wrk", "-t1", "-c24", "-d2s", gateway.url("/status/503")},
                                        std::chrono::seconds(30));
  ASSERT_EQ(wrk.exit_code, 0) << wrk.output;
  const std::string metrics = gateway.metrics();
  const double retried =
      metric_sample(metrics, "apigw_upstream_retries_total{upstream=\"pool\",result=\"retried\"}");
  const double refused = metric_sample(
      metrics, "apigw_upstream_retries_total{upstream=\"pool\",result=\"budget_exhausted\"}");
  EXPECT_GT(retried, 0) << metrics;
  EXPECT_GT(refused, 0) << metrics;
  // Far fewer retries than first tries (all retried would be twice as many).
  const double first_tries =
      static_cast<double>(a.received().size() + b.received().size()) - retried;
  EXPECT_LT(retried, first_tries) << metrics;
}

TEST(Retries, EachRetryWaitsItsBackoff) {
  EchoBackend a("a"), b("b");
  // Retry n waits a random time up to min(max, base × 2^(n−1)): here up to 400 ms each.
  Gateway gateway(config_for({a.address(), b.address()},
                             "retry = { attempts = 2, on = [\"503\"], "
                             "backoff = { base = \"400ms\", max = \"400ms\" } }"));
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(count_statuses(gateway, 8, 503, {}, "/status/503"), 8);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(a.received().size() + b.received().size(), 16u);
  // Eight waits drawn from [0, 400 ms] add up to less than 400 ms with probability 1/8! (about
  // 2.5e-5); without the wait the eight requests take a few milliseconds each.
  EXPECT_GE(took, std::chrono::milliseconds(400));
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

// Kills one of three targets under a wrk load (16 connections, 4 s) once the load is flowing,
// and returns wrk's output and the access-log lines of requests that did not get a 200.
struct KillResult {
  std::string wrk_output;
  std::vector<std::string> failed;
  double ejections = 0;
};

KillResult kill_one_of_three_under_load(const std::string& retry) {
  EchoBackend a("a"), b("b"), c("c");
  Gateway gateway(config_for({a.address(), b.address(), c.address()}, retry) +
                  "[server.access_log]\nenabled = true\npath = \"{dir}/access.log\"\n");
  auto load = std::async(std::launch::async, [&] {
    return run_command({"wrk", "-t1", "-c16", "-d4s", gateway.url("/")}, std::chrono::seconds(30));
  });
  // Waiting for a count, not a time: wrk may start slowly on a loaded machine.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (b.received().size() < 100 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GE(b.received().size(), 100u) << "the load did not reach the target in time";
  b.stop();
  const CommandResult wrk = load.get();
  EXPECT_EQ(wrk.exit_code, 0) << wrk.output;
  EXPECT_NE(wrk.output.find("requests in"), std::string::npos) << wrk.output;
  EXPECT_EQ(wrk.output.find("Socket errors"), std::string::npos) << wrk.output;
  KillResult result;
  result.wrk_output = wrk.output;
  std::ifstream log(gateway.dir() + "/access.log");
  for (std::string line; std::getline(log, line);) {
    if (line.find("\"http.response.status_code\":200") == std::string::npos) result.failed.push_back(line);
  }
  result.ejections =
      metric_sample(gateway.metrics(), "apigw_upstream_ejections_total{upstream=\"pool\"}");
  return result;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

TEST(Retries, KillingATargetUnderLoadFailsNoRequestWithThreeAttempts) {
  // Requests in flight on the dead target got nothing back: those on pooled connections go again
  // on a new connection, whose connect fails over; those on new connections are retried (reset)
  // within the default budget. The ejection keeps later picks off the dead target.
  const KillResult result = kill_one_of_three_under_load("retry = { attempts = 3 }");
  EXPECT_TRUE(result.failed.empty()) << result.wrk_output << "requests that did not get a 200:\n"
                                     << joined(result.failed);
  EXPECT_EQ(result.wrk_output.find("Non-2xx"), std::string::npos) << result.wrk_output;
  EXPECT_GE(result.ejections, 1);
}

TEST(Retries, KillingATargetUnderLoadFailsNoRequestOnAConnectFailureWithNoRetryConfigured) {
  // With no retry table, every connect failure fails over (docs/resilience.md#failover). A
  // request that was already on its way to the target when it died may have reached it: without
  // `retry` it is not sent again and gets 502 upstream_reset — at most one per connection.
  const KillResult result = kill_one_of_three_under_load("");
  for (const auto& line : result.failed) {
    EXPECT_NE(line.find("\"error\":\"upstream_reset\""), std::string::npos)
        << "only requests in flight at the kill may fail:\n"
        << line;
  }
  EXPECT_LE(result.failed.size(), 16u) << joined(result.failed);
  EXPECT_GE(result.ejections, 1);
}

}  // namespace
}  // namespace apigw::test
