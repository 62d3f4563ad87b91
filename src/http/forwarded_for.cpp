#include "http/forwarded_for.h"

#include <optional>

namespace apigw::http {
namespace {

bool is_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_ows(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ows(text.back())) text.remove_suffix(1);
  return text;
}

// Walks the elements of the header values from the right end of the last one to the left end of
// the first one, calling `visit(element)` for each non-empty element until it returns false.
template <typename Visit>
void for_each_element_from_right(std::span<const std::string_view> values, Visit&& visit) {
  for (auto value = values.rbegin(); value != values.rend(); ++value) {
    std::string_view rest = *value;
    while (true) {
      const std::size_t comma = rest.rfind(',');
      const std::string_view element =
          trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
      if (!element.empty() && !visit(element)) return;
      if (comma == std::string_view::npos) break;
      rest = rest.substr(0, comma);
    }
  }
}

}  // namespace

std::string_view strip_forwarded_port(std::string_view element) {
  if (!element.empty() && element.front() == '[') {
    const std::size_t close = element.find(']');
    // Brackets belong to IPv6 literals only (RFC 3986 §3.2.2): "[1.2.3.4]" is malformed.
    if (close == std::string_view::npos ||
        element.substr(0, close).find(':') == std::string_view::npos) {
      return {};
    }
    const std::string_view after = element.substr(close + 1);
    if (!after.empty() && (after.front() != ':' || !is_port(after.substr(1)))) return {};
    return element.substr(1, close - 1);
  }
  const std::size_t colon = element.find(':');
  // Two or more colons: a bare IPv6 address, which cannot carry a port without brackets.
  if (colon == std::string_view::npos || element.find(':', colon + 1) != std::string_view::npos) {
    return element;
  }
  if (!is_port(element.substr(colon + 1))) return {};
  return element.substr(0, colon);
}

ForwardedClient forwarded_client(std::string_view peer,
                                 std::span<const std::string_view> forwarded_for,
                                 const util::CidrSet& trusted) {
  ForwardedClient client{peer, {}, 0};
  const std::optional<util::IpAddress> peer_ip = util::parse_ip(peer);
  if (!peer_ip) return client;
  client.ip = *peer_ip;
  if (!trusted.contains(*peer_ip)) return client;
  for_each_element_from_right(forwarded_for, [&](std::string_view element) {
    const std::string_view address = strip_forwarded_port(element);
    const std::optional<util::IpAddress> ip = util::parse_ip(address);
    if (!ip) return false;
    client = {address, *ip, client.hops + 1};
    return trusted.contains(*ip);
  });
  return client;
}

}  // namespace apigw::http
