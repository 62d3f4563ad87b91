// Cancelling I/O that a request started on its behalf (a filter's call to an auth service, a
// Redis command) when the request ends early: the client went away, or a deadline passed. The
// request owns one Cancellation; whoever starts cancellable I/O registers how to abort it (close
// its socket, cancel its timer) and clears the registration when the I/O is done. Worker thread
// only; no Asio here, so every layer can take one.
#pragma once

#include <functional>
#include <utility>

namespace apigw::util {

class Cancellation {
 public:
  // What cancel() does; replaces an earlier registration.
  void on_cancel(std::function<void()> action) { action_ = std::move(action); }
  // The I/O finished: nothing to cancel any more.
  void clear() { action_ = nullptr; }
  // Runs the registered action once; later registrations see cancelled() and should not start.
  void cancel() {
    cancelled_ = true;
    if (auto action = std::exchange(action_, nullptr)) action();
  }
  bool cancelled() const { return cancelled_; }
  void reset() {
    cancelled_ = false;
    action_ = nullptr;
  }

 private:
  std::function<void()> action_;
  bool cancelled_ = false;
};

}  // namespace apigw::util
