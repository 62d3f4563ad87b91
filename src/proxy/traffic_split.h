// A weighted split of a route's requests among its arms (docs/configuration.md, "Weighted
// splits"). I/O-free: the caller brings a uniformly spread 64-bit point (the hash of the request's
// sticky key, or a random number) and gets the arm whose slice the point falls in.
//
// Arm i owns the slice [w0 + ... + w(i-1), w0 + ... + wi) of [0, total), in arm order; a point p
// lands at p × total / 2^64. An arm of weight 0 owns an empty slice and is never picked. A key
// changes arm only when a slice boundary passes over it: ramping the last arm of two from 10 to 20
// moves the keys of the widened slice onto it and no other key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace apigw::proxy {

class TrafficSplit {
 public:
  // At most kMaxArms weights, not all zero (config validation refuses other lists); throws
  // std::invalid_argument otherwise. Default-constructed: no arms (a route without a split).
  static constexpr std::size_t kMaxArms = 16;
  TrafficSplit() = default;
  explicit TrafficSplit(std::span<const std::uint32_t> weights);

  // The arm of `point`: one whose weight is not zero. No allocation, no shared write.
  std::size_t pick(std::uint64_t point) const {
    const auto scaled =
        static_cast<std::uint64_t>((static_cast<unsigned __int128>(point) * total_) >> 64);
    // The arms whose slices end at or before the point: those before the point's arm.
    std::size_t arm = 0;
    for (const std::uint64_t end : ends_) arm += end <= scaled ? 1 : 0;
    return arm;
  }
  // The point of a request's sticky key: its hash_key re-mixed. An upstream of the split may hash
  // the same key on its consistent-hash ring; with hash_key itself as the point, the keys of an
  // arm would be one arc of that ring and reach a few of its targets (one, for a thin arm).
  static std::uint64_t point_of(std::string_view key);

  std::size_t size() const { return ends_.size(); }
  std::uint64_t total() const { return total_; }

 private:
  std::vector<std::uint64_t> ends_;  // where each arm's slice ends: cumulative weights
  std::uint64_t total_ = 0;
};

}  // namespace apigw::proxy
