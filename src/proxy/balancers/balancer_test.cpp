// The balancers, I/O-free: exact sequences where the algorithm defines one, distributions and the
// remap fraction where it is statistical.
#include "proxy/balancers/balancer.h"

#include <gtest/gtest.h>

#include <array>
#include <map>

namespace apigw::proxy {
namespace {

struct Fixture {
  explicit Fixture(std::vector<std::uint32_t> weights) : loads(weights.size()) {
    for (std::size_t i = 0; i < weights.size(); ++i) {
      targets.push_back(
          {std::string(1, static_cast<char>('a' + i)) + ":80", weights[i], &loads[i]});
    }
  }
  std::vector<BalancerTarget> targets;
  std::vector<std::atomic<std::int64_t>> loads;
};

std::string sequence(Balancer& balancer, std::size_t picks, std::vector<std::uint8_t> usable) {
  std::string out;
  for (std::size_t i = 0; i < picks; ++i) {
    const std::size_t picked = balancer.pick(usable, std::nullopt);
    out.push_back(picked == Balancer::npos ? '-' : static_cast<char>('a' + picked));
  }
  return out;
}

TEST(RoundRobin, TakesEachUsableTargetInTurn) {
  Fixture f({1, 1, 1});
  auto balancer = make_round_robin(f.targets, 0);
  EXPECT_EQ(sequence(*balancer, 6, {1, 1, 1}), "abcabc");
  EXPECT_EQ(sequence(*balancer, 4, {1, 0, 1}), "acac");
  EXPECT_EQ(sequence(*balancer, 2, {0, 0, 0}), "--");
}

TEST(WeightedRoundRobin, InterleavesLikeNginx) {
  Fixture f({5, 1, 1});
  auto balancer = make_weighted_round_robin(f.targets);
  EXPECT_EQ(sequence(*balancer, 7, {1, 1, 1}), "aabacaa");
  EXPECT_EQ(sequence(*balancer, 7, {1, 1, 1}), "aabacaa") << "the cycle repeats exactly";
}

TEST(WeightedRoundRobin, SkipsUnusableTargetsAndKeepsProportions) {
  Fixture f({3, 2, 1});
  auto balancer = make_weighted_round_robin(f.targets);
  std::map<char, int> counts;
  for (const char c : sequence(*balancer, 600, {1, 1, 1})) ++counts[c];
  EXPECT_EQ(counts['a'], 300);
  EXPECT_EQ(counts['b'], 200);
  EXPECT_EQ(counts['c'], 100);
  EXPECT_EQ(sequence(*balancer, 4, {0, 1, 1}).find('a'), std::string::npos);
}

TEST(WeightedRoundRobin, ReloadKeepsTheStateOfTargetsThatStay) {
  Fixture before({5, 1, 1});
  auto old_balancer = make_weighted_round_robin(before.targets);
  EXPECT_EQ(sequence(*old_balancer, 3, {1, 1, 1}), "aab");
  // Same targets, same weights: the new balancer goes on from the fourth pick.
  Fixture after({5, 1, 1});
  auto new_balancer = make_weighted_round_robin(after.targets);
  new_balancer->carry_over(*old_balancer);
  EXPECT_EQ(sequence(*new_balancer, 4, {1, 1, 1}), "acaa");
}

TEST(LeastConnections, PrefersTheTargetWithFewestInFlightPerWeight) {
  Fixture f({1, 1, 2});
  auto balancer = make_least_connections(f.targets, 0);
  f.loads[0] = 3;
  f.loads[1] = 1;
  f.loads[2] = 3;  // 3 / 2 = 1.5 per unit of weight: more than b's 1
  EXPECT_EQ(sequence(*balancer, 3, {1, 1, 1}), "bbb");
  f.loads[1] = 2;  // b: 2, c: 1.5
  EXPECT_EQ(sequence(*balancer, 1, {1, 1, 1}), "c");
  EXPECT_EQ(sequence(*balancer, 1, {1, 0, 0}), "a");
}

TEST(LeastConnections, TiesGoRoundRobin) {
  Fixture f({1, 1, 1});
  auto balancer = make_least_connections(f.targets, 0);
  EXPECT_EQ(sequence(*balancer, 6, {1, 1, 1}), "abcabc");
}

TEST(LeastRequestP2c, NeverPicksTheMostLoadedOfThree) {
  Fixture f({1, 1, 1});
  auto balancer = make_least_request_p2c(f.targets, 7);
  f.loads[1] = 100;
  std::map<char, int> counts;
  for (const char c : sequence(*balancer, 3000, {1, 1, 1})) ++counts[c];
  // b loses every pair it is in; a and c split the picks.
  EXPECT_EQ(counts['b'], 0);
  EXPECT_GT(counts['a'], 1200);
  EXPECT_GT(counts['c'], 1200);
}

TEST(LeastRequestP2c, SpreadsEvenlyWithoutLoadAndHonoursUsable) {
  Fixture f({1, 1, 1, 1});
  auto balancer = make_least_request_p2c(f.targets, 11);
  std::map<char, int> counts;
  for (const char c : sequence(*balancer, 8000, {1, 1, 1, 1})) ++counts[c];
  for (const char c : {'a', 'b', 'c', 'd'}) {
    EXPECT_NEAR(counts[c], 2000, 250) << c;
  }
  EXPECT_EQ(sequence(*balancer, 5, {0, 0, 1, 0}), "ccccc");
  EXPECT_EQ(sequence(*balancer, 1, {0, 0, 0, 0}), "-");
}

std::vector<std::size_t> assign(Balancer& balancer, std::size_t keys, std::size_t targets) {
  std::vector<std::uint8_t> usable(targets, 1);
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < keys; ++k) {
    out.push_back(balancer.pick(usable, hash_key("user-" + std::to_string(k))));
  }
  return out;
}

TEST(ConsistentHash, SameKeySameTargetAndKeysSpreadByWeight) {
  Fixture f({1, 1, 2});
  auto balancer = make_consistent_hash(f.targets, 0);
  const auto first = assign(*balancer, 20000, 3);
  EXPECT_EQ(first, assign(*balancer, 20000, 3));
  std::array<int, 3> counts{};
  for (const std::size_t t : first) ++counts[t];
  EXPECT_NEAR(counts[0], 5000, 1000);
  EXPECT_NEAR(counts[1], 5000, 1000);
  EXPECT_NEAR(counts[2], 10000, 1500);
}

TEST(ConsistentHash, AddingOneOfNTargetsRemapsAboutOneNth) {
  Fixture four({1, 1, 1, 1});
  Fixture five({1, 1, 1, 1, 1});
  auto before = make_consistent_hash(four.targets, 0);
  auto after = make_consistent_hash(five.targets, 0);
  const auto a = assign(*before, 20000, 4);
  const auto b = assign(*after, 20000, 5);
  std::size_t moved = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k] != b[k]) {
      ++moved;
      EXPECT_EQ(b[k], 4u) << "a key moved between two old targets";
    }
  }
  EXPECT_NEAR(static_cast<double>(moved) / 20000, 1.0 / 5, 0.05);
}

TEST(ConsistentHash, AnUnusableTargetsKeysSpreadOverTheOthers) {
  Fixture f({1, 1, 1, 1});
  auto balancer = make_consistent_hash(f.targets, 0);
  const auto all = assign(*balancer, 8000, 4);
  std::vector<std::uint8_t> without_c{1, 1, 0, 1};
  std::array<int, 4> moved_to{};
  for (std::size_t k = 0; k < all.size(); ++k) {
    const std::size_t now = balancer->pick(without_c, hash_key("user-" + std::to_string(k)));
    if (all[k] == 2) {
      ++moved_to[now];
    } else {
      EXPECT_EQ(now, all[k]) << "a key of a healthy target moved";
    }
  }
  EXPECT_EQ(moved_to[2], 0);
  for (const std::size_t t : {0u, 1u, 3u}) EXPECT_GT(moved_to[t], 200) << t;
}

TEST(ConsistentHash, WithoutAKeyFallsBackToRoundRobin) {
  Fixture f({1, 1});
  auto balancer = make_consistent_hash(f.targets, 0);
  EXPECT_EQ(sequence(*balancer, 4, {1, 1}), "abab");
}

}  // namespace
}  // namespace apigw::proxy
