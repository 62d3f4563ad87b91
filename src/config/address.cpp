// Syntax checks of "host:port" addresses. Whether a name resolves is a runtime matter (targets
// are re-resolved every resolve_interval), so only the form is checked here.
#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <string>

#include "config/detail.h"

namespace apigw::config::detail {
namespace {

struct HostPort {
  std::string_view host;
  bool bracketed = false;  // "[v6]"
  std::uint32_t port = 0;
};

std::optional<HostPort> split_host_port(std::string_view address) {
  HostPort out;
  std::size_t colon = 0;
  if (address.starts_with('[')) {
    const std::size_t close = address.find(']');
    if (close == address.npos || close + 1 >= address.size() || address[close + 1] != ':') {
      return {};
    }
    out.host = address.substr(1, close - 1);
    out.bracketed = true;
    colon = close + 1;
  } else {
    colon = address.rfind(':');
    if (colon == address.npos) return {};
    out.host = address.substr(0, colon);
    // An unbracketed IPv6 literal would make the port ambiguous.
    if (out.host.find(':') != out.host.npos) return {};
  }
  const std::string_view port = address.substr(colon + 1);
  if (out.host.empty() || port.empty() || port.size() > 5) return {};
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), out.port);
  if (error != std::errc() || end != port.data() + port.size() || out.port > 65535) return {};
  return out;
}

bool is_ip_literal(std::string_view host, int family) {
  const std::string text(host);
  unsigned char buffer[sizeof(struct in6_addr)];
  return inet_pton(family, text.c_str(), buffer) == 1;
}

bool is_dns_label(std::string_view label) {
  return !label.empty() && label.size() <= 63 && label.front() != '-' && label.back() != '-' &&
         std::all_of(label.begin(), label.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-';
         });
}

}  // namespace

std::optional<std::string> canonical_ipv6_host(std::string_view host) {
  if (host.starts_with('[') != host.ends_with(']')) return std::nullopt;
  if (host.starts_with('[')) host = host.substr(1, host.size() - 2);
  const std::string text(host);
  in6_addr address{};
  if (host.find(':') == host.npos || inet_pton(AF_INET6, text.c_str(), &address) != 1) {
    return std::nullopt;
  }
  char canonical[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, &address, canonical, sizeof canonical) == nullptr) return std::nullopt;
  return "[" + std::string(canonical) + "]";
}

bool is_dns_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  // All digits and dots reads as an IPv4 address, so it must be a valid one ("999.1.1.1" is not).
  if (std::all_of(name.begin(), name.end(),
                  [](char c) { return c == '.' || (c >= '0' && c <= '9'); })) {
    return is_ip_literal(name, AF_INET);
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    if (!is_dns_label(name.substr(start, dot == name.npos ? name.npos : dot - start))) return false;
    if (dot == name.npos) return true;
    start = dot + 1;
  }
}

bool is_valid_listen_address(std::string_view address) {
  const auto parts = split_host_port(address);
  // Port 0 would bind a random port per worker (SO_REUSEPORT needs one shared port).
  if (!parts || parts->port == 0) return false;
  return is_ip_literal(parts->host, parts->bracketed ? AF_INET6 : AF_INET);
}

bool is_valid_target_address(std::string_view address) {
  const auto parts = split_host_port(address);
  if (!parts || parts->port == 0) return false;
  return parts->bracketed ? is_ip_literal(parts->host, AF_INET6) : is_dns_name(parts->host);
}

}  // namespace apigw::config::detail
