#include "proxy/resolve_schedule.h"

#include <algorithm>
#include <unordered_set>

namespace apigw::proxy {

using namespace std::chrono_literals;

void ResolveSchedule::resolved_all(const config::SharedList<config::UpstreamConfig>& upstreams,
                                   Clock::time_point now) {
  for (const auto& upstream : upstreams) last_[upstream.name] = now;
}

bool ResolveSchedule::due(const config::UpstreamConfig& upstream, Clock::time_point now) {
  const auto [last, first_seen] = last_.try_emplace(upstream.name, now);
  return !first_seen && now - last->second >= upstream.resolve_interval;
}

ResolveSchedule::Clock::time_point ResolveSchedule::next_due(
    const config::SharedList<config::UpstreamConfig>& upstreams, Clock::time_point now) {
  std::unordered_set<std::string_view> present;
  auto next = Clock::time_point::max();
  for (const auto& upstream : upstreams) {
    present.insert(upstream.name);
    const auto [last, first_seen] = last_.try_emplace(upstream.name, now);
    next = std::min(next, last->second + std::chrono::duration_cast<Clock::duration>(
                                             upstream.resolve_interval));
  }
  std::erase_if(last_, [&](const auto& entry) { return !present.contains(entry.first); });
  return next == Clock::time_point::max() ? now + 30s : next;
}

}  // namespace apigw::proxy
