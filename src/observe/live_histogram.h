// Latency histograms of the live statistics (live_stats.h): the log-linear layout of
// log_linear_histogram.h with 64 buckets per power of two, so a percentile read at a bucket's
// middle is within 1/128 (0.8%) of the true value, in microseconds up to 2^32 (71 minutes).
//
// A second's values go into a SlotHistogram: dense, but only over the powers of two that were hit
// (a chunk of 64 counters each, allocated the first time), so a route whose latencies span 1-8 ms
// holds 3 chunks, not 27. When the second ends its counts move into a sparse list of (bucket,
// count) bins, which is what the rolling windows keep and merge.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "observe/log_linear_histogram.h"

namespace apigw::observe {

using LiveLayout = LogLinearHistogram<6, 32>;

struct LiveBin {
  std::uint16_t bucket = 0;
  std::uint32_t count = 0;
};
// Bins in increasing bucket order, no zero counts.
using LiveBins = std::vector<LiveBin>;

// Adds `from` into `into` (both sorted); `scratch` is reused for the result.
void merge_bins(LiveBins& into, const LiveBins& from, LiveBins& scratch);

// A single-writer histogram for one time slot; not thread safe (its worker reads it too).
class SlotHistogram {
 public:
  static constexpr std::size_t kChunk = LiveLayout::kSub;
  static constexpr std::size_t kChunks = LiveLayout::kBuckets / kChunk;
  static_assert(kChunks <= 32, "used_ is a 32-bit mask");

  // A value by its bucket (LiveLayout::bucket_of), which the caller works out once for every
  // histogram the value goes to.
  void record_bucket(std::size_t bucket) {
    const std::size_t chunk = bucket / kChunk;
    auto& counts = chunks_[chunk];
    if (!counts) counts = std::make_unique<std::array<std::uint32_t, kChunk>>();
    ++(*counts)[bucket % kChunk];
    used_ |= std::uint32_t{1} << chunk;
  }
  // Moves the counts into `out` (cleared first) as sorted bins and zeroes them.
  void drain(LiveBins& out);
  // Copies the counts into `out` (cleared first) as sorted bins.
  void copy(LiveBins& out) const;

 private:
  std::array<std::unique_ptr<std::array<std::uint32_t, kChunk>>, kChunks> chunks_;
  std::uint32_t used_ = 0;  // chunks holding counts
};

// A merged histogram (a window, one entity or several): bins with 64-bit counts.
class WindowHistogram {
 public:
  void add(const LiveBins& bins);
  void add(const WindowHistogram& other);
  std::uint64_t count() const { return count_; }
  // The value (microseconds) below which a `quantile` (0-1) of the recorded values lie: the
  // middle of the bucket holding that rank (exact below 64). 0 when empty.
  std::uint64_t value_at(double quantile) const;

 private:
  struct Bin {
    std::uint32_t bucket;
    std::uint64_t count;
  };
  std::vector<Bin> bins_;  // sorted by bucket
  std::uint64_t count_ = 0;
};

}  // namespace apigw::observe
