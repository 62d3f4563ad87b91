// Owned copies of one stream's header names and values. Blocks are chained, never moved, so a
// view handed out stays valid until clear(): a RequestHead built from a header block can point
// into the arena for the stream's whole life, whatever arrives after it.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

namespace apigw::h2 {

class HeaderArena {
 public:
  // A stable copy of `text` (never a null view, even when empty).
  std::string_view copy(std::string_view text);
  // `size` bytes for the caller to fill (a joined Cookie), stable like a copy.
  char* allocate(std::size_t size);
  // Forgets every copy; keeps the largest block, so a reused stream allocates nothing.
  void clear();
  // Bytes of the blocks held (what the arena costs, not what is used).
  std::size_t bytes_held() const { return held_; }

 private:
  static constexpr std::size_t kFirstBlock = 1024;

  struct Block {
    std::unique_ptr<char[]> data;
    std::size_t size = 0;
  };
  std::vector<Block> blocks_;
  std::size_t used_ = 0;  // bytes used in blocks_.back()
  std::size_t held_ = 0;
};

}  // namespace apigw::h2
