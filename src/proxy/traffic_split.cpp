#include "proxy/traffic_split.h"

#include <stdexcept>

namespace apigw::proxy {

TrafficSplit::TrafficSplit(std::span<const std::uint32_t> weights) {
  if (weights.empty() || weights.size() > kMaxArms) {
    throw std::invalid_argument("a traffic split takes 1 to 16 arms");
  }
  ends_.reserve(weights.size());
  for (const std::uint32_t weight : weights) {
    total_ += weight;
    ends_.push_back(total_);
  }
  if (total_ == 0) throw std::invalid_argument("the weights of a traffic split add up to 0");
}

}  // namespace apigw::proxy
