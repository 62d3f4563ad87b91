// Live state of upstreams and their targets that every worker shares: updated and read with
// relaxed atomics, never under a lock. Kept across snapshots by upstream name (and target
// address), so a reload does not forget a target's load.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace apigw::proxy {

// A circuit breaker's rolling window: kBuckets slices of window / kBuckets each, reused in turn.
struct BreakerWindow {
  static constexpr std::size_t kBuckets = 10;
  struct Bucket {
    std::atomic<std::int64_t> slice{-1};  // which slice of time the counts belong to
    std::atomic<std::uint32_t> calls{0};
    std::atomic<std::uint32_t> failures{0};
    std::atomic<std::uint32_t> slow{0};
  };
  std::array<Bucket, kBuckets> buckets;
};

enum class BreakerState : std::uint8_t { closed, open, half_open };

// One circuit breaker's state (proxy/circuit_breaker.h): a target's, or a whole upstream's.
struct BreakerCell {
  std::atomic<BreakerState> state{BreakerState::closed};
  std::atomic<std::int64_t> opened_at{0};  // steady clock ns
  std::atomic<std::uint32_t> consecutive_failures{0};
  std::atomic<std::uint32_t> consecutive_connect_failures{0};  // connect-failure ejection
  std::atomic<std::uint32_t> half_open_admitted{0};
  std::atomic<std::uint32_t> half_open_succeeded{0};
  BreakerWindow window;
};

struct TargetState {
  // Requests sent to this target and not finished yet, on all workers (least_connections and
  // least_request_p2c read it).
  std::atomic<std::int64_t> in_flight{0};
  // Of those, open WebSocket tunnels (GET /admin/services tells them apart).
  std::atomic<std::int64_t> tunnels{0};
  // Outlier detection (proxy/outlier.h).
  std::atomic<std::uint32_t> consecutive_failures{0};
  std::atomic<std::uint32_t> consecutive_connect_failures{0};  // connect-failure ejection
  std::atomic<std::int64_t> ejected_until{0};  // steady clock, nanoseconds since its epoch
  std::atomic<std::uint32_t> ejections{0};  // in a row: the next ejection lasts this + 1 times base

  BreakerCell breaker;  // circuit breaker (proxy/circuit_breaker.h)
  // Active health checking (server/health_checker.h): false while the probes say it is down.
  std::atomic<bool> healthy{true};

  std::atomic<bool> ejection_logged{false};  // an ejection whose end is still to be logged

  bool ejected(std::int64_t now) const {
    return ejected_until.load(std::memory_order_relaxed) > now;
  }
};

// The retry budget's rolling window (proxy/retry_policy.h): the upstream's requests and retries
// per one-second slice, over the last kSlices seconds; slices are reused in turn.
struct RetryBudgetWindow {
  static constexpr std::size_t kSlices = 10;
  struct Slice {
    std::atomic<std::int64_t> second{-1};  // which second of the steady clock the counts are of
    std::atomic<std::uint32_t> requests{0};
    std::atomic<std::uint32_t> retries{0};
  };
  std::array<Slice, kSlices> slices;
};

struct UpstreamState {
  std::atomic<std::int64_t> active{0};  // requests being proxied to the upstream
  RetryBudgetWindow retry_budget;
  std::atomic<std::int64_t> connections{0};  // open upstream connections, all workers
  std::atomic<std::int64_t> connecting{0};   // requests waiting for a new connection
  BreakerCell breaker;  // the upstream-wide circuit breaker (scope "upstream" or "both")
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
