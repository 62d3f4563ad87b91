#include "observe/tls_metrics.h"

#include "observe/metrics.h"

#include <cstdio>

namespace apigw::observe {

void TlsListenerCounters::merge(const TlsListenerCounters& other) {
  handshakes_ok += other.handshakes_ok;
  resumptions += other.resumptions;
  for (std::size_t i = 0; i < failures.size(); ++i) failures[i] += other.failures[i];
  connections += other.connections;
}

namespace {

void series(std::string& out, std::string_view name, std::string_view labels, double value) {
  char number[32];
  std::snprintf(number, sizeof number, "%.17g", value);
  out.append(name).append("{").append(labels).append("} ").append(number).append("\n");
}

std::string listener_label(const std::string& listener) {
  return "listener=\"" + prometheus_label_value(listener) + "\"";
}

}  // namespace

void render_tls_prometheus(std::string& out, const TlsCounters& counters, const TlsGauges& gauges) {
  if (counters.empty() && gauges.expiry.empty()) return;
  out.append(
      "# HELP apigw_tls_handshakes_total TLS handshakes, by listener and result.\n"
      "# TYPE apigw_tls_handshakes_total counter\n");
  for (const auto& [listener, c] : counters) {
    std::uint64_t failed = 0;
    for (std::size_t i = 0; i < c.failures.size(); ++i) {
      if (i != kTlsTimeoutReason) failed += c.failures[i];
    }
    const std::string at = listener_label(listener);
    series(out, "apigw_tls_handshakes_total", at + ",result=\"ok\"",
           static_cast<double>(c.handshakes_ok));
    series(out, "apigw_tls_handshakes_total", at + ",result=\"failed\"",
           static_cast<double>(failed));
    series(out, "apigw_tls_handshakes_total", at + ",result=\"timeout\"",
           static_cast<double>(c.failures[kTlsTimeoutReason]));
  }
  out.append(
      "# HELP apigw_tls_handshake_errors_total Failed TLS handshakes, by listener and reason.\n"
      "# TYPE apigw_tls_handshake_errors_total counter\n");
  for (const auto& [listener, c] : counters) {
    for (std::size_t i = 0; i < c.failures.size(); ++i) {
      series(out, "apigw_tls_handshake_errors_total",
             listener_label(listener) + ",reason=\"" + std::string(kTlsFailureReasons[i]) + "\"",
             static_cast<double>(c.failures[i]));
    }
  }
  out.append(
      "# HELP apigw_tls_resumptions_total TLS handshakes that resumed a session (ticket).\n"
      "# TYPE apigw_tls_resumptions_total counter\n");
  for (const auto& [listener, c] : counters) {
    series(out, "apigw_tls_resumptions_total", listener_label(listener),
           static_cast<double>(c.resumptions));
  }
  out.append(
      "# HELP apigw_tls_connections Open TLS client connections past their handshake.\n"
      "# TYPE apigw_tls_connections gauge\n");
  for (const auto& [listener, c] : counters) {
    series(out, "apigw_tls_connections", listener_label(listener),
           static_cast<double>(c.connections));
  }
  out.append(
      "# HELP apigw_tls_certificate_expiry_seconds Seconds until a served certificate expires.\n"
      "# TYPE apigw_tls_certificate_expiry_seconds gauge\n");
  for (const auto& expiry : gauges.expiry) {
    series(
        out, "apigw_tls_certificate_expiry_seconds",
        listener_label(expiry.listener) + ",name=\"" + prometheus_label_value(expiry.name) + "\"",
        expiry.seconds_left);
  }
  out.append(
      "# HELP apigw_tls_reloads_total Certificate set loads after the first, by result (failed: "
      "the previous certificates kept serving).\n"
      "# TYPE apigw_tls_reloads_total counter\n");
  series(out, "apigw_tls_reloads_total", "result=\"ok\"", static_cast<double>(gauges.reloads_ok));
  series(out, "apigw_tls_reloads_total", "result=\"failed\"",
         static_cast<double>(gauges.reloads_failed));
}

}  // namespace apigw::observe
