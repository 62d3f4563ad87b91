#include "config/redis_url.h"

#include <gtest/gtest.h>

namespace apigw::config {
namespace {

RedisUrl parse_ok(std::string_view text) {
  std::string error;
  const auto url = parse_redis_url(text, error);
  EXPECT_TRUE(url) << text << ": " << error;
  return url.value_or(RedisUrl{});
}

std::string parse_error(std::string_view text) {
  std::string error;
  const auto url = parse_redis_url(text, error);
  EXPECT_FALSE(url) << text << " parsed";
  return error;
}

TEST(RedisUrl, HostAloneTakesTheDefaults) {
  const RedisUrl url = parse_ok("redis://cache.internal");
  EXPECT_EQ(url.host, "cache.internal");
  EXPECT_EQ(url.port, 6379);
  EXPECT_EQ(url.db, 0u);
  EXPECT_EQ(url.username, "");
  EXPECT_EQ(url.password, "");
}

TEST(RedisUrl, EveryPart) {
  const RedisUrl url = parse_ok("redis://alice:s3cret@10.0.0.5:6380/3");
  EXPECT_EQ(url.host, "10.0.0.5");
  EXPECT_EQ(url.port, 6380);
  EXPECT_EQ(url.db, 3u);
  EXPECT_EQ(url.username, "alice");
  EXPECT_EQ(url.password, "s3cret");
}

TEST(RedisUrl, PasswordAloneAndPercentEscapes) {
  const RedisUrl url = parse_ok("redis://:p%40ss%3Aw@rd@localhost/");
  EXPECT_EQ(url.username, "");
  EXPECT_EQ(url.password, "p@ss:w@rd");
  EXPECT_EQ(url.host, "localhost");
  EXPECT_EQ(url.db, 0u);
}

TEST(RedisUrl, UserWithoutPasswordIsKeptForThePasswordKey) {
  const RedisUrl url = parse_ok("redis://alice@localhost");
  EXPECT_EQ(url.username, "alice");
  EXPECT_EQ(url.password, "");
}

TEST(RedisUrl, BracketedIpv6) {
  const RedisUrl url = parse_ok("redis://[::1]:7000/1");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 7000);
  EXPECT_EQ(url.db, 1u);
  EXPECT_EQ(parse_ok("redis://[::1]").port, 6379);
}

TEST(RedisUrl, TlsIsRefusedWithAReason) {
  EXPECT_NE(parse_error("rediss://localhost:6380").find("TLS to Redis) is not supported yet"),
            std::string::npos);
}

TEST(RedisUrl, BadUrlsSayWhatIsWrong) {
  EXPECT_NE(parse_error("http://localhost").find("starts with redis://"), std::string::npos);
  EXPECT_NE(parse_error("unix:///tmp/redis.sock").find("starts with redis://"), std::string::npos);
  EXPECT_NE(parse_error("redis://").find("no host"), std::string::npos);
  EXPECT_NE(parse_error("redis://:6379").find("no host"), std::string::npos);
  EXPECT_NE(parse_error("redis://bad_host!").find("invalid host"), std::string::npos);
  EXPECT_NE(parse_error("redis://::1:6379").find("invalid host"), std::string::npos);
  EXPECT_NE(parse_error("redis://[::1").find("unclosed"), std::string::npos);
  EXPECT_NE(parse_error("redis://[::1]x").find("after ']'"), std::string::npos);
  EXPECT_NE(parse_error("redis://localhost:0").find("invalid port '0'"), std::string::npos);
  EXPECT_NE(parse_error("redis://localhost:65536").find("invalid port"), std::string::npos);
  EXPECT_NE(parse_error("redis://localhost:").find("invalid port"), std::string::npos);
  EXPECT_NE(parse_error("redis://localhost:http").find("invalid port"), std::string::npos);
  EXPECT_NE(parse_error("redis://localhost/x").find("invalid database 'x'"), std::string::npos);
  EXPECT_NE(parse_error("redis://localhost/-1").find("invalid database"), std::string::npos);
  EXPECT_NE(parse_error("redis://localhost/3000000000").find("invalid database"),
            std::string::npos);
  EXPECT_NE(parse_error("redis://localhost/1/2").find("invalid database"), std::string::npos);
  EXPECT_NE(parse_error("redis://localhost/0?timeout=1").find("query"), std::string::npos);
  EXPECT_NE(parse_error("redis://:%zz@localhost").find("%-escape"), std::string::npos);
  EXPECT_NE(parse_error("redis://:%4@localhost").find("%-escape"), std::string::npos);
}

}  // namespace
}  // namespace apigw::config
