// Timeouts without a timer per connection: every connection with a deadline is on an intrusive
// list, and one per-worker timer walks it every tick. Setting a deadline is a store to a field, so
// the per-request cost of timeouts is nil; the price is a resolution of one tick (50 ms).
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "util/coarse_clock.h"

namespace apigw::server {

using Clock = std::chrono::steady_clock;

// Something with a deadline: a client session, an idle pooled upstream connection.
class Expirable {
 public:
  Expirable() = default;
  Expirable(const Expirable&) = delete;
  Expirable& operator=(const Expirable&) = delete;
  virtual ~Expirable();

  void set_deadline(Clock::time_point when) { deadline_ = when; }
  void clear_deadline() { deadline_ = Clock::time_point::max(); }
  Clock::time_point deadline() const { return deadline_; }

  // Called by the sweeper, on the worker's thread, once the deadline has passed. The deadline is
  // cleared before the call. Must only cancel or close sockets, never destroy `this`.
  virtual void on_deadline() = 0;

 private:
  friend class DeadlineSweeper;
  Clock::time_point deadline_ = Clock::time_point::max();
  Expirable* prev_ = nullptr;
  Expirable* next_ = nullptr;
  class DeadlineSweeper* sweeper_ = nullptr;
};

class DeadlineSweeper {
 public:
  static constexpr std::chrono::milliseconds kTick{50};

  explicit DeadlineSweeper(boost::asio::io_context& context) : timer_(context) {}
  void start();
  void stop() { timer_.cancel(); }
  void add(Expirable& item);
  void remove(Expirable& item);
  std::size_t size() const { return size_; }

 private:
  void sweep();
  boost::asio::steady_timer timer_;
  Expirable* head_ = nullptr;
  std::size_t size_ = 0;
  Expirable* cursor_next_ = nullptr;  // next item of an ongoing sweep (removal-safe iteration)
};

}  // namespace apigw::server
