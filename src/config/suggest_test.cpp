#include <gtest/gtest.h>

#include "config/detail.h"

namespace apigw::config::detail {
namespace {

TEST(ConfigSuggest, EditDistanceCountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(edit_distance("listen", "listen"), 0u);
  EXPECT_EQ(edit_distance("listn", "listen"), 1u);
  EXPECT_EQ(edit_distance("workrs", "workers"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(ConfigSuggest, SuggestsTheClosestKnownWord) {
  const std::vector<std::string> keys{"listen", "workers", "limits", "timeouts"};
  EXPECT_EQ(closest_match("listn", keys), "listen");
  EXPECT_EQ(closest_match("limit", keys), "limits");
  EXPECT_EQ(did_you_mean("timeout", keys), "; did you mean 'timeouts'?");
}

TEST(ConfigSuggest, LongWordsAllowAThirdOfTheirLengthInEdits) {
  const std::vector<std::string> keys{"max_header_bytes"};
  EXPECT_EQ(closest_match("max_headr_byts_x", keys), "max_header_bytes");  // 3 edits, 16 chars
}

TEST(ConfigSuggest, GivesNoHintForUnrelatedWords) {
  const std::vector<std::string> keys{"listen", "workers"};
  EXPECT_EQ(closest_match("banana", keys), std::nullopt);
  EXPECT_EQ(did_you_mean("banana", keys), "");
  EXPECT_EQ(closest_match("ab", {"cd"}), std::nullopt);
  EXPECT_EQ(closest_match("x", {}), std::nullopt);
}

}  // namespace
}  // namespace apigw::config::detail
