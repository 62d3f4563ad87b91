// Live statistics over rolling windows (the last 10 seconds, minute and 5 minutes) for one
// route or upstream target on one worker: request and status counts, bytes, and latency
// histograms (total, and upstream: request sent to response head). GET /admin/stats reads them
// (docs/observability.md).
//
// Only the owning worker touches a WindowedStats: it records on its thread, and the admin API
// reads it by posting to that thread, so there are no atomics and no locks. Time is cut into
// seconds: the current second is counted densely; when it ends it is compacted into a slot of the
// ring of the last 9 seconds and added into the current ten-second slot, which joins the ring of
// the last 29 tens when its ten ends. A window is the current second plus whole slots before
// it: 10 s is 9 seconds and the running one; 1 min and 5 min are the seconds of the running ten
// and as many whole tens as fit, so they cover 50-60 s and 290-300 s (the reader is told how
// many seconds: rates divide by that).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "observe/live_histogram.h"

namespace apigw::observe {

inline constexpr std::array<std::int64_t, 3> kLiveWindowSeconds = {10, 60, 300};
inline constexpr std::array<const char*, 3> kLiveWindowNames = {"10s", "1m", "5m"};

struct LiveCounts {
  std::uint64_t requests = 0;
  std::array<std::uint64_t, 5> status{};  // 1xx..5xx (anything else counts as 5xx)
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t latency_sum_micros = 0;
  std::uint64_t upstream_requests = 0;  // requests that reached an upstream
  std::uint64_t upstream_sum_micros = 0;

  void add(const LiveCounts& other);
};

// What one answered request adds. The caller fills the first fields and calls prepare(), which
// works out once what every entity the sample goes to (its route, its target) needs.
struct LiveSample {
  int status = 0;
  std::uint64_t micros = 0;           // from the head's first byte to the answer's last
  std::uint64_t upstream_micros = 0;  // meaningful when reached_upstream
  bool reached_upstream = false;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;

  // `now_micros`: a steady clock's time since its epoch.
  void prepare(std::int64_t now_micros) {
    second = now_micros / 1'000'000;
    status_index = status >= 100 && status < 600 ? static_cast<std::size_t>(status / 100 - 1) : 4;
    latency_bucket = LiveLayout::bucket_of(micros);
    upstream_bucket = LiveLayout::bucket_of(upstream_micros);
  }
  std::int64_t second = 0;
  std::size_t status_index = 0;  // 1xx..5xx -> 0..4 (anything else: 5xx)
  std::size_t latency_bucket = 0;
  std::size_t upstream_bucket = 0;
};

// One window of one entity (or of several, merged).
struct LiveWindow {
  double seconds = 0;  // the time the window covers
  LiveCounts counts;
  WindowHistogram latency;
  WindowHistogram upstream_latency;

  void merge(const LiveWindow& other);
};
using LiveWindows = std::array<LiveWindow, kLiveWindowSeconds.size()>;

void merge_windows(LiveWindows& into, const LiveWindows& from);

class WindowedStats {
 public:
  // `sample` prepared (LiveSample::prepare).
  void record(const LiveSample& sample) {
    if (sample.second != second_) advance(sample.second);
    current_.requests += 1;
    current_.status[sample.status_index] += 1;
    current_.bytes_in += sample.bytes_in;
    current_.bytes_out += sample.bytes_out;
    current_.latency_sum_micros += sample.micros;
    latency_.record_bucket(sample.latency_bucket);
    if (sample.reached_upstream) {
      current_.upstream_requests += 1;
      current_.upstream_sum_micros += sample.upstream_micros;
      upstream_latency_.record_bucket(sample.upstream_bucket);
    }
  }

  // Adds the windows ending at `now_micros` (or at the current second, if later) into `out`; a
  // window covers at most `age_micros` (how long the gateway has been counting) so that its
  // rates are right just after a start.
  void read(std::int64_t now_micros, std::int64_t age_micros, LiveWindows& out);
  // Sets only the windows' lengths (what read() would, for an entity without requests).
  static void cover(std::int64_t now_micros, std::int64_t age_micros, LiveWindows& out);

 private:
  static constexpr std::int64_t kNever = INT64_MIN;
  struct Slot {
    std::int64_t index = kNever;  // the second (or ten) the slot holds
    LiveCounts counts;
    LiveBins latency;
    LiveBins upstream_latency;
  };
  // Closes the current second into the rings and starts `second`.
  void advance(std::int64_t second);
  static void add_slot(const Slot& slot, LiveWindow& window);

  std::int64_t second_ = kNever;  // the current second
  LiveCounts current_;
  SlotHistogram latency_;
  SlotHistogram upstream_latency_;
  std::array<Slot, 9> seconds_;  // by second % 9: the 9 seconds before the current one
  Slot ten_;                     // the seconds so far of the current (or last active) ten
  std::array<Slot, 29> tens_;    // by ten % 29
  LiveBins scratch_;
};

// A WindowedStats allocated on the first request (5 KB that a route without traffic, of
// thousands, does not hold).
class LazyWindowedStats {
 public:
  void record(const LiveSample& sample) {
    if (!stats_) stats_ = std::make_unique<WindowedStats>();
    stats_->record(sample);
  }
  void read(std::int64_t now_micros, std::int64_t age_micros, LiveWindows& out) {
    if (stats_) {
      stats_->read(now_micros, age_micros, out);
    } else {
      WindowedStats::cover(now_micros, age_micros, out);
    }
  }

 private:
  std::unique_ptr<WindowedStats> stats_;
};

// One upstream target's live statistics on one worker (the requests it answered last), shared by
// the worker's snapshots that have the target.
struct TargetLiveStats {
  LazyWindowedStats live;
};

// The targets' stats of one worker, by upstream and address; they outlive a reload that keeps
// the target.
class TargetLiveRegistry {
 public:
  std::shared_ptr<TargetLiveStats> target(const std::string& upstream, const std::string& address);
  // Forgets targets no snapshot has any more.
  void prune();
  // upstream -> address -> windows, for the targets with requests in the last 5 minutes.
  using Values = std::map<std::string, std::map<std::string, LiveWindows>>;
  void read(std::int64_t now_micros, std::int64_t age_micros, Values& out);

 private:
  std::map<std::pair<std::string, std::string>, std::shared_ptr<TargetLiveStats>> targets_;
};

// Merged live statistics of every worker.
struct LiveValues {
  std::map<std::string, LiveWindows> routes;  // routes with requests in the last 5 minutes
  LiveWindows unrouted;                       // answered before a route was known
  TargetLiveRegistry::Values targets;
  void merge(const LiveValues& other);
};

}  // namespace apigw::observe

