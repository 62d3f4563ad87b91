// Header fields the gateway acts on, recognised once per header when it is parsed (as NGINX and
// HAProxy do with their known-header tables), so that every later question ("is it hop-by-hop?",
// "is this X-Request-Id?") is an integer compare rather than a case-insensitive string compare.
#pragma once

#include <cstdint>
#include <string_view>

namespace apigw::http {

enum class Field : std::uint8_t {
  other,  // any name not below
  host,
  content_length,
  content_type,
  expect,
  cookie,
  // hop-by-hop (RFC 9110 §7.6.1; Trailer and the Proxy-* pair from RFC 2616 §13.5.1 still mean
  // nothing to the next hop, and Proxy-Authorization must not leak to an upstream)
  connection,
  transfer_encoding,
  keep_alive,
  proxy_connection,
  te,
  trailer,
  upgrade,
  proxy_authenticate,
  proxy_authorization,
  // set by the gateway on the way upstream
  x_forwarded_for,
  x_forwarded_proto,
  x_forwarded_host,
  x_request_id,
  // set from a verified client certificate (mTLS), never taken from a client
  x_client_cert_subject,
  // W3C Trace Context: replaced by the gateway's own when tracing is on (tracestate dropped when
  // the gateway starts the trace)
  traceparent,
  tracestate,
};

// The Field of a header name (case-insensitive). `name` must not contain CR (no parsed name does).
Field classify_field(std::string_view name);

constexpr std::uint32_t field_bit(Field field) {
  return std::uint32_t{1} << static_cast<unsigned>(field);
}

inline constexpr std::uint32_t kHopByHopFields =
    field_bit(Field::connection) | field_bit(Field::transfer_encoding) |
    field_bit(Field::keep_alive) | field_bit(Field::proxy_connection) | field_bit(Field::te) |
    field_bit(Field::trailer) | field_bit(Field::upgrade) | field_bit(Field::proxy_authenticate) |
    field_bit(Field::proxy_authorization);

constexpr bool is_hop_by_hop(Field field) { return (kHopByHopFields & field_bit(field)) != 0; }

// Calls `visit(element)` for each element of a comma-separated header list (RFC 9110 §5.6.1),
// optional whitespace trimmed, empty elements included; stops early when `visit` returns true.
// Returns whether it stopped early.
template <typename Visit>
bool for_each_list_element(std::string_view list, Visit&& visit) {
  auto is_ows = [](char c) { return c == ' ' || c == '\t'; };
  std::size_t pos = 0;
  while (pos <= list.size()) {
    std::size_t comma = list.find(',', pos);
    if (comma == std::string_view::npos) comma = list.size();
    std::size_t begin = pos;
    std::size_t end = comma;
    while (begin < end && is_ows(list[begin])) ++begin;
    while (end > begin && is_ows(list[end - 1])) --end;
    if (visit(list.substr(begin, end - begin))) return true;
    pos = comma + 1;
  }
  return false;
}

// What the Connection header(s) of a message say (RFC 9110 §7.6.1), gathered while it is parsed:
// the close / keep-alive options, and which other fields they name (those are hop-by-hop too).
struct ConnectionOptions {
  bool close = false;
  std::uint32_t fields = 0;         // field_bit() of every listed name that is a known Field
  bool names_other_fields = false;  // some listed name is not a known Field

  bool keep_alive() const { return (fields & field_bit(Field::keep_alive)) != 0; }

  // Adds the options of one Connection header value.
  void add(std::string_view value);
};

}  // namespace apigw::http
