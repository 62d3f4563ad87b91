#include "http/path_template.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace apigw::http {
namespace {

PathTemplate parse_ok(std::string_view text) {
  PathTemplate tmpl;
  std::string error;
  EXPECT_TRUE(parse_path_template(text, tmpl, error)) << text << ": " << error;
  return tmpl;
}

std::string parse_error(std::string_view text) {
  PathTemplate tmpl;
  std::string error;
  EXPECT_FALSE(parse_path_template(text, tmpl, error)) << text;
  EXPECT_TRUE(tmpl.segments.empty()) << text;
  return error;
}

TEST(PathTemplateParse, SplitsLiteralsAndParameters) {
  const PathTemplate tmpl = parse_ok("/users/{id}/posts/{post_id}");
  ASSERT_EQ(tmpl.segments.size(), 4u);
  EXPECT_FALSE(tmpl.segments[0].is_param);
  EXPECT_EQ(tmpl.segments[0].text, "users");
  EXPECT_TRUE(tmpl.segments[1].is_param);
  EXPECT_EQ(tmpl.segments[1].text, "id");
  EXPECT_EQ(tmpl.segments[3].text, "post_id");
  EXPECT_EQ(tmpl.literal_count(), 2u);
  EXPECT_TRUE(tmpl.has_param("id"));
  EXPECT_TRUE(tmpl.has_param("post_id"));
  EXPECT_FALSE(tmpl.has_param("users"));  // a literal, not a parameter
}

TEST(PathTemplateParse, ACatchAllIsTheLastSegmentOnly) {
  const PathTemplate tmpl = parse_ok("/files/{*rest}");
  ASSERT_EQ(tmpl.segments.size(), 2u);
  EXPECT_TRUE(tmpl.segments[1].is_param);
  EXPECT_TRUE(tmpl.segments[1].rest);
  EXPECT_EQ(tmpl.segments[1].text, "rest");
  EXPECT_TRUE(tmpl.ends_with_rest());
  EXPECT_EQ(parse_error("/files/{*rest}/more"), "'{*rest}' must be the last segment");
  EXPECT_EQ(parse_error("/files/{*}"), "empty parameter name");
  EXPECT_EQ(parse_error("/{id}/{*id}"), "duplicate parameter 'id'");
}

TEST(PathTemplateMatch, ACatchAllTakesEverythingAfterItsSlash) {
  const PathTemplate tmpl = parse_ok("/files/{*rest}");
  PathParams params;
  ASSERT_TRUE(match_path_template(tmpl, "/files/a/b.txt", params));
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].value, "a/b.txt");
  params.clear();
  ASSERT_TRUE(match_path_template(tmpl, "/files/", params));
  EXPECT_EQ(params[0].value, "");
  params.clear();
  EXPECT_FALSE(match_path_template(tmpl, "/files", params));
  EXPECT_FALSE(match_path_template(tmpl, "/filesx/a", params));
  EXPECT_TRUE(params.empty());
  std::string out;
  expand_path_template(parse_ok("/v2/{*rest}"), {{"rest", "a/b"}}, out);
  EXPECT_EQ(out, "/v2/a/b");
}

TEST(PathTemplateParse, RootHasNoSegments) {
  EXPECT_TRUE(parse_ok("/").segments.empty());
  EXPECT_EQ(parse_ok("/").literal_count(), 0u);
}

TEST(PathTemplateParse, TrailingSlashIsAnEmptyLastLiteral) {
  const PathTemplate tmpl = parse_ok("/users/");
  ASSERT_EQ(tmpl.segments.size(), 2u);
  EXPECT_FALSE(tmpl.segments[1].is_param);
  EXPECT_EQ(tmpl.segments[1].text, "");
}

TEST(PathTemplateParse, ReparsingReplacesEarlierSegments) {
  PathTemplate tmpl = parse_ok("/a/b");
  std::string error;
  ASSERT_TRUE(parse_path_template("/c", tmpl, error));
  ASSERT_EQ(tmpl.segments.size(), 1u);
  EXPECT_EQ(tmpl.segments[0].text, "c");
}

TEST(PathTemplateParse, RejectsMissingLeadingSlash) {
  EXPECT_EQ(parse_error(""), "template must start with '/'");
  EXPECT_EQ(parse_error("users/{id}"), "template must start with '/'");
}

TEST(PathTemplateParse, RejectsEmptyParameterName) {
  EXPECT_EQ(parse_error("/users/{}"), "empty parameter name");
}

TEST(PathTemplateParse, RejectsDuplicateParameter) {
  EXPECT_EQ(parse_error("/a/{id}/b/{id}"), "duplicate parameter 'id'");
}

TEST(PathTemplateParse, RejectsBraceInsideASegment) {
  for (std::string_view text :
       {"/users/x{id}", "/users/{id}x", "/{a}{b}", "/users/{id", "/{{id}}"}) {
    EXPECT_EQ(parse_error(text), "'{' must span a whole segment") << text;
  }
}

