// What `apigw check --print` does to URLs before printing them: no password shows.
#include "config/effective_config.h"

#include <gtest/gtest.h>

namespace apigw::config {
namespace {

TEST(EffectiveConfig, UrlPasswordsAreRedactedWhereverTheyStand) {
  EXPECT_EQ(redact_url_secrets("redis://:hunter2@cache:6379/0"),
            "redis://:(redacted-secret)@cache:6379/0");
  EXPECT_EQ(redact_url_secrets("postgresql://apigw:s3cret@db/apigw?sslmode=require"),
            "postgresql://apigw:(redacted-secret)@db/apigw?sslmode=require");
  // libpq also takes the password as a query parameter.
  EXPECT_EQ(redact_url_secrets("postgresql://db/apigw?user=apigw&password=s3cret&sslmode=require"),
            "postgresql://db/apigw?user=apigw&password=(redacted-secret)&sslmode=require");
  EXPECT_EQ(redact_url_secrets("postgresql://db/apigw?password=s3cret"),
            "postgresql://db/apigw?password=(redacted-secret)");
  // Nothing secret: unchanged, a user name and an '@' in the path included.
  EXPECT_EQ(redact_url_secrets("redis://rl@cache:6379"), "redis://rl@cache:6379");
  EXPECT_EQ(redact_url_secrets("http://collector:4318/v1/traces?at=@x"),
            "http://collector:4318/v1/traces?at=@x");
  EXPECT_EQ(redact_url_secrets("not a url"), "not a url");
}

}  // namespace
}  // namespace apigw::config
