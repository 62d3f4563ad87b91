#include "http/authority.h"

#include <gtest/gtest.h>

namespace apigw::http {
namespace {

TEST(Authority, SplitsHostAndPort) {
  EXPECT_EQ(split_authority("api.example.com:8443").host, "api.example.com");
  EXPECT_EQ(split_authority("api.example.com:8443").port, 8443u);
  EXPECT_EQ(split_authority("api.example.com").host, "api.example.com");
  EXPECT_EQ(split_authority("api.example.com").port, 0u);
  EXPECT_EQ(split_authority("[::1]:8080").host, "::1");
  EXPECT_EQ(split_authority("[::1]:8080").port, 8080u);
  EXPECT_EQ(split_authority("[::1]").host, "::1");
  EXPECT_EQ(split_authority("::1").host, "::1") << "a bare IPv6 address stays whole";
  EXPECT_EQ(split_authority("host:99999").port, 0u);
  EXPECT_EQ(split_authority("host:8x").port, 0u);
  EXPECT_EQ(split_authority("").host, "");
}

}  // namespace
}  // namespace apigw::http
