// Bytes appended at the back and taken from the front, in one string: a stream's received body
// and its queue of bytes to send, a session's output. Taking moves an offset; the bytes taken are
// dropped when all are (no copy), or when they are at least half of the string as more comes (one
// move of what is left), so the string stays under twice what it holds.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace apigw::h2 {

// What a stream's queues keep of their memory: a received body trimmed while the stream lives
// keeps 4 KiB at most; a stream reused for another keeps queues of up to 16 KiB (big ones, a body
// or a queue that filled a window, are given back).
inline constexpr std::size_t kKeptBodyCapacity = 4096;
inline constexpr std::size_t kKeptStreamCapacity = 16 * 1024;

class ByteQueue {
 public:
  std::string_view view() const { return std::string_view(bytes_).substr(taken_); }
  std::size_t size() const { return bytes_.size() - taken_; }
  bool empty() const { return taken_ == bytes_.size(); }
  std::size_t capacity() const { return bytes_.capacity(); }

  void append(std::string_view more) {
    if (taken_ != 0 && taken_ * 2 >= bytes_.size()) drop_taken();
    bytes_.append(more);
  }
  // Takes `count` bytes from the front (all there are, at most).
  void take(std::size_t count) {
    taken_ += count < size() ? count : size();
    if (taken_ == bytes_.size()) {
      bytes_.clear();  // keeps the memory for what comes next
      taken_ = 0;
    }
  }
  // Copies up to `count` bytes from the front to `out` and takes them; how many.
  std::size_t take_into(void* out, std::size_t count) {
    if (count > size()) count = size();
    std::memcpy(out, bytes_.data() + taken_, count);
    take(count);
    return count;
  }
  // Drops the bytes taken, and an empty queue's memory past `kept_capacity` (a queue that once
  // held a whole window does not keep it for a trickle).
  void trim(std::size_t kept_capacity) {
    if (empty()) {
      clear(kept_capacity);
    } else if (taken_ != 0 && taken_ * 2 >= bytes_.size()) {
      drop_taken();
    }
  }
  // Empties it; memory past `kept_capacity` is given back.
  void clear(std::size_t kept_capacity) {
    bytes_.clear();
    taken_ = 0;
    if (bytes_.capacity() > kept_capacity) std::string().swap(bytes_);
  }

 private:
  void drop_taken() {
    bytes_.erase(0, taken_);
    taken_ = 0;
  }

  std::string bytes_;
  std::size_t taken_ = 0;
};

}  // namespace apigw::h2
