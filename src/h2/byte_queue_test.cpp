// ByteQueue: order kept across takes and appends, taken bytes dropped once they are half the
// string, memory given back past the kept capacity.
#include "h2/byte_queue.h"

#include <gtest/gtest.h>

#include <string>

namespace apigw::h2 {
namespace {

TEST(H2ByteQueue, BytesComeOutInTheOrderTheyWentIn) {
  ByteQueue queue;
  std::string expected;
  std::string seen;
  for (int round = 0; round < 200; ++round) {
    const std::string chunk(static_cast<std::size_t>(round % 37 + 1),
                            static_cast<char>('a' + round % 26));
    queue.append(chunk);
    expected += chunk;
    char out[29];
    const std::size_t n = queue.take_into(out, round % 29);
    seen.append(out, n);
    ASSERT_EQ(queue.size(), expected.size() - seen.size());
    ASSERT_EQ(queue.view(), std::string_view(expected).substr(seen.size()));
  }
  queue.take(queue.size());
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.view(), "");
}

TEST(H2ByteQueue, TakenBytesAreDroppedOnceTheyAreHalfTheString) {
  ByteQueue queue;
  queue.append(std::string(100, 'x'));
  queue.take(40);
  queue.trim(1 << 20);
  EXPECT_EQ(queue.size(), 60u) << "under half taken: nothing moved";
  queue.take(20);
  queue.trim(1 << 20);  // 60 of 100 taken: dropped
  queue.append("y");
  EXPECT_EQ(queue.view(), std::string(40, 'x') + "y");
}

TEST(H2ByteQueue, AnEmptyQueueKeepsOnlyTheCapacityItIsAllowed) {
  ByteQueue queue;
  queue.append(std::string(64 * 1024, 'x'));
  queue.take(64 * 1024);
  EXPECT_TRUE(queue.empty());
  EXPECT_GE(queue.capacity(), 64u * 1024) << "taking everything keeps the memory";
  queue.trim(4096);
  EXPECT_LT(queue.capacity(), 64u * 1024) << "trim gives back what is past the kept capacity";
  queue.append("small");
  queue.clear(16 * 1024);
  EXPECT_TRUE(queue.empty());
  EXPECT_GT(queue.capacity(), 0u) << "a small buffer is kept for reuse";
}

}  // namespace
}  // namespace apigw::h2
