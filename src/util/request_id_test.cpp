#include "util/request_id.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace apigw::util {
namespace {

TEST(RequestId, IsHexAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    RequestIdText id;
    make_request_id(id);
    std::string text(id.data(), id.size());
    EXPECT_EQ(text.find_first_not_of("0123456789abcdef"), std::string::npos) << text;
    seen.insert(text);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace apigw::util
