#include "proxy/traffic_split.h"

#include <stdexcept>

#include "proxy/balancers/balancer.h"

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

std::uint64_t TrafficSplit::point_of(std::string_view key) {
  // The splitmix64 finalizer over the hash with another constant mixed in: a bijection that does
  // not keep the order of hashes, so an arm's slice is no arc of a ring of the same hashes.
  std::uint64_t z = hash_key(key) ^ 0x5851f42d4c957f2dull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace apigw::proxy
