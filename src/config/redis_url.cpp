// Redis URLs as redis-cli and most clients write them (the IANA "redis" scheme). Only what apigw
// can honour is accepted: no TLS (rediss://), no unix sockets, no query options, so a URL that
// loads is a URL that means what it says.
#include "config/redis_url.h"

#include <arpa/inet.h>

#include <charconv>
#include <limits>

#include "config/detail.h"

namespace apigw::config {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "%40" -> "@"; false on a malformed escape.
bool percent_decode(std::string_view text, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    const int high = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
    if (high < 0 || low < 0) return false;
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return true;
}

template <typename Number>
bool parse_decimal(std::string_view digits, Number& out) {
  if (digits.empty() || digits.size() > 10) return false;
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size()) return false;
  if (value > std::numeric_limits<Number>::max()) return false;
  out = static_cast<Number>(value);
  return true;
}

// "user:password", ":password", or "user" (whose password then comes from the `password` key).
bool parse_userinfo(std::string_view userinfo, RedisUrl& out, std::string& error) {
  const std::size_t colon = userinfo.find(':');
  const std::string_view password = colon == userinfo.npos ? "" : userinfo.substr(colon + 1);
  if (!percent_decode(userinfo.substr(0, colon), out.username) ||
      !percent_decode(password, out.password)) {
    error = "malformed %-escape in the user or password of the Redis URL";
    return false;
  }
  return true;
}

bool parse_host_port(std::string_view authority, RedisUrl& out, std::string& error) {
  std::string_view host = authority;
  std::string_view port;
  bool bracketed = false;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == authority.npos) {
      error = "unclosed '[' in the Redis URL's host";
      return false;
    }
    host = authority.substr(1, close - 1);
    bracketed = true;
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) {
      error = "unexpected text after ']' in the Redis URL's host";
      return false;
    }
    if (!rest.empty()) port = rest.substr(1);
  } else if (const std::size_t colon = authority.rfind(':'); colon != authority.npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  in6_addr ignored;
  const std::string host_text(host);
  const bool valid_host =
      bracketed ? inet_pton(AF_INET6, host_text.c_str(), &ignored) == 1 : detail::is_dns_name(host);
  if (host.empty() || !valid_host) {
    error = host.empty() ? "the Redis URL has no host"
                         : "invalid host '" + host_text +
                               "' in the Redis URL (a DNS name, an IPv4 "
                               "address or a bracketed IPv6 address)";
    return false;
  }
  out.host = host_text;
  if (authority.ends_with(':') ||
      (!port.empty() && (!parse_decimal(port, out.port) || out.port == 0))) {
    error = "invalid port '" + std::string(port) + "' in the Redis URL (1-65535)";
    return false;
  }
  return true;
}

}  // namespace

std::optional<RedisUrl> parse_redis_url(std::string_view url, std::string& error) {
  constexpr std::string_view kScheme = "redis://";
  if (url.starts_with("rediss://")) {
    error = "rediss:// (TLS to Redis) is not supported yet; use redis:// on a trusted network";
    return std::nullopt;
  }
  if (!url.starts_with(kScheme)) {
    error = "a Redis URL starts with redis:// (redis://[user:password@]host[:port][/db])";
    return std::nullopt;
  }
  std::string_view rest = url.substr(kScheme.size());
  if (rest.find_first_of("?#") != rest.npos) {
    error = "the Redis URL may not have query options or a fragment";
    return std::nullopt;
  }
  RedisUrl out;
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != rest.npos) {
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && (!parse_decimal(db, out.db) ||
                        out.db > static_cast<std::uint32_t>(std::numeric_limits<int>::max()))) {
      error = "invalid database '" + std::string(db) + "' in the Redis URL (a number such as /0)";
      return std::nullopt;
    }
  }
  // A password may hold '@' (raw or as %40): the last '@' ends the user information.
  if (const std::size_t at = authority.rfind('@'); at != authority.npos) {
    if (!parse_userinfo(authority.substr(0, at), out, error)) return std::nullopt;
    authority = authority.substr(at + 1);
  }
  if (!parse_host_port(authority, out, error)) return std::nullopt;
  return out;
}

}  // namespace apigw::config
