// TOML tree -> RedisConfig for [redis]. Every check of the section is local to it, so all of them
// are made here, each reported at the offending key.
#include <toml++/toml.h>

#include "config/detail.h"
#include "config/reader.h"
#include "config/redis_url.h"

namespace apigw::config::detail {
namespace {

// More connections than this per worker would not help: one connection pipelines thousands of
// commands, and every worker holds pool_size of them.
constexpr std::uint32_t kMaxPoolSize = 64;

const FieldTable<RedisConfig> kRedisFields = {
    {"timeout", &RedisConfig::timeout},
    {"connect_timeout", &RedisConfig::connect_timeout},
    {"reconnect_max", &RedisConfig::reconnect_max},
    {"pool_size", &RedisConfig::pool_size},
};

}  // namespace

RedisConfig convert_redis(const toml::table& table, LoadContext& ctx) {
  RedisConfig redis;
  redis.enabled = true;
  TableReader reader(table, "redis", kRedisFields.keys({"url", "password"}), ctx);
  redis.position = reader.position();
  const auto at = [&](std::string_view key) {
    return ctx.positions().at(reader.path_of(key), redis.position);
  };
  if (reader.read_string("url", redis.url, Presence::required)) {
    std::string error;
    if (const auto url = parse_redis_url(redis.url, error)) {
      redis.host = url->host;
      redis.port = url->port;
      redis.db = url->db;
      redis.username = url->username;
      redis.password = url->password;
    } else {
      ctx.error(at("url"), error);
    }
  }
  if (std::string password; reader.read_string("password", password)) {
    if (!redis.password.empty()) {
      ctx.error(at("password"), "the password is given both in 'url' and as 'password'; keep one");
    } else if (password.empty()) {
      ctx.error(at("password"), "'password' must not be empty (leave it out for no AUTH)");
    } else {
      redis.password = std::move(password);
    }
  }
  if (!redis.username.empty() && redis.password.empty()) {
    ctx.error(at("url"), "the Redis URL names user '" + redis.username +
                             "' but no password is given (in the URL or as 'password')");
  }
  kRedisFields.read(reader, redis);
  const std::pair<std::string_view, Duration> durations[] = {
      {"timeout", redis.timeout},
      {"connect_timeout", redis.connect_timeout},
      {"reconnect_max", redis.reconnect_max},
  };
  for (const auto& [key, value] : durations) {
    if (value.count() <= 0)
      ctx.error(at(key), "'" + std::string(key) + "' must be greater than zero");
  }
  if (redis.pool_size == 0 || redis.pool_size > kMaxPoolSize) {
    ctx.error(at("pool_size"), "'pool_size' must be 1 to " + std::to_string(kMaxPoolSize) +
                                   " (connections per worker)");
  }
  return redis;
}

}  // namespace apigw::config::detail
