// The last good response of GET requests, kept per worker for a route's stale_if_error fallback:
// when the upstream fails, a response that is not older than the route allows is served instead
// of an error. Bounded in entries and bytes; the oldest stored entry goes first. Worker thread
// only.
#pragma once

#include <deque>
#include <string>
#include <unordered_map>

#include "server/deadline_sweeper.h"

namespace apigw::server {

class StaleCache {
 public:
  static constexpr std::size_t kMaxEntries = 1024;
  static constexpr std::size_t kMaxBytes = 16 << 20;

  struct Entry {
    std::string content_type;
    std::string body;
    Clock::time_point stored;
  };

  const Entry* find(const std::string& key) const {
    const auto found = entries_.find(key);
    return found == entries_.end() ? nullptr : &found->second;
  }

  void store(const std::string& key, Entry entry) {
    if (entry.body.size() > kMaxBytes) return;
    if (auto found = entries_.find(key); found != entries_.end()) {
      bytes_ -= found->second.body.size();
      entries_.erase(found);
      std::erase(order_, key);
    }
    while (!order_.empty() &&
           (entries_.size() >= kMaxEntries || bytes_ + entry.body.size() > kMaxBytes)) {
      const auto oldest = entries_.find(order_.front());
      bytes_ -= oldest->second.body.size();
      entries_.erase(oldest);
      order_.pop_front();
    }
    bytes_ += entry.body.size();
    order_.push_back(key);
    entries_.emplace(key, std::move(entry));
  }

 private:
  std::unordered_map<std::string, Entry> entries_;
  std::deque<std::string> order_;  // keys, oldest stored first
  std::size_t bytes_ = 0;
};

}  // namespace apigw::server
