// Round robin: each usable target in turn, weights ignored.
#include "proxy/balancers/balancer.h"

namespace apigw::proxy {
namespace {

class RoundRobin final : public Balancer {
 public:
  RoundRobin(std::vector<BalancerTarget> targets, std::uint64_t start)
      : Balancer(std::move(targets)), next_(start) {}

  std::size_t pick(std::span<const std::uint8_t> usable, std::optional<std::uint64_t>) override {
    return next_usable(usable, next_);
  }

  void carry_over(const Balancer& previous) override {
    if (const auto* same = dynamic_cast<const RoundRobin*>(&previous)) next_ = same->next_;
  }

 private:
  std::size_t next_;
};

}  // namespace

std::unique_ptr<Balancer> make_round_robin(std::vector<BalancerTarget> targets,
                                           std::uint64_t seed) {
  return std::make_unique<RoundRobin>(std::move(targets), static_cast<std::size_t>(seed));
}

}  // namespace apigw::proxy
