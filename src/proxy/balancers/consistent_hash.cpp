// Consistent hashing on a ring: each target owns kPointsPerWeight × weight points, placed by
// hashing "address#n". A key goes to the first point at or after its hash, walking on past points
// of unusable targets. Adding or removing one of N targets moves only the keys of the points it
// gains or loses — about 1/N of them — and an unusable target's keys spread over the others
// instead of all landing on its neighbour.
#include <algorithm>

#include "proxy/balancers/balancer.h"

namespace apigw::proxy {
namespace {

constexpr std::uint32_t kPointsPerWeight = 160;
constexpr std::size_t kMaxPoints = 100'000;

class ConsistentHash final : public Balancer {
 public:
  ConsistentHash(std::vector<BalancerTarget> targets, std::uint64_t start)
      : Balancer(std::move(targets)), fallback_(start) {
    std::uint64_t total_weight = 0;
    for (const auto& target : targets_) total_weight += target.weight;
    const std::uint64_t per_weight =
        total_weight == 0
            ? 0
            : std::min<std::uint64_t>(kPointsPerWeight,
                                      std::max<std::uint64_t>(1, kMaxPoints / total_weight));
    for (std::size_t i = 0; i < targets_.size(); ++i) {
      const std::uint64_t points = per_weight * targets_[i].weight;
      for (std::uint64_t n = 0; n < points; ++n) {
        ring_.push_back({hash_key(targets_[i].address + "#" + std::to_string(n)),
                         static_cast<std::uint32_t>(i)});
      }
    }
    std::sort(ring_.begin(), ring_.end(),
              [](const Point& a, const Point& b) { return a.hash < b.hash; });
  }

  std::size_t pick(std::span<const std::uint8_t> usable,
                   std::optional<std::uint64_t> key) override {
    if (ring_.empty()) return npos;
    // No key in this request (no such header, cookie or parameter): round robin.
    if (!key) return next_usable(usable, fallback_);
    auto point = std::lower_bound(ring_.begin(), ring_.end(), *key,
                                  [](const Point& p, std::uint64_t hash) { return p.hash < hash; });
    for (std::size_t walked = 0; walked < ring_.size(); ++walked, ++point) {
      if (point == ring_.end()) point = ring_.begin();
      if (usable[point->target]) return point->target;
    }
    return npos;
  }

 private:
  struct Point {
    std::uint64_t hash;
    std::uint32_t target;
  };
  std::vector<Point> ring_;
  std::size_t fallback_;
};

}  // namespace

std::unique_ptr<Balancer> make_consistent_hash(std::vector<BalancerTarget> targets,
                                               std::uint64_t seed) {
  return std::make_unique<ConsistentHash>(std::move(targets), static_cast<std::size_t>(seed));
}

}  // namespace apigw::proxy
