#include "proxy/circuit_breaker.h"

namespace apigw::proxy {
namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

std::int64_t ns(config::Duration duration) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count();
}

void clear_window(BreakerWindow& window) {
  for (auto& bucket : window.buckets) bucket.slice.store(-1, kRelaxed);
}

// Adds a call to the bucket of `now`, starting the bucket afresh if it holds an older slice.
void add_call(BreakerWindow& window, std::int64_t slice_ns, std::int64_t now, bool failed,
              bool slow) {
  const std::int64_t slice = now / slice_ns;
  auto& bucket = window.buckets[static_cast<std::size_t>(slice) % BreakerWindow::kBuckets];
  std::int64_t seen = bucket.slice.load(kRelaxed);
  if (seen != slice && bucket.slice.compare_exchange_strong(seen, slice, kRelaxed)) {
    // This call starts the slice. Counts another worker adds between the exchange and these
    // stores may be lost: a statistics window can afford that, a lock on the hot path cannot.
    bucket.calls.store(0, kRelaxed);
    bucket.failures.store(0, kRelaxed);
    bucket.slow.store(0, kRelaxed);
  }
  bucket.calls.fetch_add(1, kRelaxed);
  if (failed) bucket.failures.fetch_add(1, kRelaxed);
  if (slow) bucket.slow.fetch_add(1, kRelaxed);
}

struct Totals {
  std::uint64_t calls = 0, failures = 0, slow = 0;
};

Totals window_totals(const BreakerWindow& window, std::int64_t slice_ns, std::int64_t now) {
  const std::int64_t current = now / slice_ns;
  Totals totals;
  for (const auto& bucket : window.buckets) {
    const std::int64_t slice = bucket.slice.load(kRelaxed);
    if (slice < 0 || current - slice >= static_cast<std::int64_t>(BreakerWindow::kBuckets)) {
      continue;  // older than the window
    }
    totals.calls += bucket.calls.load(kRelaxed);
    totals.failures += bucket.failures.load(kRelaxed);
    totals.slow += bucket.slow.load(kRelaxed);
  }
  return totals;
}

bool move(BreakerCell& cell, BreakerState from, BreakerState to) {
  return cell.state.compare_exchange_strong(from, to, kRelaxed);
}

}  // namespace

WindowCounts recent_calls(const config::CircuitBreakerConfig& config, const BreakerCell& cell,
                          std::int64_t now_ns) {
  const std::int64_t slice_ns = std::max<std::int64_t>(
      ns(config.window) / static_cast<std::int64_t>(BreakerWindow::kBuckets), 1);
  const Totals totals = window_totals(cell.window, slice_ns, now_ns);
  return {totals.calls, totals.failures, totals.slow};
}

const char* breaker_state_name(BreakerState state) {
  switch (state) {
    case BreakerState::closed:
      return "closed";
    case BreakerState::open:
      return "open";
    case BreakerState::half_open:
      return "half_open";
  }
  return "closed";
}

bool breaker_admits(const config::CircuitBreakerConfig& config, BreakerCell& cell,
                    std::int64_t now_ns, bool* became_half_open) {
  if (!config.enabled) return true;
  switch (cell.state.load(kRelaxed)) {
    case BreakerState::closed:
      return true;
    case BreakerState::open:
      if (now_ns < cell.opened_at.load(kRelaxed) + ns(config.open_duration)) return false;
      if (move(cell, BreakerState::open, BreakerState::half_open)) {
        cell.half_open_admitted.store(0, kRelaxed);
        cell.half_open_succeeded.store(0, kRelaxed);
        if (became_half_open != nullptr) *became_half_open = true;
      }
      [[fallthrough]];
    case BreakerState::half_open:
      return cell.half_open_admitted.load(kRelaxed) < config.half_open_calls;
  }
  return true;
}

void breaker_on_pick(BreakerCell& cell) {
  if (cell.state.load(kRelaxed) == BreakerState::half_open) {
    cell.half_open_admitted.fetch_add(1, kRelaxed);
  }
}

std::optional<BreakerState> breaker_record(const config::CircuitBreakerConfig& config,
                                           BreakerCell& cell, bool failed,
                                           std::chrono::nanoseconds duration, std::int64_t now_ns) {
  const bool slow = duration > config.slow_call_duration;
  const std::int64_t slice_ns = std::max<std::int64_t>(
      ns(config.window) / static_cast<std::int64_t>(BreakerWindow::kBuckets), 1);
  if (!config.enabled) {
    // Without a breaker the window still feeds the recent error rate the admin API shows.
    add_call(cell.window, slice_ns, now_ns, failed, slow);
    return std::nullopt;
  }
  const auto open = [&](BreakerState from) -> std::optional<BreakerState> {
    if (!move(cell, from, BreakerState::open)) return std::nullopt;
    cell.opened_at.store(now_ns, kRelaxed);
    return BreakerState::open;
  };
  switch (cell.state.load(kRelaxed)) {
    case BreakerState::open:
      return std::nullopt;  // a call that started before it opened
    case BreakerState::half_open:
      if (failed || (slow && config.slow_call_rate > 0)) return open(BreakerState::half_open);
      if (cell.half_open_succeeded.fetch_add(1, kRelaxed) + 1 < config.half_open_calls) {
        return std::nullopt;
      }
      if (!move(cell, BreakerState::half_open, BreakerState::closed)) return std::nullopt;
      cell.consecutive_failures.store(0, kRelaxed);
      clear_window(cell.window);
      return BreakerState::closed;
    case BreakerState::closed:
      break;
  }
  add_call(cell.window, slice_ns, now_ns, failed, slow);
  if (failed) {
    const std::uint32_t in_a_row = cell.consecutive_failures.fetch_add(1, kRelaxed) + 1;
    if (config.consecutive_failures > 0 && in_a_row >= config.consecutive_failures) {
      return open(BreakerState::closed);
    }
  } else {
    cell.consecutive_failures.store(0, kRelaxed);
  }
  const Totals totals = window_totals(cell.window, slice_ns, now_ns);
  if (totals.calls < config.minimum_calls) return std::nullopt;
  const bool too_many_failures =
      config.failure_rate > 0 && totals.failures * 100 >= config.failure_rate * totals.calls;
  const bool too_slow =
      config.slow_call_rate > 0 && totals.slow * 100 >= config.slow_call_rate * totals.calls;
  if (too_many_failures || too_slow) return open(BreakerState::closed);
  return std::nullopt;
}

}  // namespace apigw::proxy
