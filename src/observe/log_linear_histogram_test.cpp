// The log-linear histogram's layout (buckets contiguous, each at most 1/2^SubBits of its values
// wide), its quantiles against exact ones, and merging.
#include "observe/log_linear_histogram.h"

#include <gtest/gtest.h>

#include <cmath>

namespace apigw::observe {
namespace {

using Histogram = LogLinearHistogram<3, 36>;

TEST(LogLinearHistogram, BucketsTileTheValuesWithBoundedWidth) {
  for (std::size_t bucket = 0; bucket + 1 < Histogram::kBuckets; ++bucket) {
    SCOPED_TRACE(bucket);
    const std::uint64_t low = Histogram::lower_bound(bucket);
    const std::uint64_t high = Histogram::upper_bound(bucket);
    EXPECT_EQ(Histogram::upper_bound(bucket), Histogram::lower_bound(bucket + 1)) << "no gap";
    EXPECT_EQ(Histogram::bucket_of(low), bucket);
    EXPECT_EQ(Histogram::bucket_of(high - 1), bucket);
    if (low >= Histogram::kSub) {
      EXPECT_LE(static_cast<double>(high - low) / static_cast<double>(low), 1.0 / 8 + 1e-12);
    } else {
      EXPECT_EQ(high - low, 1u) << "exact below 2^SubBits";
    }
  }
  EXPECT_EQ(Histogram::bucket_of(std::uint64_t{1} << 40), Histogram::kBuckets - 1) << "clamped";
}

TEST(LogLinearHistogram, QuantilesAreWithinHalfABucketOfTheTruth) {
  Histogram histogram;
  for (std::uint64_t value = 1; value <= 100'000; ++value) histogram.record(value);
  const auto totals = histogram.read();
  EXPECT_EQ(totals.count(), 100'000u);
  for (const double quantile : {0.5, 0.9, 0.95, 0.99, 0.999}) {
    SCOPED_TRACE(quantile);
    const double truth = quantile * 100'000;
    const double got = static_cast<double>(totals.value_at(quantile));
    EXPECT_LE(std::abs(got - truth) / truth, 1.0 / 16 + 1e-9);
  }
  EXPECT_EQ(Histogram::Totals{}.value_at(0.5), 0u) << "empty";
}

TEST(LogLinearHistogram, PerWorkerHistogramsMergeIntoOne) {
  Histogram one, two;
  for (int i = 0; i < 90; ++i) one.record(3);
  for (int i = 0; i < 10; ++i) two.record(5000);
  auto merged = one.read();
  merged.add(two.read());
  EXPECT_EQ(merged.count(), 100u);
  EXPECT_EQ(merged.value_at(0.5), 3u);
  EXPECT_EQ(merged.value_at(0.9), 3u);
  const std::uint64_t p99 = merged.value_at(0.99);
  EXPECT_GE(p99, 4608u);  // 5000's bucket: [4608, 5120)
  EXPECT_LT(p99, 5120u);
}

}  // namespace
}  // namespace apigw::observe
