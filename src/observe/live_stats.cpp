#include "observe/live_stats.h"

#include <algorithm>

namespace apigw::observe {

void LiveCounts::add(const LiveCounts& other) {
  requests += other.requests;
  for (std::size_t i = 0; i < status.size(); ++i) status[i] += other.status[i];
  bytes_in += other.bytes_in;
  bytes_out += other.bytes_out;
  latency_sum_micros += other.latency_sum_micros;
  upstream_requests += other.upstream_requests;
  upstream_sum_micros += other.upstream_sum_micros;
}

void LiveWindow::merge(const LiveWindow& other) {
  seconds = std::max(seconds, other.seconds);
  counts.add(other.counts);
  latency.add(other.latency);
  upstream_latency.add(other.upstream_latency);
}

void merge_windows(LiveWindows& into, const LiveWindows& from) {
  for (std::size_t i = 0; i < into.size(); ++i) into[i].merge(from[i]);
}

void WindowedStats::advance(std::int64_t second) {
  if (second_ != kNever) {
    Slot& closed = seconds_[static_cast<std::size_t>(second_ % 9)];
    closed.index = second_;
    closed.counts = current_;
    latency_.drain(closed.latency);
    upstream_latency_.drain(closed.upstream_latency);
    const std::int64_t ten = second_ / 10;
    if (ten_.index != ten) {
      if (ten_.index != kNever) std::swap(tens_[static_cast<std::size_t>(ten_.index % 29)], ten_);
      ten_.index = ten;
      ten_.counts = {};
      ten_.latency.clear();
      ten_.upstream_latency.clear();
    }
    ten_.counts.add(closed.counts);
    merge_bins(ten_.latency, closed.latency, scratch_);
    merge_bins(ten_.upstream_latency, closed.upstream_latency, scratch_);
  }
  second_ = second;
  current_ = {};
}

void WindowedStats::add_slot(const Slot& slot, LiveWindow& window) {
  window.counts.add(slot.counts);
  window.latency.add(slot.latency);
  window.upstream_latency.add(slot.upstream_latency);
}

namespace {
// Whole tens before the running one that a window made of tens takes.
std::int64_t whole_tens(std::int64_t length, std::int64_t second) {
  return length <= 10 ? 0 : (length - 1 - second % 10) / 10;
}
}  // namespace

void WindowedStats::cover(std::int64_t now_micros, std::int64_t age_micros, LiveWindows& out) {
  const std::int64_t second = now_micros / 1'000'000;
  const double fraction = static_cast<double>(now_micros % 1'000'000) / 1e6;
  const double age = static_cast<double>(age_micros) / 1e6;
  for (std::size_t w = 0; w < kLiveWindowSeconds.size(); ++w) {
    const std::int64_t length = kLiveWindowSeconds[w];
    const auto whole = static_cast<double>(
        length <= 10 ? length - 1 : second % 10 + 10 * whole_tens(length, second));
    out[w].seconds = std::max(out[w].seconds, std::min(whole + fraction, age));
  }
}

void WindowedStats::read(std::int64_t now_micros, std::int64_t age_micros, LiveWindows& out) {
  cover(now_micros, age_micros, out);
  // A request recorded after the reader took its time may have started a later second already:
  // the windows then end with that second (time never goes back for a slot ring).
  const std::int64_t second =
      second_ == kNever ? now_micros / 1'000'000 : std::max(now_micros / 1'000'000, second_);
  // Nothing in the last 5 minutes: nothing to add (and no need to close the stale second).
  if (second_ == kNever || second - second_ > kLiveWindowSeconds.back()) return;
  if (second != second_) advance(second);
  const std::int64_t ten = second / 10;
  Slot current;
  current.counts = current_;
  latency_.copy(current.latency);
  upstream_latency_.copy(current.upstream_latency);
  for (std::size_t w = 0; w < kLiveWindowSeconds.size(); ++w) {
    const std::int64_t length = kLiveWindowSeconds[w];
    LiveWindow& window = out[w];
    add_slot(current, window);
    if (length <= 10) {
      for (const Slot& slot : seconds_) {
        if (slot.index != kNever && slot.index < second && slot.index >= second - (length - 1))
          add_slot(slot, window);
      }
      continue;
    }
    const std::int64_t tens = whole_tens(length, second);
    // The running ten's closed seconds, or (not yet moved into the ring) a ten before it.
    if (ten_.index != kNever && ten_.index <= ten && ten_.index >= ten - tens) add_slot(ten_, window);
    for (const Slot& slot : tens_) {
      if (slot.index != kNever && slot.index < ten && slot.index >= ten - tens) add_slot(slot, window);
    }
  }
}

std::shared_ptr<TargetLiveStats> TargetLiveRegistry::target(const std::string& upstream,
                                                           const std::string& address) {
  auto& slot = targets_[{upstream, address}];
  if (!slot) slot = std::make_shared<TargetLiveStats>();
  return slot;
}

void TargetLiveRegistry::prune() {
  std::erase_if(targets_, [](const auto& entry) { return entry.second.use_count() == 1; });
}

void TargetLiveRegistry::read(std::int64_t now_micros, std::int64_t age_micros, Values& out) {
  for (auto& [key, stats] : targets_) {
    LiveWindows windows;
    stats->live.read(now_micros, age_micros, windows);
    if (windows.back().counts.requests == 0) continue;
    merge_windows(out[key.first][key.second], windows);
  }
}

void LiveValues::merge(const LiveValues& other) {
  for (const auto& [name, windows] : other.routes) merge_windows(routes[name], windows);
  merge_windows(unrouted, other.unrouted);
  for (const auto& [upstream, targets] : other.targets) {
    auto& into = this->targets[upstream];
    for (const auto& [address, windows] : targets) merge_windows(into[address], windows);
  }
}

}  // namespace apigw::observe