TEST(PathTemplateParse, RejectsUnopenedBrace) {
  EXPECT_EQ(parse_error("/users/id}"), "'}' without a matching '{'");
}

TEST(PathTemplateParse, RejectsEmptySegment) {
  EXPECT_EQ(parse_error("/users//{id}"), "empty segment (\"//\") in template");
  EXPECT_EQ(parse_error("//"), "empty segment (\"//\") in template");
}

TEST(PathTemplateParse, RejectsNonIdentifierParameterName) {
  EXPECT_EQ(parse_error("/u/{a.b}"), "invalid parameter name 'a.b' (letters, digits and '_' only)");
}

TEST(PathTemplateMatch, CapturesEachParameter) {
  const PathTemplate tmpl = parse_ok("/users/{id}/posts/{post}");
  PathParams params;
  ASSERT_TRUE(match_path_template(tmpl, "/users/42/posts/hello-world", params));
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].name, "id");
  EXPECT_EQ(params[0].value, "42");
  EXPECT_EQ(params[1].name, "post");
  EXPECT_EQ(params[1].value, "hello-world");
}

TEST(PathTemplateMatch, AppendsToExistingParams) {
  const PathTemplate tmpl = parse_ok("/u/{id}");
  PathParams params{{"earlier", "x"}};
  ASSERT_TRUE(match_path_template(tmpl, "/u/7", params));
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[1].value, "7");
}

TEST(PathTemplateMatch, RejectsWrongLiteralsAndSegmentCounts) {
  const PathTemplate tmpl = parse_ok("/users/{id}/posts");
  PathParams params;
  for (std::string_view path : {"/users/1/post", "/users/1", "/users/1/posts/2", "/members/1/posts",
                                "/users//posts", "/", "", "users/1/posts"}) {
    EXPECT_FALSE(match_path_template(tmpl, path, params)) << path;
  }
  EXPECT_TRUE(params.empty());
}

TEST(PathTemplateMatch, FailedMatchLeavesParamsAsTheyWere) {
  const PathTemplate tmpl = parse_ok("/{a}/{b}/end");
  PathParams params{{"kept", "1"}};
  EXPECT_FALSE(match_path_template(tmpl, "/x/y/other", params));
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].name, "kept");
}

TEST(PathTemplateMatch, ParameterNeedsANonEmptySegment) {
  PathParams params;
  EXPECT_FALSE(match_path_template(parse_ok("/users/{id}"), "/users/", params));
}

TEST(PathTemplateMatch, TrailingSlashIsSignificant) {
  PathParams params;
  EXPECT_FALSE(match_path_template(parse_ok("/users/{id}"), "/users/1/", params));
  EXPECT_TRUE(match_path_template(parse_ok("/users/{id}/"), "/users/1/", params));
  EXPECT_FALSE(match_path_template(parse_ok("/users/{id}/"), "/users/1", params));
}

TEST(PathTemplateMatch, RootMatchesOnlyRoot) {
  const PathTemplate root = parse_ok("/");
  PathParams params;
  EXPECT_TRUE(match_path_template(root, "/", params));
  EXPECT_FALSE(match_path_template(root, "/a", params));
  EXPECT_FALSE(match_path_template(root, "", params));
}

TEST(PathTemplateMatch, LiteralOnlyTemplateMatchesExactly) {
  PathParams params;
  EXPECT_TRUE(match_path_template(parse_ok("/health"), "/health", params));
  EXPECT_FALSE(match_path_template(parse_ok("/health"), "/healthz", params));
  EXPECT_TRUE(params.empty());
}

TEST(PathTemplateExpand, SubstitutesCapturedValues) {
  const PathTemplate tmpl = parse_ok("/u/{id}/profile/{tab}");
  std::string out = "prefix:";
  expand_path_template(tmpl, {{"tab", "photos"}, {"id", "7"}}, out);
  EXPECT_EQ(out, "prefix:/u/7/profile/photos");
}

TEST(PathTemplateExpand, MissingParameterExpandsToNothing) {
  std::string out;
  expand_path_template(parse_ok("/u/{id}"), {}, out);
  EXPECT_EQ(out, "/u/");
}

TEST(PathTemplateExpand, RootAndTrailingSlash) {
  std::string out;
  expand_path_template(parse_ok("/"), {}, out);
  EXPECT_EQ(out, "/");
  out.clear();
  expand_path_template(parse_ok("/a/{x}/"), {{"x", "1"}}, out);
  EXPECT_EQ(out, "/a/1/");
}

TEST(PathTemplateExpand, RoundTripsAMatch) {
  const PathTemplate from = parse_ok("/api/{tenant}/items/{item}");
  const PathTemplate to = parse_ok("/{tenant}/v2/{item}");
  PathParams params;
  ASSERT_TRUE(match_path_template(from, "/api/acme/items/99", params));
  std::string out;
  expand_path_template(to, params, out);
  EXPECT_EQ(out, "/acme/v2/99");
}

}  // namespace
}  // namespace apigw::http
