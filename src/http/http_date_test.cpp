#include "http/http_date.h"

#include <gtest/gtest.h>

namespace apigw::http {
namespace {

TEST(HttpDate, FormatsImfFixdate) {
  std::array<char, 32> out{};
  const std::size_t size = format_http_date(784111777, out);  // RFC 9110's example
  EXPECT_EQ(std::string_view(out.data(), size), "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST(HttpDate, CacheGivesTheCurrentSecond) {
  DateCache cache;
  const std::string_view first = cache.now();
  EXPECT_EQ(first.size(), 29u);
  EXPECT_EQ(first.substr(first.size() - 4), " GMT");
}

}  // namespace
}  // namespace apigw::http
