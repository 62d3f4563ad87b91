#include "server/upstream_pool.h"

#include <algorithm>

namespace apigw::server {

void UpstreamConnection::on_deadline() { pool_->evict(*this); }

std::unique_ptr<UpstreamConnection> TargetPool::take() {
  if (idle_.empty()) return nullptr;
  auto connection = std::move(idle_.back());
  idle_.pop_back();
  sweeper_.remove(*connection);
  buffers_.acquire(connection->buffer);
  return connection;
}

std::unique_ptr<UpstreamConnection> TargetPool::make(boost::asio::io_context& context) {
  auto connection = std::make_unique<UpstreamConnection>(context, *this);
  buffers_.acquire(connection->buffer);
  return connection;
}

void TargetPool::put(std::unique_ptr<UpstreamConnection> connection) {
  if (max_idle_ == 0) return;
  buffers_.release_if_empty(connection->buffer);
  if (connection->buffer.allocated()) return;  // unread bytes: the exchange was not clean
  if (idle_.size() >= max_idle_) idle_.erase(idle_.begin());  // drop the oldest
  connection->set_deadline(Clock::now() + idle_timeout_);
  sweeper_.add(*connection);
  idle_.push_back(std::move(connection));
}

void TargetPool::evict(UpstreamConnection& connection) {
  auto it = std::find_if(idle_.begin(), idle_.end(),
                         [&](const auto& pooled) { return pooled.get() == &connection; });
  if (it != idle_.end()) idle_.erase(it);  // destroys it; the sweeper loop tolerates that
}

}  // namespace apigw::server
