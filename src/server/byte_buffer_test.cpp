#include "server/byte_buffer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string_view>

namespace apigw::server {
namespace {

void append(ByteBuffer& buffer, std::string_view bytes) {
  ASSERT_GE(buffer.writable(), bytes.size());
  std::memcpy(buffer.write_position(), bytes.data(), bytes.size());
  buffer.commit(bytes.size());
}

TEST(ByteBuffer, ConsumingEverythingRewindsToTheStart) {
  BufferPool pool;
  ByteBuffer buffer;
  pool.acquire(buffer);
  append(buffer, "GET / HTTP/1.1\r\n");
  buffer.consume(4);
  EXPECT_EQ(buffer.readable(), "/ HTTP/1.1\r\n");
  buffer.consume(buffer.size());
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.writable(), BufferPool::kBlockSize) << "the whole block is writable again";
}

TEST(ByteBuffer, CompactMovesTheUnreadTailToTheFront) {
  BufferPool pool;
  ByteBuffer buffer;
  pool.acquire(buffer);
  append(buffer, "head|body");
  buffer.consume(5);
  const std::size_t writable_before = buffer.writable();
  buffer.compact();
  EXPECT_EQ(buffer.readable(), "body");
  EXPECT_EQ(buffer.writable(), writable_before + 5);
}

TEST(ByteBuffer, GrowKeepsTheUnreadBytesAndNeverShrinks) {
  BufferPool pool;
  ByteBuffer buffer;
  pool.acquire(buffer);
  append(buffer, "xxpartial head");
  buffer.consume(2);
  buffer.grow(64 * 1024);
  EXPECT_EQ(buffer.capacity(), 64u * 1024);
  EXPECT_EQ(buffer.readable(), "partial head");
  EXPECT_EQ(buffer.writable(), 64u * 1024 - 12);
  buffer.grow(1024);
  EXPECT_EQ(buffer.capacity(), 64u * 1024);
  EXPECT_EQ(buffer.readable(), "partial head");
}

TEST(BufferPool, AnEmptyBufferGoesBackAndIsHandedOutAgain) {
  BufferPool pool;
  ByteBuffer first;
  pool.acquire(first);
  const char* block = first.write_position();
  pool.release_if_empty(first);
  EXPECT_FALSE(first.allocated()) << "an idle connection holds no buffer";
  ByteBuffer second;
  pool.acquire(second);
  EXPECT_EQ(second.write_position(), block) << "the freed block is reused (LIFO)";
}

TEST(BufferPool, ABufferWithUnreadBytesIsKept) {
  BufferPool pool;
  ByteBuffer buffer;
  pool.acquire(buffer);
  append(buffer, "pipelined request");
  pool.release_if_empty(buffer);
  ASSERT_TRUE(buffer.allocated());
  EXPECT_EQ(buffer.readable(), "pipelined request");
  // Acquiring an allocated buffer changes nothing either.
  pool.acquire(buffer);
  EXPECT_EQ(buffer.readable(), "pipelined request");
}

TEST(BufferPool, AGrownBlockIsFreedNotPooled) {
  BufferPool pool;
  ByteBuffer grown;
  pool.acquire(grown);
  grown.grow(BufferPool::kBlockSize * 4);
  const char* big = grown.write_position();
  pool.release_if_empty(grown);
  EXPECT_FALSE(grown.allocated());
  ByteBuffer next;
  pool.acquire(next);
  EXPECT_EQ(next.capacity(), BufferPool::kBlockSize) << "the pool hands out standard blocks only";
  EXPECT_NE(next.write_position(), big);
}

TEST(SmallBlockPool, ReusesBlocksGivenBack) {
  SmallBlockPool pool;
  auto block = pool.take();
  const char* address = block.get();
  pool.give_back(std::move(block));
  EXPECT_EQ(pool.take().get(), address);
  pool.give_back(nullptr);  // a session without a block gives nothing back
  EXPECT_NE(pool.take(), nullptr);
}

}  // namespace
}  // namespace apigw::server
