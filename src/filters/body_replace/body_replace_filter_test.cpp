#include "filters/body_replace/body_replace_filter.h"

#include <gtest/gtest.h>

namespace apigw::filters::body_replace {
namespace {

TEST(BodyReplace, ReplacesEveryOccurrenceRuleAfterRule) {
  std::string body = "a http://in:8080/x and http://in:8080/y, in";
  replace_all({{"http://in:8080", "https://api"}, {"in", "IN"}, {"IN", "in!"}}, body);
  EXPECT_EQ(body, "a https://api/x and https://api/y, in!")
      << "the second rule sees the first one's output";
  std::string untouched = "nothing here";
  replace_all({{"zzz", "y"}}, untouched);
  EXPECT_EQ(untouched, "nothing here");
  std::string shrinking = "aaaa";
  replace_all({{"aa", ""}}, shrinking);
  EXPECT_EQ(shrinking, "");
}

TEST(BodyReplace, MediaTypesWithWildcardsAndParameters) {
  const std::vector<std::string> types{"text/*", "application/json"};
  EXPECT_TRUE(media_type_listed(types, "text/html; charset=utf-8"));
  EXPECT_TRUE(media_type_listed(types, "Application/JSON"));
  EXPECT_FALSE(media_type_listed(types, "application/octet-stream"));
  EXPECT_FALSE(media_type_listed(types, ""));
  EXPECT_FALSE(media_type_listed(types, "text/"));
}

}  // namespace
}  // namespace apigw::filters::body_replace
