// The live statistics of GET /admin/stats, as a dashboard or an operator without a Prometheus
// server reads them: per route, per upstream and target, over the last 10 s, minute and 5 min.
#include <gtest/gtest.h>

#include <csignal>

#include <boost/json.hpp>

#include "support/admin_client.h"
#include "support/gateway.h"

namespace apigw::test {
namespace {

namespace json = boost::json;

json::value stats_of(const Gateway& gateway, const std::string& path = "/admin/stats") {
  const CurlResult result = admin_call(gateway, "GET", path);
  EXPECT_EQ(result.status, 200) << result.body;
  return json::parse(result.body);
}

double number(const json::value& value) { return value.to_number<double>(); }

TEST(LiveStats, RoutesUpstreamsAndTargetsShowRatesErrorsAndPercentiles) {
  EchoBackend backend;
  Gateway gateway(statistics_config(backend.address()));
  // Each from this process on a fresh connection: the two workers share them.
  for (int i = 0; i < 40; ++i) ASSERT_EQ(get_in_process(gateway.port(), "/api/items").status, 200);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(get_in_process(gateway.port(), "/delay/30").status, 200);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(get_in_process(gateway.port(), "/status/404").status, 404);
  for (int i = 0; i < 2; ++i) ASSERT_EQ(get_in_process(gateway.port(), "/status/503").status, 503);
  ASSERT_EQ(get_in_process(gateway.port(), "/nowhere").status, 404);  // no route

  const json::value stats = stats_of(gateway);
  const json::object& routes = stats.at("routes").as_object();
  EXPECT_EQ(stats.at("windows"), json::parse(R"(["10s","1m","5m"])"));
  for (const char* window : {"10s", "1m", "5m"}) {
    const json::value& fast = routes.at("fast").at(window);
    EXPECT_EQ(fast.at("requests").as_int64(), 40) << window;
    EXPECT_EQ(fast.at("status").at("2xx").as_int64(), 40);
    EXPECT_GT(number(fast.at("requests_per_second")), 0.0);
    EXPECT_GT(number(fast.at("seconds")), 0.0);
    EXPECT_LE(number(fast.at("seconds")), 300.0);
    EXPECT_EQ(number(fast.at("error_rate_5xx")), 0.0);
  }
  const json::value& fast = routes.at("fast").at("10s");
  // Both rounded to 3 decimals by the gateway: within a part in a thousand of each other.
  EXPECT_NEAR(number(fast.at("requests_per_second")) * number(fast.at("seconds")), 40.0, 0.1);
  EXPECT_EQ(fast.at("latency_ms").at("count").as_int64(), 40);
  EXPECT_EQ(fast.at("upstream_latency_ms").at("count").as_int64(), 40);
  EXPECT_GT(fast.at("bytes_in").as_int64(), 40 * 30) << "request heads";
  EXPECT_GT(fast.at("bytes_out").as_int64(), 40 * 100) << "response heads and bodies";

  // The backend waits 30 ms on /delay/30: every percentile of that route is above it, and the
  // upstream's time is within the total.
  const json::value& slow = routes.at("slow").at("1m");
  EXPECT_EQ(slow.at("requests").as_int64(), 10);
  for (const char* p : {"p50", "p95", "p99", "p999", "avg"}) {
    EXPECT_GE(number(slow.at("latency_ms").at(p)), 29.7) << p;
    EXPECT_LT(number(slow.at("latency_ms").at(p)), 5000.0) << p;
    EXPECT_GE(number(slow.at("upstream_latency_ms").at(p)), 29.7) << p;
    EXPECT_LE(number(slow.at("upstream_latency_ms").at(p)),
              number(slow.at("latency_ms").at(p)) * 1.01)
        << p;
  }
  EXPECT_LT(number(fast.at("latency_ms").at("p50")), number(slow.at("latency_ms").at("p50")));

  const json::value& statuses = routes.at("statuses").at("5m");
  EXPECT_EQ(statuses.at("status").at("4xx").as_int64(), 3);
  EXPECT_EQ(statuses.at("status").at("5xx").as_int64(), 2);
  EXPECT_NEAR(number(statuses.at("error_rate_4xx")), 0.6, 1e-6);
  EXPECT_NEAR(number(statuses.at("error_rate_5xx")), 0.4, 1e-6);

  EXPECT_EQ(stats.at("unrouted").at("10s").at("requests").as_int64(), 1);
  EXPECT_EQ(stats.at("unrouted").at("10s").at("status").at("4xx").as_int64(), 1);
  EXPECT_EQ(stats.at("unrouted").at("10s").at("upstream_latency_ms").at("count").as_int64(), 0);
  EXPECT_EQ(stats.at("total").at("10s").at("requests").as_int64(), 40 + 10 + 5 + 1);

  // The upstream and its one target answered every routed request.
  const json::value& upstream = stats.at("upstreams").at("backend");
  EXPECT_EQ(upstream.at("1m").at("requests").as_int64(), 55);
  const json::value& target = upstream.at("targets").at(backend.address());
  EXPECT_EQ(target.at("1m").at("requests").as_int64(), 55);
  EXPECT_EQ(target.at("1m").at("status").at("5xx").as_int64(), 2);
  EXPECT_GE(number(target.at("1m").at("latency_ms").at("p99")), 29.7);

  // The process and the host, for the same page.
  EXPECT_GT(number(stats.at("process").at("resident_memory_bytes")), 1e6);
  EXPECT_GE(number(stats.at("host").at("cpus")), 1.0);
  EXPECT_GT(number(stats.at("host").at("memory_total_bytes")),
            number(stats.at("host").at("memory_available_bytes")));
  EXPECT_TRUE(stats.at("host").at("network").as_object().contains("lo"));
  EXPECT_GT(number(stats.at("uptime_seconds")), 0.0);
}

TEST(LiveStats, OneRouteCanBeAskedForAndUnknownOnesAreNot) {
  EchoBackend backend;
  Gateway gateway(statistics_config(backend.address()));
  for (int i = 0; i < 5; ++i) ASSERT_EQ(get_in_process(gateway.port(), "/delay/1").status, 200);
  const json::value slow = stats_of(gateway, "/admin/stats/routes/slow");
  EXPECT_EQ(slow.at("route"), "slow");
  EXPECT_EQ(slow.at("10s").at("requests").as_int64(), 5);
  EXPECT_GE(number(slow.at("10s").at("latency_ms").at("p50")), 0.99);
  // A route without requests is all zeros, over windows as long as the gateway has run.
  const json::value fast = stats_of(gateway, "/admin/stats/routes/fast");
  EXPECT_EQ(fast.at("5m").at("requests").as_int64(), 0);
  EXPECT_EQ(number(fast.at("5m").at("latency_ms").at("p99")), 0.0);
  EXPECT_GT(number(fast.at("5m").at("seconds")), 0.0);
  EXPECT_LE(number(fast.at("5m").at("seconds")), number(fast.at("uptime_seconds")) + 0.01);

  const CurlResult unknown = admin_call(gateway, "GET", "/admin/stats/routes/nope");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("\"code\":\"route_not_found\""), std::string::npos) << unknown.body;
  EXPECT_EQ(admin_call(gateway, "GET", "/admin/stats/routes/slow/more").status, 404);
  EXPECT_EQ(admin_call(gateway, "POST", "/admin/stats").status, 405);
}

TEST(LiveStats, ARouteKeepsItsNumbersAcrossAReloadThatKeepsIt) {
  EchoBackend backend;
  Gateway gateway(statistics_config(backend.address()));
  for (int i = 0; i < 6; ++i) ASSERT_EQ(get_in_process(gateway.port(), "/api/x").status, 200);
  gateway.write_config(statistics_config(backend.address()) + R"(
[[routes]]
name = "added"
match = { path_prefix = "/added/" }
upstream = "backend"
)");
  gateway.process().signal(SIGHUP);
  ASSERT_TRUE(gateway.wait_for_metric("apigw_config_version 2"));
  ASSERT_EQ(get_in_process(gateway.port(), "/added/x").status, 200);
  const json::value stats = stats_of(gateway);
  EXPECT_EQ(stats.at("routes").at("fast").at("10s").at("requests").as_int64(), 6);
  EXPECT_EQ(stats.at("routes").at("added").at("10s").at("requests").as_int64(), 1);
  EXPECT_EQ(stats.at("upstreams").at("backend").at("10s").at("requests").as_int64(), 7);
}

}  // namespace
}  // namespace apigw::test
