// Owned copies of one stream's header names and values. Blocks are chained, never moved, so a
// view handed out stays valid until clear(): a RequestHead built from a header block can point
// into the arena for the stream's whole life, whatever arrives after it.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace apigw::h2 {

class HeaderArena {
 public:
  // A stable copy of `text` (never a null view, even when empty). Inline: every field of a
  // request head comes through here, and nearly all fit the current block.
  std::string_view copy(std::string_view text) {
    if (text.empty()) return {kEmpty, 0};
    char* at = !blocks_.empty() && blocks_.back().size - used_ >= text.size()
                   ? blocks_.back().data.get() + used_
                   : grow(text.size());
    used_ += text.size();
    std::memcpy(at, text.data(), text.size());
    return {at, text.size()};
  }
  // `size` bytes for the caller to fill (a joined Cookie), stable like a copy.
  char* allocate(std::size_t size);
  // Forgets every copy; keeps the largest block, so a reused stream allocates nothing.
  void clear();
  // Bytes of the blocks held (what the arena costs, not what is used).
  std::size_t bytes_held() const { return held_; }

 private:
  static constexpr std::size_t kFirstBlock = 1024;
  // Never a null view, even when empty: heads are written with memcpy, and memcpy from a null
  // pointer is undefined even for 0 bytes (the h2_request_head fuzzer found this in the head
  // writer; HTTP/1 heads never hold one, they all point into the read buffer).
  static constexpr char kEmpty[1] = {};

  // A new block with room for `size` bytes (used_ back to 0); where they go.
  char* grow(std::size_t size);

  struct Block {
    std::unique_ptr<char[]> data;
    std::size_t size = 0;
  };
  std::vector<Block> blocks_;
  std::size_t used_ = 0;  // bytes used in blocks_.back()
  std::size_t held_ = 0;
};

}  // namespace apigw::h2
