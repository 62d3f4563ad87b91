// The weighted split, I/O-free: shares over many points, the exact slice boundaries, sticky keys,
// which keys move when weights change, and arms of weight 0.
#include "proxy/traffic_split.h"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "proxy/balancers/balancer.h"
#include "util/fast_random.h"

namespace apigw::proxy {
namespace {

TrafficSplit split_of(std::vector<std::uint32_t> weights) { return TrafficSplit(weights); }

// How many of `points` random points each arm gets.
std::vector<int> shares(const TrafficSplit& split, int points) {
  std::vector<int> counts(split.size(), 0);
  util::FastRandom random(42);
  for (int i = 0; i < points; ++i) ++counts[split.pick(random.next())];
  return counts;
}

// The arm of each of `keys` sticky keys ("user-0", "user-1", ...), as a route's sticky key picks.
std::vector<std::size_t> arms_of_keys(const TrafficSplit& split, int keys) {
  std::vector<std::size_t> arms;
  for (int i = 0; i < keys; ++i) {
    arms.push_back(split.pick(TrafficSplit::point_of("user-" + std::to_string(i))));
  }
  return arms;
}

TEST(TrafficSplit, RandomPointsFollowTheWeights) {
  const auto counts = shares(split_of({90, 10}), 1'000'000);
  EXPECT_NEAR(counts[0] / 1e6, 0.90, 0.002);
  EXPECT_NEAR(counts[1] / 1e6, 0.10, 0.002);
  const auto three = shares(split_of({1, 2, 7}), 1'000'000);
  EXPECT_NEAR(three[0] / 1e6, 0.1, 0.002);
  EXPECT_NEAR(three[1] / 1e6, 0.2, 0.002);
  EXPECT_NEAR(three[2] / 1e6, 0.7, 0.002);
}

TEST(TrafficSplit, SlicesFollowArmOrderWithExactBoundaries) {
  const TrafficSplit halves = split_of({1, 1});
  const std::uint64_t half = std::uint64_t{1} << 63;
  EXPECT_EQ(halves.pick(0), 0u);
  EXPECT_EQ(halves.pick(half - 1), 0u);
  EXPECT_EQ(halves.pick(half), 1u);
  EXPECT_EQ(halves.pick(std::numeric_limits<std::uint64_t>::max()), 1u);
  const TrafficSplit sixteen = split_of(std::vector<std::uint32_t>(16, 1));
  for (std::uint64_t arm = 0; arm < 16; ++arm) {
    EXPECT_EQ(sixteen.pick(arm << 60), arm);
    EXPECT_EQ(sixteen.pick((arm << 60) | ((std::uint64_t{1} << 60) - 1)), arm);
  }
}

TEST(TrafficSplit, AStickyKeyAlwaysGetsTheSameArm) {
  const TrafficSplit split = split_of({50, 30, 20});
  EXPECT_EQ(arms_of_keys(split, 10'000), arms_of_keys(split, 10'000));
  // And the keys spread over the arms as the weights say.
  std::vector<int> counts(3, 0);
  for (const std::size_t arm : arms_of_keys(split, 100'000)) ++counts[arm];
  EXPECT_NEAR(counts[0] / 1e5, 0.5, 0.01);
  EXPECT_NEAR(counts[1] / 1e5, 0.3, 0.01);
  EXPECT_NEAR(counts[2] / 1e5, 0.2, 0.01);
}

TEST(TrafficSplit, RampingACanaryMovesOnlyTheWidenedSliceOntoIt) {
  const auto before = arms_of_keys(split_of({90, 10}), 100'000);
  const auto after = arms_of_keys(split_of({80, 20}), 100'000);
  int moved = 0;
  for (std::size_t i = 0; i < before.size(); ++i) {
    if (before[i] == after[i]) continue;
    ++moved;
    EXPECT_EQ(before[i], 0u) << "key " << i << " left the canary";
    EXPECT_EQ(after[i], 1u);
  }
  EXPECT_NEAR(moved / 1e5, 0.10, 0.005) << "the 10% between the old and the new boundary";
}

TEST(TrafficSplit, ChangingLaterArmsLeavesTheKeysOfEarlierOnesInPlace) {
  const auto before = arms_of_keys(split_of({50, 25, 25}), 100'000);
  const auto after = arms_of_keys(split_of({50, 10, 40}), 100'000);
  int moved = 0;
  for (std::size_t i = 0; i < before.size(); ++i) {
    if (before[i] == 0) {
      EXPECT_EQ(after[i], 0u) << "key " << i;
    }
    if (before[i] != after[i]) {
      ++moved;
      EXPECT_EQ(before[i], 1u);
      EXPECT_EQ(after[i], 2u);
    }
  }
  EXPECT_NEAR(moved / 1e5, 0.15, 0.005);
}

// A split's upstream may balance by consistent hashing on the sticky key itself: the keys of a
// thin arm must still reach all its targets, not the one or two that own that arc of the ring.
TEST(TrafficSplit, AnArmsStickyKeysSpreadOverAConsistentHashRingOfTheSameKeys) {
  const TrafficSplit split = split_of({99, 1});
  std::vector<BalancerTarget> targets;
  std::vector<std::atomic<std::int64_t>> loads(4);
  for (std::size_t i = 0; i < loads.size(); ++i) {
    targets.push_back({"10.0.0." + std::to_string(i) + ":80", 1, &loads[i]});
  }
  auto ring = make_consistent_hash(targets, 0);
  const std::vector<std::uint8_t> usable(targets.size(), 1);
  std::vector<int> per_target(targets.size(), 0);
  int canary = 0;
  for (int i = 0; i < 200'000; ++i) {
    const std::string key = "user-" + std::to_string(i);
    if (split.pick(TrafficSplit::point_of(key)) != 1) continue;
    ++canary;
    ++per_target[ring->pick(usable, hash_key(key))];
  }
  ASSERT_NEAR(canary / 2e5, 0.01, 0.002);
  for (std::size_t t = 0; t < per_target.size(); ++t) {
    EXPECT_NEAR(per_target[t] / static_cast<double>(canary), 0.25, 0.06) << "target " << t;
  }
}

TEST(TrafficSplit, AnArmOfWeightZeroIsNeverPicked) {
  for (const auto& weights :
       std::vector<std::vector<std::uint32_t>>{{0, 10}, {10, 0}, {5, 0, 5}, {0, 0, 1}, {1, 0, 0}}) {
    const TrafficSplit split = split_of(weights);
    const auto counts = shares(split, 100'000);
    for (std::size_t arm = 0; arm < weights.size(); ++arm) {
      if (weights[arm] == 0) {
        EXPECT_EQ(counts[arm], 0) << "arm " << arm;
      }
    }
    for (const std::uint64_t edge :
         {std::uint64_t{0}, std::uint64_t{1} << 63, std::numeric_limits<std::uint64_t>::max()}) {
      EXPECT_NE(weights[split.pick(edge)], 0u) << edge;
    }
  }
}

TEST(TrafficSplit, RefusesListsValidationRefuses) {
  EXPECT_THROW(split_of({}), std::invalid_argument);
  EXPECT_THROW(split_of({0, 0}), std::invalid_argument);
  EXPECT_THROW(split_of(std::vector<std::uint32_t>(17, 1)), std::invalid_argument);
  EXPECT_EQ(split_of({1000, 1000}).total(), 2000u);
}

}  // namespace
}  // namespace apigw::proxy
