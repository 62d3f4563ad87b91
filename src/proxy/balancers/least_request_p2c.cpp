// Power of two choices: two distinct usable targets at random, the less loaded one (in-flight
// requests per unit of weight) wins. Nearly as good as least connections at spreading load, at a
// constant cost, and without every worker herding onto the same "least loaded" target at once.
#include "proxy/balancers/balancer.h"

namespace apigw::proxy {
namespace {

class LeastRequestP2c final : public Balancer {
 public:
  LeastRequestP2c(std::vector<BalancerTarget> targets, std::uint64_t seed)
      : Balancer(std::move(targets)), state_(seed | 1) {}

  std::size_t pick(std::span<const std::uint8_t> usable, std::optional<std::uint64_t>) override {
    std::size_t usable_count = 0;
    for (const std::uint8_t flag : usable) usable_count += flag != 0;
    if (usable_count == 0) return npos;
    const std::size_t a = nth_usable(usable, next() % usable_count);
    if (usable_count == 1) return a;
    // The second choice among the others, so the two are always distinct.
    std::size_t b_rank = next() % (usable_count - 1);
    std::size_t b = nth_usable(usable, b_rank);
    if (b == a) b = nth_usable(usable, usable_count - 1);
    const std::int64_t load_a = in_flight(a) * targets_[b].weight;
    const std::int64_t load_b = in_flight(b) * targets_[a].weight;
    return load_b < load_a ? b : a;
  }

  void carry_over(const Balancer& previous) override {
    if (const auto* same = dynamic_cast<const LeastRequestP2c*>(&previous)) state_ = same->state_;
  }

 private:
  static std::size_t nth_usable(std::span<const std::uint8_t> usable, std::size_t n) {
    for (std::size_t i = 0; i < usable.size(); ++i) {
      if (usable[i] && n-- == 0) return i;
    }
    return npos;
  }
  // xorshift64*: fast, and good enough to pick two targets.
  std::uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545f4914f6cdd1dull;
  }

  std::uint64_t state_;
};

}  // namespace

std::unique_ptr<Balancer> make_least_request_p2c(std::vector<BalancerTarget> targets,
                                                 std::uint64_t seed) {
  return std::make_unique<LeastRequestP2c>(std::move(targets), hash_key(std::to_string(seed)));
}

}  // namespace apigw::proxy
