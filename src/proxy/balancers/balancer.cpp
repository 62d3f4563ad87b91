#include "proxy/balancers/balancer.h"

namespace apigw::proxy {

std::uint64_t hash_key(std::string_view key) {
  std::uint64_t hash = 14695981039346656037ull;
  for (const unsigned char c : key) hash = (hash ^ c) * 1099511628211ull;
  // FNV-1a alone leaves similar keys ("user-1", "user-2") close together; the finalizer spreads
  // them over the whole ring.
  hash = (hash ^ (hash >> 30)) * 0xbf58476d1ce4e5b9ull;
  hash = (hash ^ (hash >> 27)) * 0x94d049bb133111ebull;
  return hash ^ (hash >> 31);
}

std::size_t next_usable(std::span<const std::uint8_t> usable, std::size_t& position) {
  const std::size_t count = usable.size();
  for (std::size_t tries = 0; tries < count; ++tries) {
    const std::size_t candidate = position++ % count;
    if (usable[candidate]) return candidate;
  }
  return Balancer::npos;
}

std::unique_ptr<Balancer> make_balancer(config::BalancerKind kind,
                                        std::vector<BalancerTarget> targets, std::uint64_t seed) {
  switch (kind) {
    case config::BalancerKind::round_robin:
      return make_round_robin(std::move(targets), seed);
    case config::BalancerKind::weighted_round_robin:
      return make_weighted_round_robin(std::move(targets));
    case config::BalancerKind::least_connections:
      return make_least_connections(std::move(targets), seed);
    case config::BalancerKind::least_request_p2c:
      return make_least_request_p2c(std::move(targets), seed);
    case config::BalancerKind::consistent_hash:
      return make_consistent_hash(std::move(targets), seed);
  }
  return make_round_robin(std::move(targets), seed);
}

}  // namespace apigw::proxy
