// Live state of one upstream target that every worker shares: updated and read with relaxed
// atomics, never under a lock. Kept across snapshots by (upstream, address), so a reload does not
// forget a target's load.
#pragma once

#include <atomic>
#include <cstdint>

namespace apigw::proxy {

struct TargetState {
  // Requests sent to this target and not finished yet, on all workers (least_connections and
  // least_request_p2c read it).
  std::atomic<std::int64_t> in_flight{0};
};

// Counts one request in flight for as long as it lives.
class InFlightGuard {
 public:
  InFlightGuard() = default;
  explicit InFlightGuard(TargetState* state) : state_(state) {
    if (state_) state_->in_flight.fetch_add(1, std::memory_order_relaxed);
  }
  InFlightGuard(const InFlightGuard&) = delete;
  InFlightGuard& operator=(const InFlightGuard&) = delete;
  InFlightGuard& operator=(InFlightGuard&& other) noexcept {
    release();
    state_ = other.state_;
    other.state_ = nullptr;
    return *this;
  }
  ~InFlightGuard() { release(); }
  void release() {
    if (state_) state_->in_flight.fetch_sub(1, std::memory_order_relaxed);
    state_ = nullptr;
  }

 private:
  TargetState* state_ = nullptr;
};

}  // namespace apigw::proxy
