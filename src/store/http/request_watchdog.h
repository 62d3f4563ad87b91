// Stops a request from outside its coroutine: when its deadline passes or its Cancellation fires,
// the watchdog closes the connection (or cancels the DNS lookup) the request is waiting on, so the
// pending operation completes at once, and records why, so the request reports a timeout or a
// cancellation rather than the operation_aborted it sees. One timer per request, re-armed per
// phase (connect timeout, then the total deadline).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "store/http/client_connection.h"
#include "store/http/error.h"
#include "store/net.h"
#include "util/cancellation.h"

namespace apigw::store::http {

class RequestWatchdog {
 public:
  // Registers with `cancellation` (may be null) until the watchdog is destroyed.
  RequestWatchdog(executor executor, util::Cancellation* cancellation);
  ~RequestWatchdog();
  RequestWatchdog(const RequestWatchdog&) = delete;
  RequestWatchdog& operator=(const RequestWatchdog&) = delete;

  // From now on, passing `deadline` aborts the request with a timeout error saying `what`.
  void arm(Clock::time_point deadline, std::string what);
  // What a firing aborts: the lookup in progress, the connection in use (either may be null).
  void watch(tcp_resolver* resolver);
  void watch(ClientConnection* connection);

  // Why the request was stopped, once it was.
  const std::optional<HttpError>& stopped() const { return state_->stopped; }

 private:
  struct State {
    tcp_resolver* resolver = nullptr;
    ClientConnection* connection = nullptr;
    std::optional<HttpError> stopped;
    std::uint64_t generation = 0;  // of the timer's current arming; older firings are ignored
    void stop(ErrorKind kind, std::string message);
  };

  // Handlers that may run after the request ended (a timer firing already queued, a late
  // cancel()) hold a weak_ptr and find it expired.
  std::shared_ptr<State> state_;
  steady_timer timer_;
  util::Cancellation* cancellation_;
};

}  // namespace apigw::store::http
