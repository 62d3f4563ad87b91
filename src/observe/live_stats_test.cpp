#include "observe/live_stats.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace apigw::observe {
namespace {

constexpr std::int64_t kSecond = 1'000'000;
// Far from the clock's epoch, at the start of a ten.
constexpr std::int64_t kStart = 1'000'000 * kSecond;
constexpr std::int64_t kOld = 3600 * kSecond;  // the gateway has run for an hour

LiveSample sample(int status, std::uint64_t micros, std::uint64_t upstream = 0) {
  LiveSample s;
  s.status = status;
  s.micros = micros;
  s.reached_upstream = upstream != 0;
  s.upstream_micros = upstream;
  s.bytes_in = 100;
  s.bytes_out = 1000;
  return s;
}

void record(WindowedStats& stats, std::int64_t now, LiveSample sample) {
  sample.prepare(now);
  stats.record(sample);
}

LiveWindows read(WindowedStats& stats, std::int64_t now, std::int64_t age = kOld) {
  LiveWindows windows;
  stats.read(now, age, windows);
  return windows;
}

TEST(LiveStats, OneRequestPerSecondForSixMinutesFillsEachWindowWithItsSeconds) {
  WindowedStats stats;
  // One request in the middle of each second, for 360 seconds.
  for (std::int64_t s = 0; s < 360; ++s) record(stats, kStart + s * kSecond + kSecond / 2, sample(200, 1000));
  // Read in the middle of second 359 (its request is in): 9 whole seconds and the running one.
  const LiveWindows windows = read(stats, kStart + 359 * kSecond + kSecond / 2 + 1);
  EXPECT_EQ(windows[0].counts.requests, 10u);
  EXPECT_NEAR(windows[0].seconds, 9.5, 0.001);
  // 359 is the 9th second of its ten: 9 closed seconds + 5 whole tens + the running second.
  EXPECT_EQ(windows[1].counts.requests, 60u);
  EXPECT_NEAR(windows[1].seconds, 59.5, 0.001);
  EXPECT_EQ(windows[2].counts.requests, 300u);
  EXPECT_NEAR(windows[2].seconds, 299.5, 0.001);
  for (const LiveWindow& window : windows) {
    EXPECT_NEAR(static_cast<double>(window.counts.requests) / window.seconds, 1.0, 0.06);
  }
}

TEST(LiveStats, AtTheStartOfATenTheMinuteWindowHoldsFiveWholeTens) {
  WindowedStats stats;
  for (std::int64_t s = 0; s < 120; ++s) record(stats, kStart + s * kSecond, sample(200, 1000));
  // Second 120 begins a ten; nothing recorded in it yet.
  const LiveWindows windows = read(stats, kStart + 120 * kSecond + kSecond / 4);
  EXPECT_EQ(windows[0].counts.requests, 9u);
  EXPECT_EQ(windows[1].counts.requests, 50u);
  EXPECT_NEAR(windows[1].seconds, 50.25, 0.001);
  EXPECT_EQ(windows[2].counts.requests, 120u);  // all there is
}

TEST(LiveStats, StatusClassesBytesAndUpstreamTimeAreCountedApart) {
  WindowedStats stats;
  record(stats, kStart, sample(200, 2000, 1500));
  record(stats, kStart + 1, sample(404, 100));
  record(stats, kStart + 2, sample(502, 3000, 2900));
  record(stats, kStart + 3, sample(101, 50, 40));
  record(stats, kStart + 4, sample(999, 10));  // out of range: a 5xx
  const LiveWindow window = read(stats, kStart + 5)[0];
  EXPECT_EQ(window.counts.requests, 5u);
  EXPECT_EQ(window.counts.status, (std::array<std::uint64_t, 5>{1, 1, 0, 1, 2}));
  EXPECT_EQ(window.counts.bytes_in, 500u);
  EXPECT_EQ(window.counts.bytes_out, 5000u);
  EXPECT_EQ(window.counts.upstream_requests, 3u);
  EXPECT_EQ(window.counts.upstream_sum_micros, 1500u + 2900u + 40u);
  EXPECT_EQ(window.upstream_latency.count(), 3u);
  EXPECT_EQ(window.latency.count(), 5u);
  EXPECT_EQ(window.counts.latency_sum_micros, 2000u + 100u + 3000u + 50u + 10u);
}

TEST(LiveStats, PercentilesAreWithinOnePercentOfTheExactOnes) {
  WindowedStats stats;
  std::mt19937_64 random(7);
  std::lognormal_distribution<double> latency(std::log(3000.0), 1.0);  // ~3 ms, long tail
  std::vector<std::uint64_t> values;
  for (int i = 0; i < 200'000; ++i) {
    const auto micros = static_cast<std::uint64_t>(latency(random)) + 1;
    values.push_back(micros);
    record(stats, kStart + i * 1000, sample(200, micros));  // spread over 200 s
  }
  std::sort(values.begin(), values.end());
  const LiveWindows windows = read(stats, kStart + 200'000 * 1000);
  ASSERT_EQ(windows[2].latency.count(), values.size());
  for (const double q : {0.5, 0.9, 0.95, 0.99, 0.999}) {
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
    const auto exact = static_cast<double>(values[rank - 1]);
    const auto read_value = static_cast<double>(windows[2].latency.value_at(q));
    EXPECT_LT(std::abs(read_value - exact) / exact, 0.01) << "quantile " << q;
  }
}

TEST(LiveStats, WindowsOfTwoWorkersMergeIntoWhatOneWouldHold) {
  WindowedStats one, two, both;
  std::mt19937_64 random(3);
  for (int i = 0; i < 5000; ++i) {
    const std::uint64_t micros = random() % 50'000;
    const std::int64_t at = kStart + i * 10'000;
    record(i % 3 == 0 ? one : two, at, sample(200, micros, micros / 2));
    record(both, at, sample(200, micros, micros / 2));
  }
  const std::int64_t now = kStart + 5000 * 10'000;
  LiveWindows merged = read(one, now);
  merge_windows(merged, read(two, now));
  const LiveWindows expected = read(both, now);
  for (std::size_t w = 0; w < merged.size(); ++w) {
    EXPECT_EQ(merged[w].counts.requests, expected[w].counts.requests);
    for (const double q : {0.5, 0.99}) {
      EXPECT_EQ(merged[w].latency.value_at(q), expected[w].latency.value_at(q));
      EXPECT_EQ(merged[w].upstream_latency.value_at(q), expected[w].upstream_latency.value_at(q));
    }
  }
}

TEST(LiveStats, RequestsOlderThanFiveMinutesLeaveEveryWindow) {
  WindowedStats stats;
  record(stats, kStart, sample(200, 1000));
  EXPECT_EQ(read(stats, kStart + 299 * kSecond)[2].counts.requests, 1u);
  EXPECT_EQ(read(stats, kStart + 301 * kSecond)[2].counts.requests, 0u);
  EXPECT_EQ(read(stats, kStart + 1000 * kSecond)[2].counts.requests, 0u);
  // And counting starts again cleanly after a long silence.
  record(stats, kStart + 1000 * kSecond, sample(500, 1000));
  const LiveWindows windows = read(stats, kStart + 1001 * kSecond);
  EXPECT_EQ(windows[2].counts.requests, 1u);
  EXPECT_EQ(windows[2].counts.status[4], 1u);
}

TEST(LiveStats, ReadingDoesNotChangeWhatLaterReadsSee) {
  WindowedStats stats;
  for (int i = 0; i < 30; ++i) {
    record(stats, kStart + i * kSecond, sample(200, 1000));
    read(stats, kStart + i * kSecond + 1);  // a reader polling every second, mid-traffic
  }
  EXPECT_EQ(read(stats, kStart + 29 * kSecond + 2)[1].counts.requests, 30u);
}

TEST(LiveStats, WindowsCoverNoMoreThanTheGatewayHasRun) {
  WindowedStats stats;
  record(stats, kStart, sample(200, 1000));
  const LiveWindows windows = read(stats, kStart + 3 * kSecond, 3 * kSecond);
  for (const LiveWindow& window : windows) EXPECT_NEAR(window.seconds, 3.0, 0.001);
  LazyWindowedStats never_used;
  LiveWindows empty;
  never_used.read(kStart + 3 * kSecond, 3 * kSecond, empty);
  EXPECT_NEAR(empty[2].seconds, 3.0, 0.001);
  EXPECT_EQ(empty[2].counts.requests, 0u);
}

TEST(LiveHistogram, EveryValueLandsInABucketWhoseMiddleIsWithinOnePercent) {
  for (std::uint64_t value = 1; value < (std::uint64_t{1} << 32); value = value * 3 / 2 + 1) {
    const std::size_t bucket = LiveLayout::bucket_of(value);
    const std::uint64_t low = LiveLayout::lower_bound(bucket);
    const std::uint64_t middle = value < 64 ? value : low + (LiveLayout::upper_bound(bucket) - low) / 2;
    EXPECT_LE(std::abs(static_cast<double>(middle) - static_cast<double>(value)) /
                  static_cast<double>(value),
              0.01)
        << value;
  }
}

}  // namespace
}  // namespace apigw::observe
