// Load balancers: how a request's target is chosen among an upstream's usable targets.
// docs/load-balancing.md describes each one and its config keys.
//
// A balancer is I/O-free. Each worker has its own balancer per upstream (built with the worker's
// view of a snapshot), so the mutable state — positions, current weights, a random generator —
// needs no synchronization. What must be shared across workers, the in-flight request count of
// each target, is read through relaxed atomics (TargetState).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/schema.h"

namespace apigw::proxy {

// What a balancer knows of a target.
struct BalancerTarget {
  std::string address;  // as configured; identifies the target across reloads
  std::uint32_t weight = 1;
  const std::atomic<std::int64_t>* in_flight = nullptr;  // requests in flight, all workers
};

class Balancer {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  explicit Balancer(std::vector<BalancerTarget> targets) : targets_(std::move(targets)) {}
  virtual ~Balancer() = default;

  // Picks a target i with usable[i] != 0; npos if there is none. `key` is the request's hash key
  // (consistent_hash only; without one it picks like round robin).
  virtual std::size_t pick(std::span<const std::uint8_t> usable,
                           std::optional<std::uint64_t> key) = 0;
  // Takes over what still applies of the state of this worker's balancer for the same upstream in
  // the previous snapshot (same kind), so a reload does not restart the rotation.
  virtual void carry_over(const Balancer& previous) { (void)previous; }

  const std::vector<BalancerTarget>& targets() const { return targets_; }

 protected:
  std::int64_t in_flight(std::size_t i) const {
    return targets_[i].in_flight ? targets_[i].in_flight->load(std::memory_order_relaxed) : 0;
  }
  std::vector<BalancerTarget> targets_;
};

// The next usable target at or after `position` (which advances past it), cyclically; npos if
// none is usable. Round robin, and the fallback of balancers that have nothing better to go on.
std::size_t next_usable(std::span<const std::uint8_t> usable, std::size_t& position);

// `seed` differs per worker, so workers do not move in lockstep.
std::unique_ptr<Balancer> make_balancer(config::BalancerKind kind,
                                        std::vector<BalancerTarget> targets, std::uint64_t seed);

// A well-mixed 64-bit hash of a key (FNV-1a, then the splitmix64 finalizer).
std::uint64_t hash_key(std::string_view key);

// Individual balancers, for tests and make_balancer.
std::unique_ptr<Balancer> make_round_robin(std::vector<BalancerTarget> targets, std::uint64_t seed);
std::unique_ptr<Balancer> make_weighted_round_robin(std::vector<BalancerTarget> targets);
std::unique_ptr<Balancer> make_least_connections(std::vector<BalancerTarget> targets,
                                                 std::uint64_t seed);
std::unique_ptr<Balancer> make_least_request_p2c(std::vector<BalancerTarget> targets,
                                                 std::uint64_t seed);
std::unique_ptr<Balancer> make_consistent_hash(std::vector<BalancerTarget> targets,
                                               std::uint64_t seed);

}  // namespace apigw::proxy
