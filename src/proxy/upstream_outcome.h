// How the upstream side of one exchange ended, and the one table that says what each outcome
// means: the answer the client gets when no response came, whether it counts against the target
// (circuit breaker, outlier detection, fallbacks), and which retry condition covers it. I/O-free,
// so the resilience decisions read the same table as the code that answers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace apigw::proxy {

enum class UpstreamOutcome : std::uint8_t {
  ok,
  connect_failed,     // 502
  connect_timeout,    // 504
  reset,              // 502: the connection broke before a response head
  response_timeout,   // 504
  invalid_response,   // 502
  client_gone,        // the client vanished or stalled while we read its body: just close
  client_timeout,     // 408
  request_too_large,  // 413 (chunked body over the limit)
  invalid_body,       // 400 (broken chunked framing from the client)
  no_target,          // 503: no usable target
  overloaded,         // 503: the upstream's max_in_flight is reached
  circuit_open,       // 503: the upstream's own circuit breaker is open
  tls_failed,         // 502: the TLS handshake failed (certificate refused): nothing was sent
  tls_unusable,       // 502: the upstream's TLS cannot be set up here (a file did not load)
};

// Which `retry.on` condition of a route covers an outcome.
enum class RetryOn : std::uint8_t { never, connect_failure, timeout, reset, status };

struct OutcomeInfo {
  int status;                // the answer when no response came (0: none, just close)
  std::string_view code;     // its error code
  std::string_view message;  // its message; "{}" stands for the upstream's name
  bool target_failed;        // counts as a failure of the target (breaker, outlier detection)
  bool upstream_failed;      // the upstream could not answer: a route's fallback applies
  bool client_side;          // the client's side failed: the connection cannot be kept
  RetryOn retry_on;
};

const OutcomeInfo& describe(UpstreamOutcome outcome);

// The outcome's message with the upstream's name in place of "{}".
std::string outcome_message(const OutcomeInfo& info, std::string_view upstream);

}  // namespace apigw::proxy
