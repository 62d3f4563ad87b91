// A histogram with log-linear buckets (HDR histogram's layout): values below 2^kSubBits each have
// their own bucket; above, every power of two is split into 2^kSubBits equal buckets, so a bucket
// is at most 1/2^kSubBits of its values wide whatever their magnitude. Single writer (the owning
// worker) with relaxed atomics, read by others and merged: per-worker histograms add up.
//
// Written here rather than taken from a library: HdrHistogram_c is not packaged in Debian, and the
// part needed is the bucket index (a bit-width and a shift) and a walk over the counts.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace apigw::observe {

template <unsigned kSubBits, unsigned kMaxBits>
class LogLinearHistogram {
  static_assert(kSubBits >= 1 && kSubBits < kMaxBits && kMaxBits <= 63);

 public:
  static constexpr std::uint64_t kSub = std::uint64_t{1} << kSubBits;
  // Values of kMaxBits bits and more share the last bucket.
  static constexpr std::size_t kBuckets = kSub * (kMaxBits - kSubBits + 1);

  static constexpr std::size_t bucket_of(std::uint64_t value) {
    if (value >= (std::uint64_t{1} << kMaxBits)) return kBuckets - 1;
    if (value < kSub) return static_cast<std::size_t>(value);
    const unsigned shift = static_cast<unsigned>(std::bit_width(value)) - 1 - kSubBits;
    return static_cast<std::size_t>(kSub * (shift + 1) + ((value >> shift) - kSub));
  }
  // The smallest value of a bucket, and one past its largest.
  static constexpr std::uint64_t lower_bound(std::size_t bucket) {
    if (bucket < kSub) return bucket;
    const unsigned shift = static_cast<unsigned>(bucket / kSub) - 1;
    return (kSub + bucket % kSub) << shift;
  }
  static constexpr std::uint64_t upper_bound(std::size_t bucket) {
    if (bucket < kSub) return bucket + 1;
    const unsigned shift = static_cast<unsigned>(bucket / kSub) - 1;
    return (kSub + bucket % kSub + 1) << shift;
  }

  void record(std::uint64_t value) {
    auto& counter = counts_[bucket_of(value)];
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  // A plain copy, to merge and query.
  struct Totals {
    std::array<std::uint64_t, kBuckets> counts{};
    void add(const Totals& other) {
      for (std::size_t i = 0; i < kBuckets; ++i) counts[i] += other.counts[i];
    }
    std::uint64_t count() const {
      std::uint64_t total = 0;
      for (const std::uint64_t c : counts) total += c;
      return total;
    }
    // The value below which a `quantile` (0-1) of the recorded values lie: the middle of the
    // bucket holding that rank (exact below 2^kSubBits). 0 when nothing was recorded.
    std::uint64_t value_at(double quantile) const {
      const std::uint64_t total = count();
      if (total == 0) return 0;
      const double wanted = quantile * static_cast<double>(total);
      auto rank = static_cast<std::uint64_t>(wanted);
      if (static_cast<double>(rank) < wanted || rank == 0) ++rank;  // ceil, at least the first
      std::uint64_t seen = 0;
      for (std::size_t i = 0; i < kBuckets; ++i) {
        seen += counts[i];
        if (seen >= rank) {
          if (i < kSub) return i;
          return lower_bound(i) + (upper_bound(i) - lower_bound(i)) / 2;
        }
      }
      return lower_bound(kBuckets - 1);
    }
  };

  Totals read() const {
    Totals totals;
    for (std::size_t i = 0; i < kBuckets; ++i)
      totals.counts[i] = counts_[i].load(std::memory_order_relaxed);
    return totals;
  }

 private:
  std::array<std::atomic<std::uint64_t>, kBuckets> counts_{};
};

}  // namespace apigw::observe
