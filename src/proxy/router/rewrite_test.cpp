#include "proxy/router/rewrite.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace apigw::proxy {
namespace {

using config::PathMatchKind;
using RewriteKind = config::RewriteConfig::Kind;

config::RouteConfig rewrite_route(RewriteKind kind, std::string value,
                                  PathMatchKind path_kind = PathMatchKind::prefix,
                                  std::string path = "/") {
  config::RouteConfig route;
  route.name = "r";
  route.match.paths = {config::PathMatch{path_kind, std::move(path), nullptr}};
  route.rewrite = {kind, std::move(value)};
  return route;
}

std::string rewritten(const PathRewrite& rewrite, std::string_view path,
                      const http::PathParams& params = {}) {
  std::string out;
  rewrite.apply(path, params, out);
  return out;
}

TEST(PathRewrite, NoneKeepsThePath) {
  const PathRewrite rewrite = PathRewrite::compile(rewrite_route(RewriteKind::none, ""));
  EXPECT_TRUE(rewrite.empty());
  EXPECT_EQ(rewritten(rewrite, "/api/users"), "/api/users");
}

TEST(PathRewrite, ApplyAppendsToOut) {
  const PathRewrite rewrite =
      PathRewrite::compile(rewrite_route(RewriteKind::strip_prefix, "/api"));
  EXPECT_FALSE(rewrite.empty());
  std::string out = "GET ";
  rewrite.apply("/api/users", {}, out);
  EXPECT_EQ(out, "GET /users");
}

TEST(PathRewrite, StripPrefixRemovesIt) {
  const PathRewrite rewrite =
      PathRewrite::compile(rewrite_route(RewriteKind::strip_prefix, "/api"));
  EXPECT_EQ(rewritten(rewrite, "/api/users"), "/users");
  EXPECT_EQ(rewritten(rewrite, "/api/users/"), "/users/");
  EXPECT_EQ(rewritten(rewrite, "/api/"), "/");
}

TEST(PathRewrite, StripPrefixNeverLeavesAnEmptyPath) {
  const PathRewrite rewrite =
      PathRewrite::compile(rewrite_route(RewriteKind::strip_prefix, "/api"));
  EXPECT_EQ(rewritten(rewrite, "/api"), "/");
}

TEST(PathRewrite, StripPrefixLeavesOtherPathsUnchanged) {
  const PathRewrite rewrite =
      PathRewrite::compile(rewrite_route(RewriteKind::strip_prefix, "/api"));
  EXPECT_EQ(rewritten(rewrite, "/other/api"), "/other/api");
  EXPECT_EQ(rewritten(rewrite, "/apix/users"), "/apix/users");  // whole segments only
  EXPECT_EQ(rewritten(rewrite, "/"), "/");
}

TEST(PathRewrite, StripPrefixWithTrailingSlashKeepsTheLeadingSlash) {
  const PathRewrite rewrite =
      PathRewrite::compile(rewrite_route(RewriteKind::strip_prefix, "/api/"));
  EXPECT_EQ(rewritten(rewrite, "/api/users"), "/users");
  EXPECT_EQ(rewritten(rewrite, "/api/"), "/");
  EXPECT_EQ(rewritten(rewrite, "/api"), "/api");  // does not start with "/api/"
}

TEST(PathRewrite, StripRootPrefixChangesNothing) {
  const PathRewrite rewrite = PathRewrite::compile(rewrite_route(RewriteKind::strip_prefix, "/"));
  EXPECT_EQ(rewritten(rewrite, "/a/b"), "/a/b");
  EXPECT_EQ(rewritten(rewrite, "/"), "/");
}

TEST(PathRewrite, ReplacePrefixSwapsTheRoutesPrefix) {
  const PathRewrite rewrite = PathRewrite::compile(
      rewrite_route(RewriteKind::replace_prefix, "/v2", PathMatchKind::prefix, "/api"));
  EXPECT_EQ(rewritten(rewrite, "/api/users"), "/v2/users");
  EXPECT_EQ(rewritten(rewrite, "/api"), "/v2");
  EXPECT_EQ(rewritten(rewrite, "/api/"), "/v2/");
}

TEST(PathRewrite, ReplacePrefixDoesNotDoubleTheSlash) {
  const PathRewrite rewrite = PathRewrite::compile(
      rewrite_route(RewriteKind::replace_prefix, "/v2/", PathMatchKind::prefix, "/api"));
  EXPECT_EQ(rewritten(rewrite, "/api/users"), "/v2/users");
  EXPECT_EQ(rewritten(rewrite, "/api"), "/v2/");
}

TEST(PathRewrite, ReplacePrefixOfARouteWithTrailingSlashPrefix) {
  const PathRewrite rewrite = PathRewrite::compile(
      rewrite_route(RewriteKind::replace_prefix, "/v2", PathMatchKind::prefix, "/api/"));
  EXPECT_EQ(rewritten(rewrite, "/api/users"), "/v2/users");
}

TEST(PathRewrite, ReplacePrefixWithRootDropsThePrefix) {
  const PathRewrite rewrite = PathRewrite::compile(
      rewrite_route(RewriteKind::replace_prefix, "/", PathMatchKind::prefix, "/api"));
  EXPECT_EQ(rewritten(rewrite, "/api/users"), "/users");
  EXPECT_EQ(rewritten(rewrite, "/api"), "/");
}

TEST(PathRewrite, ReplaceRootPrefixPrependsTheReplacement) {
  const PathRewrite rewrite = PathRewrite::compile(
      rewrite_route(RewriteKind::replace_prefix, "/v2", PathMatchKind::prefix, "/"));
  EXPECT_EQ(rewritten(rewrite, "/users"), "/v2/users");
  EXPECT_EQ(rewritten(rewrite, "/"), "/v2/");  // the request's own slash is kept
}

TEST(PathRewrite, ReplacePrefixOnAnExactRouteReplacesTheWholePath) {
  const PathRewrite rewrite = PathRewrite::compile(
      rewrite_route(RewriteKind::replace_prefix, "/status", PathMatchKind::exact, "/health"));
  EXPECT_EQ(rewritten(rewrite, "/health"), "/status");
}

TEST(PathRewrite, ReplacePrefixLeavesUnmatchedPathsUnchanged) {
  const PathRewrite rewrite = PathRewrite::compile(
      rewrite_route(RewriteKind::replace_prefix, "/v2", PathMatchKind::prefix, "/api"));
  EXPECT_EQ(rewritten(rewrite, "/apix"), "/apix");
}

TEST(PathRewrite, ReplacePrefixOnATemplateRouteIsRejected) {
  EXPECT_THROW(PathRewrite::compile(rewrite_route(RewriteKind::replace_prefix, "/v2",
                                                  PathMatchKind::templated, "/u/{id}")),
               std::invalid_argument);
}

TEST(PathRewrite, TemplateExpandsCapturedParams) {
  const PathRewrite rewrite = PathRewrite::compile(rewrite_route(
      RewriteKind::templated, "/u/{id}/profile", PathMatchKind::templated, "/users/{id}"));
  EXPECT_EQ(rewritten(rewrite, "/users/7", {{"id", "7"}}), "/u/7/profile");
}

TEST(PathRewrite, InvalidTemplateIsRejected) {
  EXPECT_THROW(PathRewrite::compile(rewrite_route(RewriteKind::templated, "u/{id}")),
               std::invalid_argument);
}

}  // namespace
}  // namespace apigw::proxy
