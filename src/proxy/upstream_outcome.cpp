#include "proxy/upstream_outcome.h"

#include <array>

namespace apigw::proxy {
namespace {

// In the order of UpstreamOutcome.
constexpr std::array<OutcomeInfo, 15> kOutcomes = {{
    {200, "", "", false, false, false, RetryOn::status},
    {502, "upstream_connect_failed", "cannot connect to upstream '{}'", true, true, false,
     RetryOn::connect_failure},
    {504, "upstream_connect_timeout", "connecting to upstream '{}' timed out", true, true, false,
     RetryOn::timeout},
    {502, "upstream_reset", "upstream '{}' closed the connection", true, true, false,
     RetryOn::reset},
    {504, "upstream_timeout", "upstream '{}' did not answer in time", true, true, false,
     RetryOn::timeout},
    {502, "invalid_upstream_response", "upstream '{}' sent an invalid response", true, true, false,
     RetryOn::reset},
    {0, "", "", false, false, true, RetryOn::never},
    {408, "request_timeout", "request body not received in time", false, false, true,
     RetryOn::never},
    {413, "payload_too_large", "request body exceeds the limit of this route", false, false, true,
     RetryOn::never},
    {400, "invalid_chunked_body", "the chunked request body is malformed", false, false, true,
     RetryOn::never},
    {503, "no_healthy_upstream", "no available target in upstream '{}'", false, true, false,
     RetryOn::never},
    {503, "upstream_overloaded", "upstream '{}' has too many requests in flight", false, true,
     false, RetryOn::never},
    {503, "circuit_open", "the circuit breaker of upstream '{}' is open", false, true, false,
     RetryOn::never},
    // Retried like a refused connect: the request never left. Another target may have a good
    // certificate; the same one will fail the same way, which connect-failure ejection handles.
    {502, "upstream_tls_failed", "the TLS handshake with upstream '{}' failed", true, true, false,
     RetryOn::connect_failure},
    // The gateway's own side: no target is at fault (no ejection, no breaker), and every target
    // of the upstream shares the same context, so no other target is tried.
    {502, "upstream_tls_failed", "TLS to upstream '{}' cannot be set up (see the gateway's log)",
     false, true, false, RetryOn::never},
}};

}  // namespace

const OutcomeInfo& describe(UpstreamOutcome outcome) {
  return kOutcomes[static_cast<std::size_t>(outcome)];
}

std::string outcome_message(const OutcomeInfo& info, std::string_view upstream) {
  std::string message(info.message);
  if (const auto at = message.find("{}"); at != std::string::npos) {
    message.replace(at, 2, upstream);
  }
  return message;
}

}  // namespace apigw::proxy
