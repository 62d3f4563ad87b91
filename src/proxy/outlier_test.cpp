// Outlier detection on a cluster built by hand (no I/O): the threshold, the growing ejection time,
// the cap on ejected targets, recovery, and the reset of the growth after a long good period.
#include "proxy/outlier.h"

#include <gtest/gtest.h>

namespace apigw::proxy {
namespace {

using std::chrono::milliseconds;
constexpr std::int64_t kMs = 1'000'000;

struct Fixture {
  explicit Fixture(std::size_t targets, std::uint32_t max_percent = 50) {
    upstream.name = "u";
    upstream.outlier_detection = {.enabled = true,
                                  .consecutive_failures = 3,
                                  .base_ejection_time = milliseconds(1000),
                                  .max_ejection_time = milliseconds(2500),
                                  .max_ejection_percent = max_percent};
    cluster.config = &upstream;
    for (std::size_t i = 0; i < targets; ++i) {
      Target target;
      target.address = "t" + std::to_string(i) + ":80";
      target.state = std::make_shared<TargetState>();
      cluster.targets.push_back(std::move(target));
    }
  }
  milliseconds fail(std::size_t index, int times, std::int64_t now) {
    milliseconds last{};
    for (int i = 0; i < times; ++i) last = record_try(cluster, index, true, now);
    return last;
  }
  config::UpstreamConfig upstream;
  Cluster cluster;
};

TEST(OutlierDetection, EjectsAfterConsecutiveFailuresForTheBaseTime) {
  Fixture f(4);
  EXPECT_EQ(f.fail(0, 2, 0), milliseconds(0));
  record_try(f.cluster, 0, false, 0);  // a success in between starts the count again
  EXPECT_EQ(f.fail(0, 2, 0), milliseconds(0));
  EXPECT_EQ(f.fail(0, 1, 0), milliseconds(1000));
  EXPECT_TRUE(f.cluster.targets[0].state->ejected(999 * kMs));
  EXPECT_FALSE(f.cluster.targets[0].state->ejected(1000 * kMs));
}

TEST(OutlierDetection, EachEjectionInARowLastsLongerUpToTheMaximum) {
  Fixture f(4);
  EXPECT_EQ(f.fail(0, 3, 0), milliseconds(1000));
  EXPECT_EQ(f.fail(0, 3, 1100 * kMs), milliseconds(2000));
  EXPECT_EQ(f.fail(0, 3, 3200 * kMs), milliseconds(2500)) << "capped by max_ejection_time";
}

TEST(OutlierDetection, NeverEjectsMoreThanMaxEjectionPercent) {
  Fixture f(4, 50);
  EXPECT_EQ(f.fail(0, 3, 0), milliseconds(1000));
  EXPECT_EQ(f.fail(1, 3, 0), milliseconds(1000));
  EXPECT_EQ(f.fail(2, 3, 0), milliseconds(0)) << "a third of four would be 75%";
  EXPECT_FALSE(f.cluster.targets[2].state->ejected(0));
  Fixture single(1, 50);
  EXPECT_EQ(single.fail(0, 10, 0), milliseconds(0)) << "the only target is never ejected";
}

TEST(OutlierDetection, AGoodPeriodResetsTheGrowth) {
  Fixture f(2);
  EXPECT_EQ(f.fail(0, 3, 0), milliseconds(1000));
  // Back after 1 s, then good for longer than max_ejection_time: the next ejection is short again.
  record_try(f.cluster, 0, false, 4000 * kMs);
  EXPECT_EQ(f.fail(0, 3, 4100 * kMs), milliseconds(1000));
}

TEST(OutlierDetection, OffWithoutTheTable) {
  Fixture f(2);
  f.upstream.outlier_detection.enabled = false;
  EXPECT_EQ(f.fail(0, 100, 0), milliseconds(0));
  EXPECT_FALSE(f.cluster.targets[0].state->ejected(0));
}

}  // namespace
}  // namespace apigw::proxy

namespace apigw::proxy {
namespace {

// Connect-failure ejection is on with no configuration at all: one refused connection takes a
// target out for the base second, the next ejection in a row lasts longer, and a made connection
// starts the count again. It shares the cap with outlier detection.
struct ConnectFixture : Fixture {
  // Defaults only: outlier detection off, connect-failure ejection as shipped.
  explicit ConnectFixture(std::size_t targets) : Fixture(targets) {
    upstream.outlier_detection = {};
  }
};

TEST(ConnectFailureEjection, IsOnByDefaultAndEjectsAtTheFirstRefusal) {
  ConnectFixture f(3);
  EXPECT_EQ(record_connect(f.cluster, 1, true, 0), std::chrono::milliseconds(1000));
  EXPECT_TRUE(f.cluster.targets[1].state->ejected(999 * kMs));
  EXPECT_FALSE(f.cluster.targets[1].state->ejected(1000 * kMs));
  // Refused again right after its return: out for twice as long.
  EXPECT_EQ(record_connect(f.cluster, 1, true, 1000 * kMs), std::chrono::milliseconds(2000));
}

TEST(ConnectFailureEjection, AMadeConnectionStartsTheCountAgain) {
  ConnectFixture f(3);
  f.upstream.connect_failure_ejection.consecutive_failures = 2;
  EXPECT_EQ(record_connect(f.cluster, 0, true, 0), std::chrono::milliseconds(0));
  EXPECT_EQ(record_connect(f.cluster, 0, false, 0), std::chrono::milliseconds(0));
  EXPECT_EQ(record_connect(f.cluster, 0, true, 0), std::chrono::milliseconds(0));
  EXPECT_EQ(record_connect(f.cluster, 0, true, 0), std::chrono::milliseconds(1000));
}

TEST(ConnectFailureEjection, NeverTakesOutMoreThanHalfTheTargetsOrALoneOne) {
  ConnectFixture three(3);
  EXPECT_GT(record_connect(three.cluster, 0, true, 0).count(), 0);
  EXPECT_EQ(record_connect(three.cluster, 1, true, 0).count(), 0) << "2 of 3 is over 50%";
  ConnectFixture one(1);
  EXPECT_EQ(record_connect(one.cluster, 0, true, 0).count(), 0);
  // An ejection by outlier detection counts towards the same cap.
  ConnectFixture shared(2);
  shared.upstream.outlier_detection = {.enabled = true, .consecutive_failures = 1};
  EXPECT_GT(record_try(shared.cluster, 0, true, 0).count(), 0);
  EXPECT_EQ(record_connect(shared.cluster, 1, true, 0).count(), 0);
}

TEST(ConnectFailureEjection, CanBeTurnedOff) {
  ConnectFixture f(3);
  f.upstream.connect_failure_ejection.enabled = false;
  EXPECT_EQ(record_connect(f.cluster, 0, true, 0).count(), 0);
  EXPECT_FALSE(f.cluster.targets[0].state->ejected(0));
}

}  // namespace
}  // namespace apigw::proxy
