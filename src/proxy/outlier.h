// Passive health checking ("outlier detection", and its connect-failure instance that is on by
// default): a target whose tries keep failing is ejected — no request picks it — for a time that
// grows with each ejection in a row, and never so many targets that more than
// max_ejection_percent of the upstream is out. Any worker may record a
// try; the state is the targets' shared atomics (TargetState), so all workers see an ejection at
// once. I/O-free. docs/resilience.md describes the behaviour and the keys.
#pragma once

#include <chrono>
#include <cstdint>

#include "proxy/cluster.h"
#include "util/coarse_clock.h"

namespace apigw::proxy {

// Nanoseconds on the steady clock: the unit of TargetState::ejected_until. Read coarsely (up to a
// tick behind, util/coarse_clock.h): ejections, breaker and budget windows last seconds.
inline std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(util::coarse_now().time_since_epoch())
      .count();
}

// Records one try on target `index` of `cluster` for outlier detection: `failed` for a connect
// failure or timeout, a reset, an invalid response or a 5xx status. Returns how long the target
// was ejected for when this try ejected it, else zero.
std::chrono::milliseconds record_try(const Cluster& cluster, std::size_t index, bool failed,
                                     std::int64_t now_ns);

// The same for connect-failure ejection (on by default): `failed` when the connection could not
// be made (refused, unreachable, timed out); any made connection counts as a success.
std::chrono::milliseconds record_connect(const Cluster& cluster, std::size_t index, bool failed,
                                         std::int64_t now_ns);

}  // namespace apigw::proxy
