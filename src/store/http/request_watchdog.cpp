#include "store/http/request_watchdog.h"

namespace apigw::store::http {

void RequestWatchdog::State::stop(ErrorKind kind, std::string message) {
  if (stopped) return;
  stopped = HttpError{kind, std::move(message)};
  if (resolver != nullptr) resolver->cancel();
  if (connection != nullptr) connection->close();
}

RequestWatchdog::RequestWatchdog(executor executor, util::Cancellation* cancellation)
    : state_(std::make_shared<State>()), timer_(executor), cancellation_(cancellation) {
  if (cancellation_ == nullptr) return;
  if (cancellation_->cancelled()) {
    state_->stopped = HttpError{ErrorKind::cancelled, "request cancelled"};
    return;
  }
  cancellation_->on_cancel([weak = std::weak_ptr<State>(state_)] {
    if (auto state = weak.lock()) state->stop(ErrorKind::cancelled, "request cancelled");
  });
}

RequestWatchdog::~RequestWatchdog() {
  if (cancellation_ != nullptr) cancellation_->clear();
}

void RequestWatchdog::arm(Clock::time_point deadline, std::string what) {
  const std::uint64_t generation = ++state_->generation;
  timer_.expires_at(deadline);  // cancels the previous wait, whose handler then sees the error
  timer_.async_wait([weak = std::weak_ptr<State>(state_), generation,
                     what = std::move(what)](const error_code& ec) mutable {
    if (ec) return;
    auto state = weak.lock();
    if (state && state->generation == generation) state->stop(ErrorKind::timeout, std::move(what));
  });
}

void RequestWatchdog::watch(tcp_resolver* resolver) { state_->resolver = resolver; }

void RequestWatchdog::watch(ClientConnection* connection) { state_->connection = connection; }

}  // namespace apigw::store::http
