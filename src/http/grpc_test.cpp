#include "http/grpc.h"

#include <gtest/gtest.h>

namespace apigw::http {
namespace {

using std::chrono::milliseconds;

TEST(Grpc, ContentTypesOfGrpcButNotGrpcWeb) {
  EXPECT_TRUE(is_grpc_content_type("application/grpc"));
  EXPECT_TRUE(is_grpc_content_type("application/grpc+proto"));
  EXPECT_TRUE(is_grpc_content_type("Application/GRPC;charset=utf-8"));
  EXPECT_FALSE(is_grpc_content_type("application/grpc-web"));
  EXPECT_FALSE(is_grpc_content_type("application/json"));
  EXPECT_FALSE(is_grpc_content_type("application/grp"));
}

TEST(Grpc, TimeoutsInEveryUnitRoundUpToMilliseconds) {
  EXPECT_EQ(parse_grpc_timeout("1H"), milliseconds(3'600'000));
  EXPECT_EQ(parse_grpc_timeout("2M"), milliseconds(120'000));
  EXPECT_EQ(parse_grpc_timeout("3S"), milliseconds(3'000));
  EXPECT_EQ(parse_grpc_timeout("250m"), milliseconds(250));
  EXPECT_EQ(parse_grpc_timeout("1500u"), milliseconds(2));
  EXPECT_EQ(parse_grpc_timeout("1n"), milliseconds(1));
  EXPECT_EQ(parse_grpc_timeout("0m"), milliseconds(0));
  EXPECT_EQ(parse_grpc_timeout("99999999S"), milliseconds(99'999'999'000));
}

TEST(Grpc, MalformedTimeoutsAreRefused) {
  for (const char* bad : {"", "m", "10", "123456789m", "1x", "-1m", " 1m", "1.5S", "1s"}) {
    EXPECT_EQ(parse_grpc_timeout(bad), std::nullopt) << bad;
  }
}

TEST(Grpc, FormattedTimeoutsParseBackNoShorter) {
  for (const std::int64_t ms : {0LL, 1LL, 999LL, 99'999'999LL, 100'000'000LL, 7'200'000'000LL}) {
    const auto back = parse_grpc_timeout(format_grpc_timeout(milliseconds(ms)));
    ASSERT_TRUE(back.has_value()) << ms;
    EXPECT_GE(back->count(), ms);
  }
  EXPECT_EQ(format_grpc_timeout(milliseconds(250)), "250m");
  EXPECT_EQ(format_grpc_timeout(milliseconds(100'000'000)), "100000S");
}

TEST(Grpc, GatewayStatusesMapToGrpcCodes) {
  EXPECT_EQ(grpc_status_for_http(503), 14);  // UNAVAILABLE
  EXPECT_EQ(grpc_status_for_http(502), 14);
  EXPECT_EQ(grpc_status_for_http(504), 4);   // DEADLINE_EXCEEDED
  EXPECT_EQ(grpc_status_for_http(401), 16);  // UNAUTHENTICATED
  EXPECT_EQ(grpc_status_for_http(404), 12);  // UNIMPLEMENTED
  EXPECT_EQ(grpc_status_for_http(429), 14);
  EXPECT_EQ(grpc_status_for_http(418), 2);  // UNKNOWN
}

TEST(Grpc, MessagesArePercentEncoded) {
  std::string out;
  append_grpc_message(out, "no route: 100% \xc3\xa9\n");
  EXPECT_EQ(out, "no route: 100%25 %C3%A9%0A");
}

}  // namespace
}  // namespace apigw::http
