// The Redis URL of [redis] url: redis://[[user]:password@]host[:port][/db]. Parsed at load time so
// a mistake is reported at its file:line, and the client gets the parts ready to use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace apigw::config {

struct RedisUrl {
  std::string host;  // a DNS name or an IP literal (IPv6 without brackets)
  std::uint16_t port = 6379;
  std::uint32_t db = 0;
  std::string username;  // percent-decoded; empty: none
  std::string password;  // percent-decoded; empty: none
};

// nullopt with `error` set to a sentence for the user when `url` is not a usable Redis URL
// (rediss:// is refused: TLS to Redis is not supported yet).
std::optional<RedisUrl> parse_redis_url(std::string_view url, std::string& error);

}  // namespace apigw::config
