// Circuit breakers with real backends: a failing target's breaker opens and the target gets no
// requests; after open_duration a trial call goes through (half-open) and, failing, reopens it;
// and max_in_flight sheds the requests beyond the limit with 503 at once.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "support/gateway.h"

namespace apigw::test {
namespace {

TEST(BreakerEndToEnd, OpensHalfOpensAndReopens) {
  EchoBackend alive("alive");
  const std::string dead = dead_address();
  Gateway gateway(pool_config(
      targets_toml({alive.address(), dead}),
      "circuit_breaker = { consecutive_failures = 2, failure_rate = 0, open_duration = \"1s\", "
      "half_open_calls = 1 }"));
  // Round robin: the dead target fails twice, its breaker opens, then only "alive" answers.
  EXPECT_EQ(statuses(gateway, 10), ".x.x......");
  EXPECT_NE(gateway.log().find("circuit breaker of target " + dead + " open"), std::string::npos)
      << gateway.log();
  // After open_duration one trial call reaches it, fails, and the breaker opens again.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  const std::string after = statuses(gateway, 6);
  EXPECT_EQ(std::count(after.begin(), after.end(), 'x'), 1) << after;
  EXPECT_NE(gateway.log().find("circuit breaker of target " + dead + " half_open"),
            std::string::npos);
  const std::string metrics = gateway.metrics();
  EXPECT_NE(metrics.find("apigw_upstream_breaker_transitions_total{upstream=\"pool\",scope="
                         "\"target\",to=\"open\"} 2"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("apigw_upstream_breaker_transitions_total{upstream=\"pool\",scope="
                         "\"target\",to=\"half_open\"} 1"),
            std::string::npos)
      << metrics;
}

TEST(BreakerEndToEnd, MaxInFlightShedsTheExcess) {
  EchoBackend slow("slow", "127.0.0.1", {"--delay", "800"});
  Gateway gateway(
      pool_config(targets_toml({slow.address()}), "circuit_breaker = { max_in_flight = 2 }"));
  std::vector<std::future<CurlResult>> requests;
  for (int i = 0; i < 5; ++i) {
    requests.push_back(
        std::async(std::launch::async, [&] { return http_get(gateway.port(), "/"); }));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  int ok = 0, shed = 0;
  for (auto& request : requests) {
    const auto result = request.get();
    if (result.status == 200) ++ok;
    if (result.status == 503 &&
        result.body.find("\"code\":\"upstream_overloaded\"") != std::string::npos) {
      ++shed;
    }
  }
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(shed, 3);
}

TEST(BreakerEndToEnd, MaxConnectionsShedsWhatWouldNeedAnotherConnection) {
  EchoBackend slow("slow", "127.0.0.1", {"--delay", "600"});
  Gateway gateway(
      pool_config(targets_toml({slow.address()}), "circuit_breaker = { max_connections = 1 }"));
  std::vector<std::future<CurlResult>> requests;
  for (int i = 0; i < 3; ++i) {
    requests.push_back(
        std::async(std::launch::async, [&] { return http_get(gateway.port(), "/"); }));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  int ok = 0, shed = 0;
  for (auto& request : requests) {
    const auto result = request.get();
    ok += result.status == 200;
    shed += result.status == 503 &&
            result.body.find("\"code\":\"upstream_overloaded\"") != std::string::npos;
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(shed, 2);
  // The one connection went back to the pool: the next request reuses it.
  EXPECT_EQ(http_get(gateway.port(), "/").status, 200);
}

TEST(BreakerEndToEnd, TheUpstreamsOwnBreakerFailsFastAndFallsBack) {
  const std::string dead_a = dead_address();
  const std::string dead_b = dead_address();
  Gateway gateway(pool_config(
      targets_toml({dead_a, dead_b}),
      "circuit_breaker = { scope = \"upstream\", consecutive_failures = 3, failure_rate = 0, "
      "open_duration = \"10s\" }",
      "fallback = { status = 503, body = \"later\" }"));
  // Three failures in a row (any targets) open the upstream's breaker; from then on requests
  // are answered by the fallback without a connection attempt.
  for (int i = 0; i < 3; ++i) {
    const auto failed = http_get(gateway.port(), "/");
    EXPECT_EQ(failed.headers["x-apigw-fallback"], "static");
  }
  EXPECT_NE(gateway.log().find("circuit breaker of the upstream open"), std::string::npos)
      << gateway.log();
  const std::string before = gateway.metrics();
  const auto fast = http_get(gateway.port(), "/");
  EXPECT_EQ(fast.status, 503);
  EXPECT_EQ(fast.body, "later");
  const std::string after = gateway.metrics();
  EXPECT_NE(after.find("apigw_upstream_breaker_transitions_total{upstream=\"pool\",scope="
                       "\"upstream\",to=\"open\"} 1"),
            std::string::npos)
      << after;
  // No connection was attempted for the last request.
  const auto connect_errors = [](const std::string& text) {
    const std::string series = "apigw_upstream_connect_errors_total{upstream=\"pool\"} ";
    const std::size_t at = text.find(series);
    return at == std::string::npos ? -1 : std::stoi(text.substr(at + series.size()));
  };
  EXPECT_EQ(connect_errors(after), connect_errors(before));
}

}  // namespace
}  // namespace apigw::test
