// An authority ("host:port", "[v6]:port", "host") split into its host and port, without
// allocating: what logs and spans name as server.address and server.port.
#pragma once

#include <cstdint>
#include <string_view>

namespace apigw::http {

struct AuthorityParts {
  std::string_view host;  // without brackets for an IPv6 literal
  std::uint32_t port = 0;  // 0: none given (or not a number)
};

inline AuthorityParts split_authority(std::string_view authority) {
  AuthorityParts parts;
  std::string_view port;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return {authority, 0};
    parts.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') {
      port = authority.substr(close + 2);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    // More than one colon without brackets is no host:port (a bare IPv6 address): keep it whole.
    if (colon == std::string_view::npos || authority.find(':') != colon) return {authority, 0};
    parts.host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5) return parts;
  std::uint32_t value = 0;
  for (const char c : port) {
    if (c < '0' || c > '9') return parts;
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (value <= 65535) parts.port = value;
  return parts;
}

}  // namespace apigw::http
