#include "h2/header_arena.h"

#include <algorithm>
#include <cstring>

namespace apigw::h2 {

char* HeaderArena::grow(std::size_t size) {
  // Doubling keeps the number of blocks logarithmic in what a stream may hold (the header
  // limits bound it), and a field larger than the next block gets a block of its own size.
  const std::size_t previous = blocks_.empty() ? kFirstBlock / 2 : blocks_.back().size;
  const std::size_t block_size = std::max(previous * 2, size);
  blocks_.push_back(Block{std::make_unique<char[]>(block_size), block_size});
  held_ += block_size;
  used_ = 0;
  return blocks_.back().data.get();
}

char* HeaderArena::allocate(std::size_t size) {
  char* at = !blocks_.empty() && blocks_.back().size - used_ >= size
                 ? blocks_.back().data.get() + used_
                 : grow(size);
  used_ += size;
  return at;
}

void HeaderArena::clear() {
  if (blocks_.size() > 1) {
    auto largest = std::max_element(blocks_.begin(), blocks_.end(),
                                    [](const Block& a, const Block& b) { return a.size < b.size; });
    Block kept = std::move(*largest);
    blocks_.clear();
    held_ = kept.size;
    blocks_.push_back(std::move(kept));
  }
  used_ = 0;
}

}  // namespace apigw::h2
