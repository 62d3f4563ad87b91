#include "util/anchored_regex.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

namespace apigw::util {
namespace {

std::shared_ptr<const re2::RE2> compile(std::string_view pattern) {
  std::string error;
  auto regex = compile_anchored_regex(pattern, error);
  EXPECT_TRUE(regex) << pattern << ": " << error;
  return regex;
}

TEST(AnchoredRegex, MatchesWholeInputsOnly) {
  const auto regex = compile("/r[0-9]+");
  EXPECT_TRUE(RE2::FullMatch("/r12", *regex));
  EXPECT_TRUE(RE2::PartialMatch("/r12", *regex));
  EXPECT_FALSE(RE2::PartialMatch("/r12/x", *regex));
  EXPECT_FALSE(RE2::PartialMatch("/x/r12", *regex));
}

TEST(AnchoredRegex, AlternativesStayInsideTheAnchors) {
  const auto regex = compile("/a|/b");
  EXPECT_TRUE(RE2::PartialMatch("/b", *regex));
  EXPECT_FALSE(RE2::PartialMatch("/a/x", *regex));
  EXPECT_FALSE(RE2::PartialMatch("/x/b", *regex));
}

TEST(AnchoredRegex, WrittenAnchorsAreHarmless) {
  EXPECT_TRUE(RE2::FullMatch("/x", *compile("^/x$")));
}

TEST(AnchoredRegex, RefusesWhatDoesNotCompileOrIsTooBig) {
  std::string error;
  EXPECT_FALSE(compile_anchored_regex("/(x", error));
  EXPECT_EQ(error, "missing ): /(x");
  EXPECT_FALSE(compile_anchored_regex("/x{1001}", error));
  EXPECT_EQ(error, "invalid repetition size: {1001}");
  EXPECT_FALSE(compile_anchored_regex("(abc|def){300}", error));
  EXPECT_NE(error.find("too complex (program size"), std::string::npos) << error;
  EXPECT_FALSE(
      compile_anchored_regex("(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)", error));
  EXPECT_EQ(error, "more than 16 capturing groups");
}

// Wrapped in "^(?:...)$", these would balance the wrapper's parentheses and compile (the first as
// "^(?:/a)|(.*)$", matching every input); RE2 refuses them as written.
TEST(AnchoredRegex, AnUnbalancedPatternCannotCloseTheWrapper) {
  std::string error;
  EXPECT_FALSE(compile_anchored_regex("/a)|(.*", error));
  EXPECT_EQ(error, "unexpected ): /a)|(.*");
  EXPECT_FALSE(compile_anchored_regex("/a)(?:/b", error));
  EXPECT_EQ(error, "unexpected ): /a)(?:/b");
}

TEST(AnchoredRegex, ErrorsQuoteOnlyThePatternAsWritten) {
  std::string error;
  EXPECT_FALSE(compile_anchored_regex("[", error));
  EXPECT_EQ(error, "missing ]: [") << "not the wrapper's \")$\"";
  EXPECT_FALSE(compile_anchored_regex("/x\\", error));
  EXPECT_EQ(error, "trailing \\");
}

TEST(AnchoredRegex, CopiesMatchAlike) {
  const auto regex = compile("/u/(?P<id>[0-9]+)");
  const auto copy = copy_regex(*regex);
  std::string id;
  EXPECT_TRUE(RE2::FullMatch("/u/42", *copy, &id));
  EXPECT_EQ(id, "42");
  EXPECT_EQ(copy->NamedCapturingGroups(), regex->NamedCapturingGroups());
}

TEST(AnchoredRegex, PathDirectoryIsTheLiteralStartCutAfterItsLastSlash) {
  EXPECT_EQ(regex_path_directory(*compile("/r5/v[0-9]+/items")), "/r5/");
  EXPECT_EQ(regex_path_directory(*compile("/api/(v1|v2)/x")), "/api/");
  EXPECT_EQ(regex_path_directory(*compile("/a|/b")), "/");
  EXPECT_EQ(regex_path_directory(*compile("/api/x")), "/api/");
  EXPECT_EQ(regex_path_directory(*compile("(?i)/API/x")), "");
  EXPECT_EQ(regex_path_directory(*compile("/ab?/c")), "/");
  EXPECT_EQ(regex_path_directory(*compile("/a/b\\.json")), "/a/");
  EXPECT_EQ(regex_path_directory(*compile(".*")), "");
  EXPECT_EQ(regex_path_directory(*compile("x/y")), "");
}

}  // namespace
}  // namespace apigw::util
