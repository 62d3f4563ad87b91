// A connection's read buffer: one contiguous block with a readable window [begin, end). Blocks of
// the standard size come from the worker's BufferPool and go back to it when a connection is idle,
// so an idle keep-alive connection holds no buffer at all.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace apigw::server {

class ByteBuffer {
 public:
  bool allocated() const { return storage_ != nullptr; }
  std::string_view readable() const { return {storage_.get() + begin_, end_ - begin_}; }
  std::size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }
  char* write_position() { return storage_.get() + end_; }
  std::size_t writable() const { return capacity_ - end_; }
  std::size_t capacity() const { return capacity_; }
  void commit(std::size_t n) { end_ += n; }
  void consume(std::size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  // Moves the readable bytes to the front so the whole tail is writable.
  void compact() {
    if (begin_ == 0) return;
    std::memmove(storage_.get(), storage_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  // Grows to at least `capacity` bytes, keeping the readable bytes.
  void grow(std::size_t capacity) {
    if (capacity <= capacity_) return;
    auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
    std::memcpy(bigger.get(), storage_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    storage_ = std::move(bigger);
    capacity_ = capacity;
  }

 private:
  friend class BufferPool;
  std::unique_ptr<char[]> storage_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

// Per-worker free list of standard-size blocks (LIFO, so the next user gets a cache-warm block).
class BufferPool {
 public:
  static constexpr std::size_t kBlockSize = 16 * 1024;
  // 8 MiB at most; beyond it blocks go back to the allocator. Busy workers with many connections
  // return and take blocks all the time: a short list would send most of them through malloc.
  static constexpr std::size_t kMaxFree = 512;

  void acquire(ByteBuffer& buffer) {
    if (buffer.allocated()) return;
    if (free_.empty()) {
      buffer.storage_ = std::make_unique_for_overwrite<char[]>(kBlockSize);
    } else {
      buffer.storage_ = std::move(free_.back());
      free_.pop_back();
    }
    buffer.capacity_ = kBlockSize;
    buffer.begin_ = buffer.end_ = 0;
  }

  // Returns the block if the buffer holds no unread bytes.
  void release_if_empty(ByteBuffer& buffer) {
    if (!buffer.allocated() || !buffer.empty()) return;
    if (buffer.capacity_ == kBlockSize && free_.size() < kMaxFree) {
      free_.push_back(std::move(buffer.storage_));
    }
    buffer.storage_.reset();
    buffer.capacity_ = buffer.begin_ = buffer.end_ = 0;
  }

 private:
  std::vector<std::unique_ptr<char[]>> free_;
};

// Per-worker free list of small blocks: what a keep-alive connection reads into while it waits
// for its next request (ClientSession::linger), so that a burst of connections going quiet holds
// 1 KiB each rather than a 16 KiB buffer.
class SmallBlockPool {
 public:
  static constexpr std::size_t kBlockSize = 1024;
  static constexpr std::size_t kMaxFree = 1024;

  std::unique_ptr<char[]> take() {
    if (free_.empty()) return std::make_unique_for_overwrite<char[]>(kBlockSize);
    auto block = std::move(free_.back());
    free_.pop_back();
    return block;
  }
  void give_back(std::unique_ptr<char[]> block) {
    if (block && free_.size() < kMaxFree) free_.push_back(std::move(block));
  }

 private:
  std::vector<std::unique_ptr<char[]>> free_;
};

}  // namespace apigw::server
