#include "server/mirror_queue.h"

#include <gtest/gtest.h>

namespace apigw::server {
namespace {

MirrorJob job_of(std::string bytes, std::size_t route = 0) {
  MirrorJob job;
  job.route = route;
  job.bytes = std::move(bytes);
  return job;
}

TEST(MirrorQueue, FirstInFirstOutAcrossTheRingsEnd) {
  MirrorQueue queue(4, 1024);
  std::size_t next_in = 0;
  std::size_t next_out = 0;
  // Ten rounds of three in, two out: the ring wraps several times.
  for (int round = 0; round < 10; ++round) {
    for (int i = 0; i < 3 && queue.size() < 4; ++i) {
      MirrorJob job = job_of("x", next_in);
      ASSERT_TRUE(queue.try_push(job));
      ++next_in;
    }
    for (int i = 0; i < 2; ++i) {
      MirrorJob out;
      ASSERT_TRUE(queue.pop(out));
      EXPECT_EQ(out.route, next_out++);
    }
  }
  for (MirrorJob out; queue.pop(out);) EXPECT_EQ(out.route, next_out++);
  EXPECT_EQ(next_out, next_in);
  EXPECT_EQ(queue.bytes(), 0u);
}

TEST(MirrorQueue, AFullQueueRefusesAndLeavesTheJobAsItWas) {
  MirrorQueue queue(2, 1024);
  MirrorJob first = job_of("a");
  MirrorJob second = job_of("b");
  ASSERT_TRUE(queue.try_push(first));
  ASSERT_TRUE(queue.try_push(second));
  MirrorJob third = job_of("ccc", 7);
  EXPECT_FALSE(queue.has_room(1));
  EXPECT_FALSE(queue.try_push(third));
  EXPECT_EQ(third.bytes, "ccc");
  EXPECT_EQ(third.route, 7u);
  EXPECT_EQ(queue.size(), 2u);
  MirrorJob out;
  ASSERT_TRUE(queue.pop(out));
  EXPECT_EQ(out.bytes, "a");
  EXPECT_TRUE(queue.try_push(third)) << "a slot is free again";
}

TEST(MirrorQueue, TheByteBudgetBoundsWhatWaits) {
  MirrorQueue queue(256, 100);
  MirrorJob big = job_of(std::string(60, 'x'));
  ASSERT_TRUE(queue.try_push(big));
  EXPECT_EQ(queue.bytes(), 60u);
  EXPECT_TRUE(queue.has_room(40));
  EXPECT_FALSE(queue.has_room(41));
  MirrorJob other = job_of(std::string(41, 'y'));
  EXPECT_FALSE(queue.try_push(other));
  EXPECT_EQ(other.bytes.size(), 41u);
  MirrorJob fits = job_of(std::string(40, 'z'));
  EXPECT_TRUE(queue.try_push(fits));
  EXPECT_EQ(queue.bytes(), 100u);
  MirrorJob out;
  ASSERT_TRUE(queue.pop(out));
  EXPECT_EQ(queue.bytes(), 40u);
  EXPECT_TRUE(queue.try_push(other));
}

TEST(MirrorQueue, PoppedAndClearedJobsReleaseTheirSnapshot) {
  // A queued job keeps its WorkerSnapshot (and so the pools it uses) alive; once it leaves the
  // queue, the queue holds nothing of it.
  const auto owner = std::make_shared<int>(1);
  MirrorQueue queue(4, 1024);
  for (int i = 0; i < 3; ++i) {
    MirrorJob job = job_of("x");
    job.serving = std::shared_ptr<WorkerSnapshot>(owner, static_cast<WorkerSnapshot*>(nullptr));
    ASSERT_TRUE(queue.try_push(job));
  }
  EXPECT_EQ(owner.use_count(), 4);
  {
    MirrorJob out;
    ASSERT_TRUE(queue.pop(out));
    EXPECT_EQ(owner.use_count(), 4) << "moved out, not copied";
  }
  EXPECT_EQ(owner.use_count(), 3) << "the slot it left holds nothing";
  queue.clear();
  EXPECT_EQ(owner.use_count(), 1);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.bytes(), 0u);
}

TEST(MirrorQueue, BuffersAreReusedUpToALimit) {
  MirrorQueue queue;
  EXPECT_EQ(queue.take_buffer().capacity(), std::string().capacity()) << "none given back yet";
  std::string buffer(4096, 'x');
  const std::size_t capacity = buffer.capacity();
  queue.give_back(std::move(buffer));
  const std::string reused = queue.take_buffer();
  EXPECT_TRUE(reused.empty());
  EXPECT_EQ(reused.capacity(), capacity);
  queue.give_back(std::string(MirrorQueue::kMaxKeptCapacity + 1, 'x'));
  EXPECT_EQ(queue.take_buffer().capacity(), std::string().capacity()) << "too big to keep";
  for (std::size_t i = 0; i < MirrorQueue::kMaxFreeBuffers + 4; ++i) {
    queue.give_back(std::string(100, 'x'));
  }
  std::size_t kept = 0;
  while (queue.take_buffer().capacity() >= 100) ++kept;
  EXPECT_EQ(kept, MirrorQueue::kMaxFreeBuffers);
}

}  // namespace
}  // namespace apigw::server
