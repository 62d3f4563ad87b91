// Live state of upstreams and their targets that every worker shares: updated and read with
// relaxed atomics, never under a lock. Kept across snapshots by upstream name (and target
// address), so a reload does not forget a target's load.
#pragma once

#include <atomic>
#include <cstdint>

namespace apigw::proxy {

struct TargetState {
  // Requests sent to this target and not finished yet, on all workers (least_connections and
  // least_request_p2c read it).
  std::atomic<std::int64_t> in_flight{0};
  // Outlier detection (proxy/outlier.h).
  std::atomic<std::uint32_t> consecutive_failures{0};
  std::atomic<std::int64_t> ejected_until{0};  // steady clock, nanoseconds since its epoch
  std::atomic<std::uint32_t> ejections{0};     // in a row: the next ejection lasts this + 1 times base

  // Active health checking (server/health_checker.h): false while the probes say it is down.
  std::atomic<bool> healthy{true};

  bool ejected(std::int64_t now) const {
    return ejected_until.load(std::memory_order_relaxed) > now;
  }
};

struct UpstreamState {
  std::atomic<std::int64_t> active{0};          // requests being proxied to the upstream
  std::atomic<std::int64_t> retries_active{0};  // of those, how many are on a retry (the budget)
};

// Counts one in a shared counter for as long as it lives.
class CountGuard {
 public:
  CountGuard() = default;
  explicit CountGuard(std::atomic<std::int64_t>* counter) : counter_(counter) {
    if (counter_) counter_->fetch_add(1, std::memory_order_relaxed);
  }
  CountGuard(const CountGuard&) = delete;
  CountGuard& operator=(const CountGuard&) = delete;
  ~CountGuard() { release(); }
  // Counts in `counter` from now on (and no longer in the previous one).
  void reset(std::atomic<std::int64_t>* counter) {
    release();
    counter_ = counter;
    if (counter_) counter_->fetch_add(1, std::memory_order_relaxed);
  }
  void release() {
    if (counter_) counter_->fetch_sub(1, std::memory_order_relaxed);
    counter_ = nullptr;
  }

 private:
  std::atomic<std::int64_t>* counter_ = nullptr;
};

}  // namespace apigw::proxy
