// Weighted least connections: the usable target with the fewest in-flight requests per unit of
// weight, counted across all workers. Ties go round robin, so equal targets share the load instead
// of the first one taking every tie.
#include "proxy/balancers/balancer.h"

namespace apigw::proxy {
namespace {

class LeastConnections final : public Balancer {
 public:
  LeastConnections(std::vector<BalancerTarget> targets, std::uint64_t start)
      : Balancer(std::move(targets)), start_(start) {}

  std::size_t pick(std::span<const std::uint8_t> usable, std::optional<std::uint64_t>) override {
    const std::size_t count = targets_.size();
    if (count == 0) return npos;
    const std::size_t first = start_++ % count;
    std::size_t best = npos;
    std::int64_t best_load = 0;
    std::int64_t best_weight = 1;
    for (std::size_t step = 0; step < count; ++step) {
      const std::size_t i = (first + step) % count;
      if (!usable[i]) continue;
      const std::int64_t load = in_flight(i);
      const std::int64_t weight = targets_[i].weight;
      // load / weight < best_load / best_weight, without division.
      if (best == npos || load * best_weight < best_load * weight) {
        best = i;
        best_load = load;
        best_weight = weight;
      }
    }
    return best;
  }

 private:
  std::size_t start_;
};

}  // namespace

std::unique_ptr<Balancer> make_least_connections(std::vector<BalancerTarget> targets,
                                                 std::uint64_t seed) {
  return std::make_unique<LeastConnections>(std::move(targets), static_cast<std::size_t>(seed));
}

}  // namespace apigw::proxy
