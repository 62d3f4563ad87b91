// The keep-alive pool's idle cap follows demand: a burst larger than max_idle keeps its
// connections, the surplus goes once the peak is two windows old, and max_idle = 0 keeps nothing.
// Unconnected sockets stand in for connections (the pool never touches the network).
#include "server/upstream_pool.h"

#include <gtest/gtest.h>

namespace apigw::server {
namespace {

struct PoolFixture {
  explicit PoolFixture(std::uint32_t max_idle) {
    pool.configure(max_idle, std::chrono::minutes(1));
  }
  ~PoolFixture() { pool.clear(); }
  // `count` connections in flight at once, then all back in the pool.
  void burst(std::size_t count) {
    std::vector<std::unique_ptr<UpstreamConnection>> in_flight;
    for (std::size_t i = 0; i < count; ++i) {
      auto connection = pool.take();
      in_flight.push_back(connection ? std::move(connection) : pool.make(context));
    }
    EXPECT_EQ(pool.in_use(), count);
    for (auto& connection : in_flight) pool.put(std::move(connection));
    EXPECT_EQ(pool.in_use(), 0u);
  }
  boost::asio::io_context context;
  DeadlineSweeper sweeper{context};
  BufferPool buffers;
  TargetPool pool{sweeper, buffers};
};

TEST(UpstreamPool, ABurstAboveMaxIdleKeepsItsConnections) {
  PoolFixture f(4);
  f.burst(50);
  EXPECT_EQ(f.pool.idle_count(), 50u) << "a fixed cap of 4 would have closed 46";
  // The next burst of the same size reuses them all: nothing new is made.
  std::vector<std::unique_ptr<UpstreamConnection>> again;
  for (int i = 0; i < 50; ++i) again.push_back(f.pool.take());
  EXPECT_TRUE(std::all_of(again.begin(), again.end(), [](const auto& c) { return c != nullptr; }));
  for (auto& connection : again) f.pool.put(std::move(connection));
}

TEST(UpstreamPool, TheCapFallsBackToMaxIdleTwoWindowsAfterThePeak) {
  PoolFixture f(4);
  f.burst(50);
  const Clock::time_point now = Clock::now();
  EXPECT_EQ(f.pool.idle_cap(now), 50u);
  EXPECT_EQ(f.pool.idle_cap(now + TargetPool::kPeakWindow + std::chrono::seconds(1)), 50u)
      << "the last window's peak still counts";
  EXPECT_EQ(f.pool.idle_cap(now + 3 * TargetPool::kPeakWindow), 4u);
}

TEST(UpstreamPool, ConnectionsThatDieInFlightLeaveTheCount) {
  PoolFixture f(4);
  { auto lost = f.pool.make(f.context); }
  EXPECT_EQ(f.pool.in_use(), 0u);
}

TEST(UpstreamPool, MaxIdleZeroKeepsNothing) {
  PoolFixture f(0);
  f.burst(3);
  EXPECT_EQ(f.pool.idle_count(), 0u);
}

}  // namespace
}  // namespace apigw::server
