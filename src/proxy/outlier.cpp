#include "proxy/outlier.h"

#include <algorithm>

namespace apigw::proxy {

namespace {

// One rule for both instances: `counter` is the target's count of failures in a row of the kind
// `detection` watches.
std::chrono::milliseconds record(const config::OutlierDetectionConfig& detection,
                                 std::atomic<std::uint32_t> TargetState::*counter,
                                 const Cluster& cluster, std::size_t index, bool failed,
                                 std::int64_t now_ns) {
  if (!detection.enabled) return {};
  TargetState& state = *cluster.targets[index].state;
  std::atomic<std::uint32_t>& consecutive_failures = state.*counter;
  const auto max_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(detection.max_ejection_time).count();
  if (!failed) {
    consecutive_failures.store(0, std::memory_order_relaxed);
    // Good for a whole max_ejection_time since its last ejection ended: the next ejection starts
    // from the base time again.
    if (state.ejections.load(std::memory_order_relaxed) > 0 &&
        now_ns - state.ejected_until.load(std::memory_order_relaxed) > max_ns) {
      state.ejections.store(0, std::memory_order_relaxed);
    }
    return {};
  }
  const std::uint32_t failures = consecutive_failures.fetch_add(1, std::memory_order_relaxed) + 1;
  if (failures < detection.consecutive_failures || state.ejected(now_ns)) return {};
  const auto ejected = static_cast<std::size_t>(
      std::count_if(cluster.targets.begin(), cluster.targets.end(),
                    [&](const Target& target) { return target.state->ejected(now_ns); }));
  if ((ejected + 1) * 100 > std::size_t{detection.max_ejection_percent} * cluster.targets.size()) {
    return {};  // ejecting it would take out too much of the upstream
  }
  // Several workers may cross the threshold together: the one that resets the count ejects.
  std::uint32_t expected = failures;
  if (!consecutive_failures.compare_exchange_strong(expected, 0, std::memory_order_relaxed)) {
    return {};
  }
  const std::uint32_t in_a_row = state.ejections.fetch_add(1, std::memory_order_relaxed) + 1;
  const auto duration =
      std::min(detection.max_ejection_time,
               detection.base_ejection_time * static_cast<std::int64_t>(in_a_row));
  state.ejected_until.store(
      now_ns + std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count(),
      std::memory_order_relaxed);
  state.ejection_logged.store(true, std::memory_order_relaxed);
  return duration;
}

}  // namespace

std::chrono::milliseconds record_try(const Cluster& cluster, std::size_t index, bool failed,
                                     std::int64_t now_ns) {
  return record(cluster.config->outlier_detection, &TargetState::consecutive_failures, cluster,
                index, failed, now_ns);
}

std::chrono::milliseconds record_connect(const Cluster& cluster, std::size_t index, bool failed,
                                         std::int64_t now_ns) {
  return record(cluster.config->connect_failure_ejection,
                &TargetState::consecutive_connect_failures, cluster, index, failed, now_ns);
}

}  // namespace apigw::proxy
