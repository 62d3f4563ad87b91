// The fields an access-log line can hold ([server.access_log] fields), by name: OpenTelemetry's
// semantic-convention names where one exists (http.request.method, url.path, ...), apigw's own
// otherwise. The order here is the default line's order.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace apigw::config {

enum class AccessLogField : std::uint8_t {
  time,
  request_id,
  trace_id,
  http_request_method,
  url_path,
  url_query,
  http_response_status_code,
  client_address,
  server_address,
  user_agent,
  network_protocol_version,
  http_request_size,
  http_response_size,
  duration_us,
  route,
  upstream,
  upstream_address,
  upstream_us,
  upstream_tries,
  error,
  consumer,
  tls_protocol_version,
  tls_server_name,
  tls_client_subject,
  span_id,  // not in the default line
};

inline constexpr std::array<std::string_view, 25> kAccessLogFieldNames = {
    "time",
    "request_id",
    "trace_id",
    "http.request.method",
    "url.path",
    "url.query",
    "http.response.status_code",
    "client.address",
    "server.address",
    "user_agent.original",
    "network.protocol.version",
    "http.request.size",
    "http.response.size",
    "duration_us",
    "route",
    "upstream",
    "upstream.address",
    "upstream_us",
    "upstream.tries",
    "error",
    "consumer",
    "tls.protocol.version",
    "tls.client.server_name",
    "tls.client.subject",
    "span_id",
};

// Fields of the default line: all but span_id.
inline constexpr std::size_t kDefaultAccessLogFields = kAccessLogFieldNames.size() - 1;

inline std::optional<AccessLogField> access_log_field(std::string_view name) {
  for (std::size_t i = 0; i < kAccessLogFieldNames.size(); ++i) {
    if (kAccessLogFieldNames[i] == name) return static_cast<AccessLogField>(i);
  }
  return std::nullopt;
}

}  // namespace apigw::config
