#include "proxy/request_key.h"

#include <gtest/gtest.h>

namespace apigw::proxy {
namespace {

using Kind = config::HashOn::Kind;

TEST(RequestKey, EachKindReadsItsPartOfTheRequest) {
  const std::vector<http::Header> headers = {
      {"X-User", "alice"}, {"x-user", "mallory"}, {"Cookie", "theme=dark; session=s-42"}};
  const http::PathParams params = {{"id", "7"}, {"id", "8"}};
  EXPECT_EQ(request_key({Kind::client_ip, ""}, "10.0.0.1", headers, params), "10.0.0.1");
  EXPECT_EQ(request_key({Kind::header, "x-user"}, "10.0.0.1", headers, params), "alice")
      << "the first header of the name";
  EXPECT_EQ(request_key({Kind::cookie, "session"}, "10.0.0.1", headers, params), "s-42");
  EXPECT_EQ(request_key({Kind::param, "id"}, "10.0.0.1", headers, params), "8")
      << "the last capture of the name";
}

TEST(RequestKey, AMissingPartIsEmpty) {
  const std::vector<http::Header> headers = {{"Cookie", "theme=dark"}};
  EXPECT_EQ(request_key({Kind::header, "x-user"}, "10.0.0.1", headers, {}), "");
  EXPECT_EQ(request_key({Kind::cookie, "session"}, "10.0.0.1", headers, {}), "");
  EXPECT_EQ(request_key({Kind::param, "id"}, "10.0.0.1", headers, {}), "");
}

}  // namespace
}  // namespace apigw::proxy
