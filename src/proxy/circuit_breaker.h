// Circuit breaker (per target, and optionally for a whole upstream): closed → open when, over a
// rolling window with at least minimum_calls calls, the failure rate or the slow-call rate reaches
// its threshold, or after consecutive_failures failures in a row; open → half-open after
// open_duration; half-open lets half_open_calls trial calls through and closes when they all
// succeed, reopens on a failure. State lives in a BreakerCell of shared atomics, so all workers see
// one breaker. I/O-free; docs/resilience.md has the state machine.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "observe/counter_families.h"
#include "proxy/cluster.h"

namespace apigw::proxy {

// Whether the breaker lets a new call through to `target` now (open until its time is up;
// half-open while trial calls remain). Moves open → half-open when the time is up, and then sets
// `*became_half_open` (if given) so that the caller can log and count the change once.
bool breaker_admits(const config::CircuitBreakerConfig& config, BreakerCell& cell,
                    std::int64_t now_ns, bool* became_half_open = nullptr);

// A call was sent through a half-open breaker: counts one trial call.
void breaker_on_pick(BreakerCell& cell);

// Records a finished call. Returns the state the breaker moved to, if this call moved it.
std::optional<BreakerState> breaker_record(const config::CircuitBreakerConfig& config,
                                           BreakerCell& cell, bool failed,
                                           std::chrono::nanoseconds duration, std::int64_t now_ns);

const char* breaker_state_name(BreakerState state);

// The metric cell of a breaker entering `to`: a target's breaker, or the upstream's own.
constexpr observe::BreakerTransition breaker_entered(bool upstream_breaker, BreakerState to) {
  static_assert(static_cast<int>(observe::BreakerTransition::target_half_open) ==
                    static_cast<int>(BreakerState::half_open) &&
                static_cast<int>(observe::BreakerTransition::upstream_closed) == 3);
  return static_cast<observe::BreakerTransition>((upstream_breaker ? 3 : 0) + static_cast<int>(to));
}

// Calls to a target in the last `window` (kept whether or not the breaker is on).
struct WindowCounts {
  std::uint64_t calls = 0, failures = 0, slow = 0;
};
WindowCounts recent_calls(const config::CircuitBreakerConfig& config, const BreakerCell& cell,
                          std::int64_t now_ns);

}  // namespace apigw::proxy
