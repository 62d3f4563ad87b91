// Circuit breakers with real backends: a failing target's breaker opens and the target gets no
// requests; after open_duration a trial call goes through (half-open) and, failing, reopens it;
// and max_in_flight sheds the requests beyond the limit with 503 at once.
#include <gtest/gtest.h>

#include <memory>
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
      "half_open_calls = 1 }\n"
      // The dead target refuses connections, which failover and connect-failure ejection would
      // handle on their own: both off, so the breaker alone acts.
      "connect_failure_ejection = { enabled = false }",
      "retry = { failover = false }"));
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

// Sends `count` requests to the slow backend on connections of their own and returns once the
// backend has received them all: they are then in flight, however slowly this machine runs.
std::vector<std::unique_ptr<RawConnection>> hold_requests(const Gateway& gateway,
                                                          const EchoBackend& backend, int count) {
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < count; ++i) {
    held.push_back(std::make_unique<RawConnection>(gateway.port()));
    EXPECT_TRUE(held.back()->send("GET /held HTTP/1.1\r\nHost: h\r\n\r\n"));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (backend.received().size() < static_cast<std::size_t>(count) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(backend.received().size(), static_cast<std::size_t>(count));
  return held;
}

bool is_shed(const HttpResponse& response) {
  return response.status == 503 &&
         response.body.find("\"code\":\"upstream_overloaded\"") != std::string::npos;
}

TEST(BreakerEndToEnd, MaxInFlightShedsTheExcess) {
  // The backend holds each request for 3 s: the shed answers come long before.
  EchoBackend slow("slow", "127.0.0.1", {"--delay", "3000"});
  Gateway gateway(
      pool_config(targets_toml({slow.address()}), "circuit_breaker = { max_in_flight = 2 }"));
  auto held = hold_requests(gateway, slow, 2);
  for (int i = 0; i < 3; ++i) {
    const auto shed = get_in_process(gateway.port(), "/");
    EXPECT_TRUE(is_shed(shed)) << shed.status << " " << shed.body;
  }
  for (auto& connection : held) EXPECT_EQ(connection->read_response().status, 200);
  EXPECT_EQ(slow.received().size(), 2u) << "a request beyond the limit reached the backend";
}

TEST(BreakerEndToEnd, MaxConnectionsShedsWhatWouldNeedAnotherConnection) {
  EchoBackend slow("slow", "127.0.0.1", {"--delay", "2000"});
  Gateway gateway(
      pool_config(targets_toml({slow.address()}), "circuit_breaker = { max_connections = 1 }"));
  auto held = hold_requests(gateway, slow, 1);
  for (int i = 0; i < 2; ++i) {
    const auto shed = get_in_process(gateway.port(), "/");
    EXPECT_TRUE(is_shed(shed)) << shed.status << " " << shed.body;
  }
  EXPECT_EQ(held[0]->read_response().status, 200);
  // The one connection went back to the pool: the next request reuses it.
  EXPECT_EQ(get_in_process(gateway.port(), "/").status, 200);
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
  // The three failed requests were counted (so the series exists and counts), and the fast
  // answer added nothing to it.
  ASSERT_GE(connect_errors(before), 3) << before;
  EXPECT_EQ(connect_errors(after), connect_errors(before));
}

}  // namespace
}  // namespace apigw::test
