// Outlier detection with real backends: a dead target is ejected after its failures in a row and
// gets no requests while ejected; it is tried again when the ejection ends; and never more than
// max_ejection_percent of an upstream is ejected.
#include <gtest/gtest.h>

#include <thread>

#include "support/gateway.h"

namespace apigw::test {
namespace {

// Dead targets fail by refusing connections, which failover and connect-failure ejection would
// handle on their own (docs/resilience.md#failover): both are off here, so only outlier detection
// acts.
std::string config_for(const std::vector<std::string>& targets, const std::string& detection) {
  return pool_config(
      targets_toml(targets),
      "outlier_detection = " + detection + "\nconnect_failure_ejection = { enabled = false }",
      "retry = { failover = false }");
}

TEST(OutlierEjection, ADeadTargetIsEjectedThenTriedAgain) {
  EchoBackend alive("alive");
  const std::string dead = dead_address();
  Gateway gateway(config_for(
      {alive.address(), dead},
      "{ consecutive_failures = 2, base_ejection_time = \"1500ms\", max_ejection_percent = 50 }"));
  // Round robin: every second request goes to the dead target until its second failure ejects
  // it; then everything goes to the live one.
  EXPECT_EQ(statuses(gateway, 12), ".x.x........");
  EXPECT_TRUE(gateway.wait_for_metric("apigw_upstream_ejections_total{upstream=\"pool\"} 1"));
  EXPECT_NE(gateway.log().find("target " + dead + " ejected for 1500 ms"), std::string::npos)
      << gateway.log();
  // After the ejection it is tried again, fails twice more, and is ejected for twice as long.
  std::this_thread::sleep_for(std::chrono::milliseconds(1700));
  EXPECT_EQ(statuses(gateway, 8).find('x') != std::string::npos, true);
  EXPECT_NE(gateway.log().find("target " + dead + " back in rotation after ejection"),
            std::string::npos)
      << gateway.log();
  EXPECT_TRUE(gateway.wait_for_metric("apigw_upstream_ejections_total{upstream=\"pool\"} 2"));
  EXPECT_NE(gateway.log().find("ejected for 3000 ms"), std::string::npos) << gateway.log();
}

TEST(OutlierEjection, NeverEjectsMoreThanTheMaximumShare) {
  const std::string dead_a = dead_address();
  const std::string dead_b = dead_address();
  Gateway gateway(
      config_for({dead_a, dead_b}, "{ consecutive_failures = 1, max_ejection_percent = 50 }"));
  // One of the two may be ejected, not both: requests keep reaching the other (and failing with
  // 502) instead of the upstream going dark (503).
  EXPECT_EQ(statuses(gateway, 6), "xxxxxx");
  EXPECT_TRUE(gateway.wait_for_metric("apigw_upstream_ejections_total{upstream=\"pool\"} 1"));
}

}  // namespace
}  // namespace apigw::test
