// A lock-free single-producer single-consumer ring whose slots are swapped with the caller's
// object rather than copied: slots keep their capacity (strings, vectors), so steady-state
// producing does not allocate. Full: push refuses (and counts a drop) rather than waits, so a
// worker never blocks on a slow consumer. Used by the access log and by the span exporter.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <utility>
#include <vector>

namespace apigw::observe {

template <typename T>
class SwapRing {
 public:
  // One slot always stays empty to tell full from empty, so a ring of N holds N - 1 items.
  explicit SwapRing(std::size_t capacity) : slots_(std::max<std::size_t>(capacity, 2)) {}

  // Producer: swaps `item` into a free slot (`item` gets the slot's old contents). False (and a
  // drop counted) when full.
  bool push(T& item) {
    const std::size_t tail = tail_.load(std::memory_order_relaxed);
    const std::size_t next = (tail + 1) % slots_.size();
    if (next == head_.load(std::memory_order_acquire)) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    std::swap(slots_[tail], item);
    tail_.store(next, std::memory_order_release);
    return true;
  }
  // Consumer: swaps the oldest item into `out`. False when empty.
  bool pop(T& out) {
    const std::size_t head = head_.load(std::memory_order_relaxed);
    if (head == tail_.load(std::memory_order_acquire)) return false;
    std::swap(out, slots_[head]);
    head_.store((head + 1) % slots_.size(), std::memory_order_release);
    return true;
  }
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  // Items waiting, as seen from any thread (exact only on the consumer's).
  std::size_t size() const {
    const std::size_t head = head_.load(std::memory_order_acquire);
    const std::size_t tail = tail_.load(std::memory_order_acquire);
    return (tail + slots_.size() - head) % slots_.size();
  }

 private:
  std::vector<T> slots_;
  alignas(64) std::atomic<std::size_t> head_{0};  // next slot to pop
  alignas(64) std::atomic<std::size_t> tail_{0};  // next slot to push
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace apigw::observe
