#include "store/http/connection_pool.h"

#include <algorithm>

namespace apigw::store::http {

ConnectionPool::ConnectionPool(executor executor, std::size_t max_idle_per_origin,
                               std::chrono::milliseconds idle_timeout)
    : max_idle_(max_idle_per_origin),
      idle_timeout_(idle_timeout),
      sweep_timer_(executor),
      self_(std::make_shared<ConnectionPool*>(this)) {}

ConnectionPool::~ConnectionPool() = default;

std::unique_ptr<ClientConnection> ConnectionPool::take(const std::string& origin) {
  const auto found = idle_.find(origin);
  if (found == idle_.end()) return nullptr;
  auto& list = found->second;
  const Clock::time_point now = Clock::now();
  std::unique_ptr<ClientConnection> connection;
  while (!list.empty() && !connection) {
    Idle idle = std::move(list.back());
    list.pop_back();
    if (idle.expires > now && !idle.connection->unusable_while_idle()) {
      connection = std::move(idle.connection);
    }
  }
  if (list.empty()) idle_.erase(found);
  return connection;
}

void ConnectionPool::put(const std::string& origin, std::unique_ptr<ClientConnection> connection) {
  if (max_idle_ == 0 || !connection->is_open()) return;
  auto& list = idle_[origin];
  if (list.size() >= max_idle_) list.erase(list.begin());
  const Clock::time_point expires = Clock::now() + idle_timeout_;
  list.push_back(Idle{std::move(connection), expires});
  if (!sweep_scheduled_) schedule_sweep(expires);
}

std::size_t ConnectionPool::idle_count() const {
  std::size_t count = 0;
  for (const auto& [origin, list] : idle_) count += list.size();
  return count;
}

void ConnectionPool::clear() { idle_.clear(); }

void ConnectionPool::schedule_sweep(Clock::time_point at) {
  sweep_scheduled_ = true;
  sweep_timer_.expires_at(at);
  sweep_timer_.async_wait([weak = std::weak_ptr<ConnectionPool*>(self_)](const error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) (*self)->sweep();
  });
}

void ConnectionPool::sweep() {
  sweep_scheduled_ = false;
  const Clock::time_point now = Clock::now();
  Clock::time_point next = Clock::time_point::max();
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto& list = it->second;
    // Oldest first, and every connection gets the same timeout: the expired ones are a prefix.
    const auto live = std::find_if(list.begin(), list.end(),
                                   [now](const Idle& idle) { return idle.expires > now; });
    list.erase(list.begin(), live);
    if (list.empty()) {
      it = idle_.erase(it);
    } else {
      next = std::min(next, list.front().expires);
      ++it;
    }
  }
  if (next != Clock::time_point::max()) schedule_sweep(next);
}

}  // namespace apigw::store::http
