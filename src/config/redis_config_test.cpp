// [redis]: parsed through the whole loader, so positions, unknown keys and env overrides are the
// real ones.
#include <gtest/gtest.h>

#include "config/test_support.h"

namespace apigw::config {
namespace {

using namespace std::chrono_literals;
using testing::all_errors;
using testing::find_error;
using testing::kMinimalConfig;
using testing::load_minimal_plus;
using testing::load_text;

// kMinimalConfig ends with line 16; the extra text opens with an empty line, so [redis] is line 18.
constexpr std::uint32_t kRedisLine = 18;

const RedisConfig& redis_of(const LoadResult& result) {
  static const RedisConfig kNone;
  EXPECT_TRUE(result.config) << all_errors(result);
  return result.config ? result.config->redis : kNone;
}

TEST(RedisConfig, AbsentSectionMeansNoRedis) {
  const auto result = load_text(kMinimalConfig);
  EXPECT_FALSE(redis_of(result).enabled);
}

TEST(RedisConfig, UrlAloneGivesTheDefaults) {
  const auto result = load_minimal_plus("\n[redis]\nurl = \"redis://127.0.0.1:6379\"\n");
  const RedisConfig& redis = redis_of(result);
  EXPECT_TRUE(redis.enabled);
  EXPECT_EQ(redis.host, "127.0.0.1");
  EXPECT_EQ(redis.port, 6379);
  EXPECT_EQ(redis.db, 0u);
  EXPECT_EQ(redis.password, "");
  EXPECT_EQ(redis.timeout, 1s);
  EXPECT_EQ(redis.connect_timeout, 1s);
  EXPECT_EQ(redis.reconnect_max, 5s);
  EXPECT_EQ(redis.pool_size, 2u);
  EXPECT_EQ(redis.position.line, kRedisLine);
}

TEST(RedisConfig, EveryKey) {
  const auto result = load_minimal_plus(R"(
[redis]
url = "redis://rl@redis.internal:6380/4"
password = "from-the-key"
timeout = "250ms"
connect_timeout = "2s"
reconnect_max = "30s"
pool_size = 4
)");
  const RedisConfig& redis = redis_of(result);
  EXPECT_EQ(redis.url, "redis://rl@redis.internal:6380/4");
  EXPECT_EQ(redis.host, "redis.internal");
  EXPECT_EQ(redis.port, 6380);
  EXPECT_EQ(redis.db, 4u);
  EXPECT_EQ(redis.username, "rl");
  EXPECT_EQ(redis.password, "from-the-key");
  EXPECT_EQ(redis.timeout, 250ms);
  EXPECT_EQ(redis.connect_timeout, 2s);
  EXPECT_EQ(redis.reconnect_max, 30s);
  EXPECT_EQ(redis.pool_size, 4u);
}

TEST(RedisConfig, PasswordFromTheEnvironment) {
  Environment env;
  env.variables["REDIS_PASSWORD"] = "hunter2";
  env.variables["APIGW__REDIS__POOL_SIZE"] = "3";
  const auto result = load_minimal_plus(
      "\n[redis]\nurl = \"redis://localhost\"\npassword = \"${REDIS_PASSWORD}\"\n", env);
  EXPECT_EQ(redis_of(result).password, "hunter2");
  EXPECT_EQ(redis_of(result).pool_size, 3u);
}

TEST(RedisConfig, TlsUrlIsRefusedAtItsLine) {
  const auto result = load_minimal_plus("\n[redis]\nurl = \"rediss://localhost:6380\"\n");
  const ConfigError* error = find_error(result, "TLS to Redis) is not supported yet");
  ASSERT_NE(error, nullptr) << all_errors(result);
  EXPECT_EQ(error->position.file, "test.toml");
  EXPECT_EQ(error->position.line, kRedisLine + 1);
}

TEST(RedisConfig, BadUrlPartsAreReportedAtTheUrl) {
  for (const char* url :
       {"redis://localhost:70000", "redis://localhost/abc", "redis://", "tcp://localhost:6379"}) {
    const auto result = load_minimal_plus("\n[redis]\nurl = \"" + std::string(url) + "\"\n");
    ASSERT_EQ(result.errors.size(), 1u) << url << "\n" << all_errors(result);
    EXPECT_EQ(result.errors[0].position.line, kRedisLine + 1) << url;
    EXPECT_NE(result.errors[0].message.find("Redis URL"), std::string::npos)
        << result.errors[0].message;
  }
}

TEST(RedisConfig, UrlIsRequired) {
  const auto result = load_minimal_plus("\n[redis]\npool_size = 2\n");
  const ConfigError* error = find_error(result, "missing required key 'url' in [redis]");
  ASSERT_NE(error, nullptr) << all_errors(result);
  EXPECT_EQ(error->position.line, kRedisLine);
}

TEST(RedisConfig, UnknownKeyGetsAHint) {
  const auto result =
      load_minimal_plus("\n[redis]\nurl = \"redis://localhost\"\ntimout = \"1s\"\n");
  const ConfigError* error = find_error(result, "unknown key 'timout' in [redis]");
  ASSERT_NE(error, nullptr) << all_errors(result);
  EXPECT_NE(error->message.find("did you mean 'timeout'?"), std::string::npos);
  EXPECT_EQ(error->position.line, kRedisLine + 2);
}

TEST(RedisConfig, PasswordTwiceIsRefused) {
  const auto result =
      load_minimal_plus("\n[redis]\nurl = \"redis://:one@localhost\"\npassword = \"two\"\n");
  const ConfigError* error = find_error(result, "both in 'url' and as 'password'");
  ASSERT_NE(error, nullptr) << all_errors(result);
  EXPECT_EQ(error->position.line, kRedisLine + 2);
}

TEST(RedisConfig, UserWithoutAnyPasswordIsRefused) {
  const auto result = load_minimal_plus("\n[redis]\nurl = \"redis://alice@localhost\"\n");
  EXPECT_NE(find_error(result, "names user 'alice' but no password"), nullptr)
      << all_errors(result);
}

TEST(RedisConfig, OutOfRangeValues) {
  const auto result = load_minimal_plus(R"(
[redis]
url = "redis://localhost"
timeout = "0s"
connect_timeout = "0ms"
pool_size = 0
password = ""
)");
  EXPECT_NE(find_error(result, "'timeout' must be greater than zero"), nullptr)
      << all_errors(result);
  EXPECT_NE(find_error(result, "'connect_timeout' must be greater than zero"), nullptr);
  const ConfigError* pool = find_error(result, "'pool_size' must be 1 to 64");
  ASSERT_NE(pool, nullptr) << all_errors(result);
  EXPECT_EQ(pool->position.line, kRedisLine + 4);
  EXPECT_NE(find_error(result, "'password' must not be empty"), nullptr);
  EXPECT_EQ(result.errors.size(), 4u) << all_errors(result);
}

TEST(RedisConfig, WrongTypesNameTheKey) {
  const auto result =
      load_minimal_plus("\n[redis]\nurl = \"redis://localhost\"\ntimeout = 5\npool_size = \"2\"\n");
  EXPECT_NE(find_error(result, "'timeout' needs a unit"), nullptr) << all_errors(result);
  EXPECT_NE(find_error(result, "'pool_size' must be an integer"), nullptr) << all_errors(result);
}

TEST(RedisConfig, SectionMustBeATable) {
  // A top-level key must come before the first table.
  const auto result = load_text("redis = \"redis://localhost\"\n" + std::string(kMinimalConfig));
  EXPECT_NE(find_error(result, "'redis' must be a table"), nullptr) << all_errors(result);
}

}  // namespace
}  // namespace apigw::config
