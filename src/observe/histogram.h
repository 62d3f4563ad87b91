// A fixed-bucket latency histogram, written by one worker and read by the scraper. Buckets follow
// the usual Prometheus ladder from 0.5 ms to 10 s, which covers a gateway's useful range.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace apigw::observe {

inline constexpr std::array<double, 14> kLatencyBucketsSeconds = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

// Single writer (the owning worker); relaxed atomics make concurrent reads well defined without
// costing the writer a locked instruction.
class LatencyHistogram {
 public:
  void record(std::uint64_t micros) {
    // The bounds in whole microseconds: integer compares, and most requests stop at the first.
    static constexpr auto kBoundsMicros = [] {
      std::array<std::uint64_t, kLatencyBucketsSeconds.size()> bounds{};
      for (std::size_t i = 0; i < bounds.size(); ++i) {
        bounds[i] = static_cast<std::uint64_t>(kLatencyBucketsSeconds[i] * 1e6 + 0.5);
      }
      return bounds;
    }();
    std::size_t bucket = 0;
    while (bucket < kBoundsMicros.size() && micros > kBoundsMicros[bucket]) ++bucket;
    bump(counts_[bucket], 1);
    bump(sum_micros_, micros);
  }

  struct Totals {
    std::array<std::uint64_t, kLatencyBucketsSeconds.size() + 1> counts{};  // last: +Inf only
    std::uint64_t sum_micros = 0;
    void add(const Totals& other) {
      for (std::size_t i = 0; i < counts.size(); ++i) counts[i] += other.counts[i];
      sum_micros += other.sum_micros;
    }
  };

  Totals read() const {
    Totals totals;
    for (std::size_t i = 0; i < counts_.size(); ++i)
      totals.counts[i] = counts_[i].load(std::memory_order_relaxed);
    totals.sum_micros = sum_micros_.load(std::memory_order_relaxed);
    return totals;
  }

 private:
  static void bump(std::atomic<std::uint64_t>& counter, std::uint64_t by) {
    counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }
  std::array<std::atomic<std::uint64_t>, kLatencyBucketsSeconds.size() + 1> counts_{};
  std::atomic<std::uint64_t> sum_micros_{0};
};

}  // namespace apigw::observe
