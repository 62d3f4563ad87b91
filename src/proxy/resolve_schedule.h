// When each upstream's target names are resolved again: every upstream on its own
// `resolve_interval` (docs/configuration.md), so that a 10 s upstream does not make a thousand
// 30 s ones resolve every 10 s. I/O-free: the gateway's timer asks it what is due.
#pragma once

#include <chrono>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/schema.h"

namespace apigw::proxy {

class ResolveSchedule {
 public:
  using Clock = std::chrono::steady_clock;

  // `upstreams` were resolved at `now` (a build that resolved them all: start-up, reload).
  void resolved_all(const config::SharedList<config::UpstreamConfig>& upstreams, Clock::time_point now);
  // Whether `upstream` is due at `now`: resolved at least its resolve_interval ago. An upstream
  // seen for the first time counts as resolved now (a build resolves names it did not know).
  bool due(const config::UpstreamConfig& upstream, Clock::time_point now);
  // `upstream` was resolved at `now`.
  void resolved(const config::UpstreamConfig& upstream, Clock::time_point now) {
    last_[upstream.name] = now;
  }
  // When the next upstream of `upstreams` falls due (now + 30 s when there is none); forgets the
  // upstreams that are gone.
  Clock::time_point next_due(const config::SharedList<config::UpstreamConfig>& upstreams,
                             Clock::time_point now);

 private:
  std::unordered_map<std::string, Clock::time_point> last_;  // upstream name -> last resolution
};

}  // namespace apigw::proxy
