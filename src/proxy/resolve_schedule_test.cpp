#include "proxy/resolve_schedule.h"

#include <gtest/gtest.h>

namespace apigw::proxy {
namespace {

using namespace std::chrono_literals;

config::UpstreamConfig upstream(std::string name, config::Duration interval) {
  config::UpstreamConfig config;
  config.name = std::move(name);
  config.resolve_interval = interval;
  return config;
}

TEST(ResolveSchedule, EachUpstreamFallsDueOnItsOwnInterval) {
  ResolveSchedule schedule;
  const std::vector<config::UpstreamConfig> upstreams = {upstream("fast", 10s),
                                                         upstream("slow", 30s)};
  const auto start = ResolveSchedule::Clock::time_point() + 1h;
  schedule.resolved_all(upstreams, start);
  EXPECT_EQ(schedule.next_due(upstreams, start), start + 10s);
  EXPECT_TRUE(schedule.due(upstreams[0], start + 10s));
  EXPECT_FALSE(schedule.due(upstreams[1], start + 10s));
  schedule.resolved(upstreams[0], start + 10s);
  EXPECT_EQ(schedule.next_due(upstreams, start + 10s), start + 20s);
  schedule.resolved(upstreams[0], start + 20s);
  EXPECT_EQ(schedule.next_due(upstreams, start + 20s), start + 30s);
  EXPECT_TRUE(schedule.due(upstreams[0], start + 30s));
  EXPECT_TRUE(schedule.due(upstreams[1], start + 30s));
}

TEST(ResolveSchedule, NewUpstreamCountsAsJustResolvedAndGoneOnesAreForgotten) {
  ResolveSchedule schedule;
  const auto start = ResolveSchedule::Clock::time_point() + 1h;
  const std::vector<config::UpstreamConfig> before = {upstream("a", 5s)};
  schedule.resolved_all(before, start);
  const std::vector<config::UpstreamConfig> after = {upstream("b", 20s)};
  EXPECT_FALSE(schedule.due(after[0], start + 3s));
  EXPECT_EQ(schedule.next_due(after, start + 3s), start + 23s);
  // "a" is forgotten: were it back, it would count from now, not from its old resolution.
  EXPECT_FALSE(schedule.due(before[0], start + 6s));
}

TEST(ResolveSchedule, NoUpstreamsWakesAfterThirtySeconds) {
  ResolveSchedule schedule;
  const auto now = ResolveSchedule::Clock::time_point() + 1h;
  EXPECT_EQ(schedule.next_due({}, now), now + 30s);
}

}  // namespace
}  // namespace apigw::proxy
