// A mutex for coroutines on one thread: lock() suspends the caller, not the thread, until the
// holder unlocks. It serializes the operations on one PostgreSQL connection, which carries one
// query at a time, between the admin API's writes and the cluster follower's loads.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <memory>

#include "store/store.h"

namespace apigw::store {

class AsyncMutex {
 public:
  // Unlocks when it leaves scope.
  class Guard {
   public:
    explicit Guard(AsyncMutex* mutex) : mutex_(mutex) {}
    Guard(Guard&& other) noexcept : mutex_(std::exchange(other.mutex_, nullptr)) {}
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    Guard& operator=(Guard&&) = delete;
    ~Guard() {
      if (mutex_ != nullptr) mutex_->unlock();
    }

   private:
    AsyncMutex* mutex_;
  };

  explicit AsyncMutex(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}

  awaitable<Guard> lock() {
    if (!locked_) {
      locked_ = true;
      co_return Guard(this);
    }
    // Wait in line; unlock() hands the lock over by cancelling this timer.
    auto turn = std::make_shared<boost::asio::steady_timer>(
        executor_, boost::asio::steady_timer::time_point::max());
    waiters_.push_back(turn);
    co_await turn->async_wait(boost::asio::as_tuple(boost::asio::use_awaitable_t<executor>()));
    co_return Guard(this);
  }

 private:
  void unlock() {
    if (waiters_.empty()) {
      locked_ = false;
      return;
    }
    waiters_.front()->cancel();
    waiters_.pop_front();
  }

  boost::asio::any_io_executor executor_;
  bool locked_ = false;
  std::deque<std::shared_ptr<boost::asio::steady_timer>> waiters_;
};

}  // namespace apigw::store
