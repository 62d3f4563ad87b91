#include "observe/live_histogram.h"

#include <bit>

namespace apigw::observe {

namespace {
// Adds the sorted bins `from` into the sorted bins `into`, through `scratch`.
template <typename Into, typename From>
void merge_sorted(std::vector<Into>& into, const std::vector<From>& from,
                  std::vector<Into>& scratch) {
  scratch.clear();
  scratch.reserve(into.size() + from.size());
  std::size_t a = 0, b = 0;
  while (a < into.size() || b < from.size()) {
    if (b == from.size() || (a < into.size() && into[a].bucket < from[b].bucket)) {
      scratch.push_back(into[a++]);
    } else if (a == into.size() || from[b].bucket < into[a].bucket) {
      scratch.push_back({from[b].bucket, from[b].count});
      ++b;
    } else {
      scratch.push_back({into[a].bucket, into[a].count + from[b].count});
      ++a;
      ++b;
    }
  }
  into.swap(scratch);
}
}  // namespace

void merge_bins(LiveBins& into, const LiveBins& from, LiveBins& scratch) {
  if (from.empty()) return;
  if (into.empty()) {
    into = from;
    return;
  }
  merge_sorted(into, from, scratch);
}

void SlotHistogram::drain(LiveBins& out) {
  out.clear();
  for (std::uint32_t used = used_; used != 0; used &= used - 1) {
    const auto chunk = static_cast<std::size_t>(std::countr_zero(used));
    auto& counts = *chunks_[chunk];
    for (std::size_t i = 0; i < kChunk; ++i) {
      if (counts[i] == 0) continue;
      out.push_back({static_cast<std::uint16_t>(chunk * kChunk + i), counts[i]});
      counts[i] = 0;
    }
  }
  used_ = 0;
}

void SlotHistogram::copy(LiveBins& out) const {
  out.clear();
  for (std::uint32_t used = used_; used != 0; used &= used - 1) {
    const auto chunk = static_cast<std::size_t>(std::countr_zero(used));
    const auto& counts = *chunks_[chunk];
    for (std::size_t i = 0; i < kChunk; ++i) {
      if (counts[i] != 0) out.push_back({static_cast<std::uint16_t>(chunk * kChunk + i), counts[i]});
    }
  }
}

void WindowHistogram::add(const LiveBins& bins) {
  if (bins.empty()) return;
  std::vector<Bin> scratch;
  merge_sorted(bins_, bins, scratch);
  for (const LiveBin& bin : bins) count_ += bin.count;
}

void WindowHistogram::add(const WindowHistogram& other) {
  if (other.bins_.empty()) return;
  std::vector<Bin> scratch;
  merge_sorted(bins_, other.bins_, scratch);
  count_ += other.count_;
}

std::uint64_t WindowHistogram::value_at(double quantile) const {
  if (count_ == 0) return 0;
  const double wanted = quantile * static_cast<double>(count_);
  auto rank = static_cast<std::uint64_t>(wanted);
  if (static_cast<double>(rank) < wanted || rank == 0) ++rank;  // ceil, at least the first
  std::uint64_t seen = 0;
  for (const Bin& bin : bins_) {
    seen += bin.count;
    if (seen >= rank) {
      if (bin.bucket < LiveLayout::kSub) return bin.bucket;
      const std::uint64_t low = LiveLayout::lower_bound(bin.bucket);
      return low + (LiveLayout::upper_bound(bin.bucket) - low) / 2;
    }
  }
  return LiveLayout::lower_bound(bins_.back().bucket);
}

}  // namespace apigw::observe
