// GET /admin/status/upstreams[/{name}] and the per-target gauges show what the data plane decided:
// an ejected target, its failures in the recent window, a target marked unhealthy by its checks.
#include <gtest/gtest.h>

#include <thread>

#include "support/gateway.h"

namespace apigw::test {
namespace {

HttpResponse admin_get(const Gateway& gateway, const std::string& path) {
  return parse_response(
      raw_exchange(gateway.admin_port(),
                   "GET " + path + " HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n"));
}

TEST(AdminUpstreams, ShowsEjectionHealthAndRecentErrors) {
  EchoBackend alive("alive");
  const std::string dead = dead_address();
  Gateway gateway(pool_config(
      targets_toml({alive.address(), dead}),
      "outlier_detection = { consecutive_failures = 1, base_ejection_time = \"30s\" }\n"
      "health_check = { type = \"tcp\", interval = \"100ms\", unhealthy_threshold = 6 }"));
  // The requests come first (one fails on the dead target and ejects it); the health checks
  // need six failed probes, about half a second, to mark it unhealthy as well. With a lower
  // threshold the checks could take the target out before any request reached it.
  // In-process requests, so that they come well inside that half second.
  for (int i = 0; i < 4; ++i) get_in_process(gateway.port(), "/");
  EXPECT_TRUE(wait_until([&] {
    return gateway.log().find("target " + dead + " marked unhealthy") != std::string::npos;
  })) << gateway.log();

  const auto all = admin_get(gateway, "/admin/status/upstreams");
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.headers["content-type"], "application/json");
  EXPECT_NE(all.body.find("{\"upstreams\":[{\"name\":\"pool\""), std::string::npos) << all.body;

  const auto pool = admin_get(gateway, "/admin/status/upstreams/pool");
  ASSERT_EQ(pool.status, 200);
  const std::string dead_entry = pool.body.substr(pool.body.find("\"address\":\"" + dead + "\""));
  EXPECT_NE(dead_entry.find("\"healthy\":false"), std::string::npos) << dead_entry;
  EXPECT_NE(dead_entry.find("\"ejected\":true"), std::string::npos) << dead_entry;
  EXPECT_NE(dead_entry.find("\"recent_errors\":1"), std::string::npos) << dead_entry;
  const std::string alive_entry =
      pool.body.substr(pool.body.find("\"address\":\"" + alive.address() + "\""));
  EXPECT_NE(alive_entry.find("\"healthy\":true,\"ejected\":false"), std::string::npos)
      << alive_entry;

  const std::string metrics = gateway.metrics();
  EXPECT_NE(
      metrics.find("apigw_upstream_target_ejected{upstream=\"pool\",target=\"" + dead + "\"} 1"),
      std::string::npos)
      << metrics;
  EXPECT_NE(
      metrics.find("apigw_upstream_target_healthy{upstream=\"pool\",target=\"" + dead + "\"} 0"),
      std::string::npos)
      << metrics;

  const auto unknown = admin_get(gateway, "/admin/status/upstreams/nope");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("\"code\":\"upstream_not_found\""), std::string::npos);
}

}  // namespace
}  // namespace apigw::test
