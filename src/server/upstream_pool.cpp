#include "server/upstream_pool.h"

#include "server/h2_upstream.h"
#include "util/coarse_clock.h"

#include <algorithm>

namespace apigw::server {

UpstreamConnection::~UpstreamConnection() {
  // TLS says close_notify (one try, no wait): besides telling the target, a connection freed
  // without it makes OpenSSL mark its session not resumable, and the session is the one the
  // pool keeps for the next connection to resume.
  transport.send_close_notify();
  if (open_connections) open_connections->fetch_sub(1, std::memory_order_relaxed);
  if (in_use) --pool_->in_use_;
}

void UpstreamConnection::on_deadline() { pool_->evict(*this); }

std::unique_ptr<UpstreamConnection> TargetPool::take() {
  if (idle_.empty()) return nullptr;
  auto connection = std::move(idle_.back());
  idle_.pop_back();
  sweeper_.remove(*connection);
  buffers_.acquire(connection->buffer);
  note_in_use(*connection);
  return connection;
}

std::unique_ptr<UpstreamConnection> TargetPool::make(boost::asio::io_context& context) {
  auto connection = std::make_unique<UpstreamConnection>(context, *this);
  buffers_.acquire(connection->buffer);
  note_in_use(*connection);
  return connection;
}

void TargetPool::note_in_use(UpstreamConnection& connection) {
  connection.in_use = true;
  ++in_use_;
  peak_ = std::max(peak_, in_use_);
}

std::size_t TargetPool::idle_cap(Clock::time_point now) {
  if (now - window_start_ >= kPeakWindow) {
    if (now - window_start_ < 2 * kPeakWindow) {
      // The next window: the last one's peak still counts for one more, so a cap never drops
      // within kPeakWindow of the demand that raised it.
      previous_peak_ = peak_;
      peak_ = in_use_;
    } else {
      // Windows without a put() went by, and take() reads no clock: the peak may be that old or
      // as recent as now. Counting it in the new window errs on the side of keeping connections.
      previous_peak_ = 0;
    }
    window_start_ = now;
  }
  return std::max<std::size_t>({max_idle_, peak_, previous_peak_});
}

void TargetPool::put(std::unique_ptr<UpstreamConnection> connection) {
  const Clock::time_point now = util::coarse_now();  // idle times count in seconds
  const std::size_t cap = idle_cap(now);  // before the count drops: this one was in flight too
  connection->in_use = false;
  --in_use_;
  if (max_idle_ == 0) return;
  buffers_.release_if_empty(connection->buffer);
  if (connection->buffer.allocated()) return;  // unread bytes: the exchange was not clean
  while (!idle_.empty() && idle_.size() >= cap) idle_.erase(idle_.begin());  // the oldest go
  connection->set_deadline(now + idle_timeout_);
  sweeper_.add(*connection);
  idle_.push_back(std::move(connection));
}

bool TargetPool::log_tls_failure(std::string_view reason, Clock::time_point now,
                                 std::uint64_t& suppressed) {
  if (reason == tls_logged_reason_ && now - tls_logged_at_ < kTlsLogInterval) {
    ++tls_unlogged_;
    return false;
  }
  suppressed = tls_unlogged_;
  tls_unlogged_ = 0;
  tls_logged_reason_.assign(reason);
  tls_logged_at_ = now;
  return true;
}

void TargetPool::evict(UpstreamConnection& connection) {
  auto it = std::find_if(idle_.begin(), idle_.end(),
                         [&](const auto& pooled) { return pooled.get() == &connection; });
  if (it != idle_.end()) idle_.erase(it);  // destroys it; the sweeper loop tolerates that
}

TargetPool::~TargetPool() { clear(); }

void TargetPool::clear() {
  idle_.clear();
  // Exchanges still using one hold it; closing wakes them.
  for (auto& connection : h2_) connection->close();
  h2_.clear();
}

std::shared_ptr<H2UpstreamConnection> TargetPool::h2_connection() {
  std::erase_if(h2_, [](const auto& connection) { return connection->closed(); });
  for (auto& connection : h2_) {
    if (connection->accepts_streams()) return connection;
  }
  return nullptr;
}

void TargetPool::add(std::shared_ptr<H2UpstreamConnection> connection) {
  h2_.push_back(std::move(connection));
}

}  // namespace apigw::server
