// TLS counters and gauges: handshakes per listener (per worker, merged on scrape like the other
// shard values), certificate expiry and TLS reloads (the gateway's, read on scrape).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace apigw::observe {

// Why handshakes fail, as metric labels; the same order as tls::HandshakeFailure (checked where
// the server counts them).
// clang-format off
inline constexpr std::array<std::string_view, 9> kTlsFailureReasons = {
    "protocol_version", "no_shared_cipher", "unknown_ca", "bad_certificate", "no_certificate",
    "alert", "eof", "timeout", "other"};
// clang-format on
inline constexpr std::size_t kTlsTimeoutReason = 7;
static_assert(kTlsFailureReasons[kTlsTimeoutReason] == "timeout");

// One listener's handshakes on one worker. Written on the worker only.
struct TlsListenerCounters {
  std::uint64_t handshakes_ok = 0;
  std::uint64_t resumptions = 0;
  std::array<std::uint64_t, kTlsFailureReasons.size()> failures{};  // by reason
  std::int64_t connections = 0;  // open TLS connections past their handshake

  void merge(const TlsListenerCounters& other);
};

// By listener address.
using TlsCounters = std::map<std::string, TlsListenerCounters>;

struct CertificateExpiry {
  std::string listener;
  std::string name;  // the certificate's first name (or its file when it has none)
  double seconds_left = 0;
};

struct TlsGauges {
  std::uint64_t reloads_ok = 0;      // certificate sets (re)loaded
  std::uint64_t reloads_failed = 0;  // refused: the previous certificates kept serving
  std::vector<CertificateExpiry> expiry;
};

// Appends the TLS series in the Prometheus text format (nothing when no listener is TLS).
void render_tls_prometheus(std::string& out, const TlsCounters& counters, const TlsGauges& gauges);

}  // namespace apigw::observe
