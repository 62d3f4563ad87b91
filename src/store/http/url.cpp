#include "store/http/url.h"

#include <boost/asio/ip/address.hpp>
#include <charconv>

namespace apigw::store::http {
namespace {

HttpError bad_url(std::string_view why, std::string_view url) {
  return HttpError{ErrorKind::invalid_request, std::string(why) + ": " + std::string(url)};
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(text[i]) != prefix[i]) return false;
  }
  return true;
}

// A DNS name or IPv4 literal: letters, digits, '-', '.', '_' (seen in real internal names).
bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

// Visible ASCII only: a space or control character would split or end the request line.
bool is_target_char(char c) { return c > 0x20 && c < 0x7f; }

}  // namespace

std::string Url::authority() const {
  std::string text = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (!default_port) text += ":" + std::to_string(port);
  return text;
}

Result<Url> parse_url(std::string_view text) {
  Url url;
  std::string_view rest;
  if (starts_with_ci(text, "https://")) {
    url.tls = true;
    rest = text.substr(8);
  } else if (starts_with_ci(text, "http://")) {
    rest = text.substr(7);
  } else {
    return bad_url("URL scheme must be http:// or https://", text);
  }
  const std::size_t fragment = rest.find('#');
  if (fragment != std::string_view::npos) rest = rest.substr(0, fragment);
  for (char c : rest) {
    if (!is_target_char(c)) return bad_url("space or control character in URL", text);
  }
  const std::size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  if (authority_end == std::string_view::npos) {
    url.target = "/";
  } else if (rest[authority_end] == '?') {
    url.target = "/" + std::string(rest.substr(authority_end));
  } else {
    url.target = std::string(rest.substr(authority_end));
  }
  if (authority.find('@') != std::string_view::npos) {
    return bad_url("user info in URL is not supported", text);
  }

  std::string_view host;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad_url("unterminated IPv6 literal", text);
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad_url("malformed authority", text);
      port = after.substr(1);
    }
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address_v6(std::string(host), ec);
    if (ec || address.scope_id() != 0) return bad_url("malformed IPv6 literal", text);
    url.host_is_ip = true;
  } else {
    const std::size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (host.empty()) return bad_url("URL has no host", text);
  for (char c : host) url.host.push_back(lower(c));
  if (!url.host_is_ip) {
    for (char c : url.host) {
      if (!is_name_char(c)) return bad_url("invalid character in host", text);
    }
    boost::system::error_code ec;
    boost::asio::ip::make_address_v4(url.host, ec);
    url.host_is_ip = !ec;
  }

  const std::uint16_t default_port = url.tls ? 443 : 80;
  url.port = default_port;
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (error != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return bad_url("invalid port", text);
    }
    url.port = static_cast<std::uint16_t>(value);
  }
  url.default_port = url.port == default_port;
  return url;
}

}  // namespace apigw::store::http
