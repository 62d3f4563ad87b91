#include "server/deadline_sweeper.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <functional>

namespace apigw::server {
namespace {

// Counts its expiries; may run an action when it expires (e.g. remove another item).
class Item final : public Expirable {
 public:
  void on_deadline() override {
    ++expired;
    if (action) action();
  }
  int expired = 0;
  std::function<void()> action;
};

// Runs the sweeper for exactly one tick: the first sweep, then the timer is stopped.
void sweep_once(boost::asio::io_context& context, DeadlineSweeper& sweeper) {
  sweeper.start();
  context.run_one();  // the first tick's handler: sweeps and re-arms the timer
  sweeper.stop();
  context.run();  // the cancelled re-arm
  context.restart();
}

TEST(DeadlineSweeper, ExpiresOnlyItemsWhoseDeadlinePassedAndOnlyOnce) {
  boost::asio::io_context context;
  DeadlineSweeper sweeper(context);
  Item late, early, none;
  sweeper.add(late);
  sweeper.add(early);
  sweeper.add(none);
  EXPECT_EQ(sweeper.size(), 3u);
  early.set_deadline(Clock::now() - std::chrono::milliseconds(1));
  late.set_deadline(Clock::now() + std::chrono::hours(1));
  sweep_once(context, sweeper);
  EXPECT_EQ(early.expired, 1);
  EXPECT_EQ(early.deadline(), Clock::time_point::max()) << "cleared before the call";
  EXPECT_EQ(late.expired, 0);
  EXPECT_EQ(none.expired, 0);
  sweep_once(context, sweeper);
  EXPECT_EQ(early.expired, 1) << "a cleared deadline does not fire again";
}

TEST(DeadlineSweeper, AnItemRemovedDuringASweepIsNotVisited) {
  boost::asio::io_context context;
  DeadlineSweeper sweeper(context);
  Item first, second, third;
  // add() puts items at the head: the sweep visits third, second, first.
  sweeper.add(first);
  sweeper.add(second);
  sweeper.add(third);
  const auto past = Clock::now() - std::chrono::milliseconds(1);
  for (Item* item : {&first, &second, &third}) item->set_deadline(past);
  third.action = [&] { sweeper.remove(second); };  // e.g. a session closing its upstream
  sweep_once(context, sweeper);
  EXPECT_EQ(third.expired, 1);
  EXPECT_EQ(second.expired, 0) << "removed before its turn";
  EXPECT_EQ(first.expired, 1) << "the sweep went on past the removed item";
  EXPECT_EQ(sweeper.size(), 2u);
}

TEST(DeadlineSweeper, ADestroyedItemLeavesTheList) {
  boost::asio::io_context context;
  DeadlineSweeper sweeper(context);
  Item kept;
  sweeper.add(kept);
  {
    Item gone;
    sweeper.add(gone);
    EXPECT_EQ(sweeper.size(), 2u);
  }
  EXPECT_EQ(sweeper.size(), 1u);
  kept.set_deadline(Clock::now() - std::chrono::milliseconds(1));
  sweep_once(context, sweeper);  // under ASan, a dangling list entry would be a use-after-free
  EXPECT_EQ(kept.expired, 1);
  sweeper.remove(kept);
  sweeper.remove(kept);  // twice is harmless
  EXPECT_EQ(sweeper.size(), 0u);
}

}  // namespace
}  // namespace apigw::server
