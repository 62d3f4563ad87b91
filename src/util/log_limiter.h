// At most N log lines per second from one thread: what a worker logs about failures it sees on
// every request during an outage (a write to stderr per request would slow the worker down just
// when it is busiest). Lines held back are counted and reported with the next line written.
#pragma once

#include <cstdint>

namespace apigw::util {

class LogLimiter {
 public:
  explicit LogLimiter(std::uint32_t per_second) : per_second_(per_second) {}
  // Whether a line may be written at `now_seconds`; when it may, `held_back` gets how many lines
  // were not written since the last one that was.
  bool allow(std::int64_t now_seconds, std::uint64_t& held_back) {
    if (now_seconds != second_) {
      second_ = now_seconds;
      written_ = 0;
    }
    if (written_ >= per_second_) {
      ++held_back_;
      return false;
    }
    ++written_;
    held_back = held_back_;
    held_back_ = 0;
    return true;
  }

 private:
  std::uint32_t per_second_;
  std::int64_t second_ = -1;
  std::uint32_t written_ = 0;
  std::uint64_t held_back_ = 0;
};

}  // namespace apigw::util
