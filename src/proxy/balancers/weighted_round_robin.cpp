// Smooth weighted round robin, as NGINX does it: every pick adds each usable target's weight to
// its current weight, picks the highest current weight, and subtracts the total from the winner.
// Weights 5, 1, 1 give a a b a c a a — the heavy target's turns are spread out, not bunched.
#include <unordered_map>

#include "proxy/balancers/balancer.h"

namespace apigw::proxy {
namespace {

class WeightedRoundRobin final : public Balancer {
 public:
  explicit WeightedRoundRobin(std::vector<BalancerTarget> targets)
      : Balancer(std::move(targets)), current_(targets_.size(), 0) {}

  std::size_t pick(std::span<const std::uint8_t> usable, std::optional<std::uint64_t>) override {
    std::int64_t total = 0;
    std::size_t best = npos;
    for (std::size_t i = 0; i < targets_.size(); ++i) {
      if (!usable[i]) continue;
      current_[i] += targets_[i].weight;
      total += targets_[i].weight;
      if (best == npos || current_[i] > current_[best]) best = i;
    }
    if (best != npos) current_[best] -= total;
    return best;
  }

  // Targets that stay keep their current weight, so a reload that changes one weight (or adds a
  // target) does not restart the interleaving of the others.
  void carry_over(const Balancer& previous) override {
    const auto* same = dynamic_cast<const WeightedRoundRobin*>(&previous);
    if (same == nullptr) return;
    std::unordered_map<std::string, std::int64_t> before;
    for (std::size_t i = 0; i < same->targets_.size(); ++i) {
      before.emplace(same->targets_[i].address, same->current_[i]);
    }
    for (std::size_t i = 0; i < targets_.size(); ++i) {
      const auto found = before.find(targets_[i].address);
      if (found != before.end()) current_[i] = found->second;
    }
  }

 private:
  std::vector<std::int64_t> current_;
};

}  // namespace

std::unique_ptr<Balancer> make_weighted_round_robin(std::vector<BalancerTarget> targets) {
  return std::make_unique<WeightedRoundRobin>(std::move(targets));
}

}  // namespace apigw::proxy
