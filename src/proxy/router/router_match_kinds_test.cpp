// The router's newer match kinds — regex paths, several paths per route, query and cookie
// predicates — and where they sit in the precedence rules (router.h). Each case is also checked
// against the reference router (reference_router.h), so a test and the oracle cannot drift apart.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "proxy/router/reference_router.h"
#include "proxy/router/router.h"
#include "util/anchored_regex.h"

namespace apigw::proxy {
namespace {

using config::PathMatch;
using config::PathMatchKind;
using config::RouteMatch;
using config::ValuePredicate;
using Kind = ValuePredicate::Kind;

std::shared_ptr<const re2::RE2> regex(std::string_view pattern) {
  std::string error;
  auto compiled = util::compile_anchored_regex(pattern, error);
  EXPECT_TRUE(compiled) << error;
  return compiled;
}

PathMatch regex_path(std::string_view pattern) {
  return {PathMatchKind::regex, std::string(pattern), regex(pattern)};
}
PathMatch prefix(std::string value) { return {PathMatchKind::prefix, std::move(value), nullptr}; }
PathMatch exact(std::string value) { return {PathMatchKind::exact, std::move(value), nullptr}; }
PathMatch templated(std::string value) {
  return {PathMatchKind::templated, std::move(value), nullptr};
}

struct Fixture {
  explicit Fixture(std::vector<RouteMatch> matches) {
    for (RouteMatch& match : matches) {
      config::RouteConfig route;
      route.name = "r" + std::to_string(routes.size());
      route.match = std::move(match);
      routes.push_back(std::move(route));
    }
    router = Router::build(routes);
  }

  // The route and path chosen, checked against the oracle (route, path and parameters).
  std::optional<RouteMatchResult> route(std::string path, std::string query = {},
                                        std::vector<http::Header> headers = {},
                                        RegexCache* regexes = nullptr) {
    const auto result =
        router.match(RouteRequest{"h", "GET", path, query, headers}, params, regexes);
    const auto expected = reference::match(routes, {"h", "GET", path, query, headers});
    EXPECT_EQ(result.has_value(), expected.has_value()) << path << "?" << query;
    if (result && expected) {
      EXPECT_EQ(result->route, expected->route) << path << "?" << query;
      EXPECT_EQ(result->path, expected->path) << path << "?" << query;
      captured.clear();
      for (const auto& p : params) captured.emplace_back(p.name, p.value);
      EXPECT_EQ(captured, expected->params) << path;
    }
    return result;
  }
  std::optional<std::size_t> route_index(std::string path, std::string query = {},
                                         std::vector<http::Header> headers = {}) {
    const auto result = route(std::move(path), std::move(query), std::move(headers));
    return result ? std::optional<std::size_t>(result->route) : std::nullopt;
  }

  config::SharedList<config::RouteConfig> routes;
  Router router;
  http::PathParams params;
  std::vector<std::pair<std::string, std::string>> captured;
};

// --- Regex paths --------------------------------------------------------------------------------

TEST(RouterRegex, MatchesTheWholePathOnly) {
  Fixture f({{.paths = {regex_path("/r[0-9]+/items")}}});
  EXPECT_EQ(f.route_index("/r12/items"), 0u);
  EXPECT_FALSE(f.route_index("/r12/items/x"));
  EXPECT_FALSE(f.route_index("/x/r12/items"));
  EXPECT_FALSE(f.route_index("/rx/items"));
}

TEST(RouterRegex, NamedGroupsBecomePathParameters) {
  Fixture f({{.paths = {regex_path("/legacy/order-(?P<id>[0-9]+)(?:/(?P<part>[a-z]+))?")}}});
  ASSERT_TRUE(f.route("/legacy/order-42/lines"));
  EXPECT_EQ(f.captured,
            (std::vector<std::pair<std::string, std::string>>{{"id", "42"}, {"part", "lines"}}));
  ASSERT_TRUE(f.route("/legacy/order-7"));
  EXPECT_EQ(f.captured, (std::vector<std::pair<std::string, std::string>>{{"id", "7"}}));
}

TEST(RouterRegex, RanksBelowTemplatesAndAbovePrefixes) {
  Fixture f({{.paths = {prefix("/users")}},
             {.paths = {regex_path("/users/[0-9]+")}},
             {.paths = {templated("/users/{id}")}},
             {.paths = {exact("/users/1")}}});
  EXPECT_EQ(f.route_index("/users/1"), 3u);
  EXPECT_EQ(f.route_index("/users/2"), 2u);
  EXPECT_EQ(f.route_index("/users/2/x"), 0u);
}

TEST(RouterRegex, RegexesAreOrderedByTheOtherRulesThenConfigOrder) {
  Fixture f({{.paths = {regex_path("/a/.*")}},
             {.paths = {regex_path("/a/b.*")}},
             {.methods = {"GET"}, .paths = {regex_path(".*")}}});
  EXPECT_EQ(f.route_index("/a/bc"), 2u);  // a methods list beats none (rule 3)
  Fixture g({{.paths = {regex_path("/a/.*")}}, {.paths = {regex_path("/a/b.*")}}});
  EXPECT_EQ(g.route_index("/a/bc"), 0u);  // then the earlier route
  EXPECT_EQ(g.route_index("/a/x"), 0u);
}

TEST(RouterRegex, PatternsWithoutALiteralStartStillMatch) {
  Fixture f({{.paths = {regex_path("(?i)/API/.*")}}, {.paths = {regex_path(".*/end")}}});
  EXPECT_EQ(f.route_index("/api/x"), 0u);
  EXPECT_EQ(f.route_index("/Api/x"), 0u);
  EXPECT_EQ(f.route_index("/deep/path/end"), 1u);
}

TEST(RouterRegex, AWorkerMatchesWithItsOwnCopiesAndAlike) {
  Fixture f({{.paths = {regex_path("/w/(?P<n>[0-9]+)")},
              .headers = {{"x-n", Kind::regex, "[0-9]+", regex("[0-9]+")}}}});
  RegexCache cache;
  ASSERT_TRUE(f.route("/w/5", {}, {{"X-N", "1"}}, &cache));
  EXPECT_EQ(f.captured.at(0).second, "5");
  EXPECT_EQ(cache.size(), 2u);  // one copy per regex, made on first use
  ASSERT_TRUE(f.route("/w/6", {}, {{"X-N", "2"}}, &cache));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(f.route("/w/x", {}, {{"X-N", "2"}}, &cache));
}

TEST(RegexCache, KeepsCopiesWhileAPrototypeIsInUseAndPrunesThemAfter) {
  RegexCache cache;
  auto kept = regex("/a");
  auto dropped = regex("/b");
  EXPECT_TRUE(RE2::FullMatch("/a", cache.copy_of(kept)));
  EXPECT_NE(&cache.copy_of(kept), kept.get());  // a copy, not the shared object
  EXPECT_EQ(&cache.copy_of(kept), &cache.copy_of(kept));
  EXPECT_TRUE(RE2::FullMatch("/b", cache.copy_of(dropped)));
  dropped.reset();  // no snapshot uses it any more
  cache.prune();
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_TRUE(RE2::FullMatch("/a", cache.copy_of(kept)));
}

// --- Several paths per route --------------------------------------------------------------------

TEST(RouterPaths, AnyPathOfTheRouteMatches) {
  Fixture f({{.paths = {exact("/search"), prefix("/find"), templated("/q/{term}")}}});
  EXPECT_EQ(f.route("/search")->path, 0u);
  EXPECT_EQ(f.route("/find/x")->path, 1u);
  EXPECT_EQ(f.route("/q/cats")->path, 2u);
  EXPECT_FALSE(f.route("/other"));
}

TEST(RouterPaths, ARouteIsRankedByTheBestPathThatMatched) {
  // Route 0's exact path beats route 1's template; elsewhere route 1's template beats a prefix.
  Fixture f(
      {{.paths = {prefix("/users"), exact("/users/me")}}, {.paths = {templated("/users/{id}")}}});
  EXPECT_EQ(f.route("/users/me")->route, 0u);
  EXPECT_EQ(f.route("/users/me")->path, 1u);
  EXPECT_EQ(f.route_index("/users/7"), 1u);
  EXPECT_EQ(f.route_index("/users/7/x"), 0u);
}

TEST(RouterPaths, OnATieTheEarliestPathOfTheRouteWins) {
  Fixture f({{.paths = {prefix("/a"), prefix("/b"), prefix("/a")}}});
  EXPECT_EQ(f.route("/a/x")->path, 0u);
  EXPECT_EQ(f.route("/b")->path, 1u);
}

// --- Query parameters ---------------------------------------------------------------------------

TEST(RouterQuery, ExactPresentAbsentPrefixAndRegex) {
  Fixture f({{.paths = {prefix("/")}, .query = {{"v", Kind::exact, "2"}}},
             {.paths = {prefix("/")}, .query = {{"debug", Kind::present}}},
             {.paths = {prefix("/")}, .query = {{"lang", Kind::regex, "en|de", regex("en|de")}}},
             {.paths = {prefix("/")}, .query = {{"tag", Kind::prefix, "x-"}}},
             {.paths = {prefix("/")}, .query = {{"v", Kind::absent}}}});
  EXPECT_EQ(f.route_index("/", "v=2"), 0u);
  EXPECT_EQ(f.route_index("/", "a=1&v=3&v=2"), 0u);  // any occurrence
  EXPECT_EQ(f.route_index("/", "v=3&debug"), 1u);    // "?debug" is present, empty
  EXPECT_EQ(f.route_index("/", "v=3&lang=de"), 2u);
  EXPECT_EQ(f.route_index("/", "v=3&lang=fr&tag=x-1"), 3u);
  EXPECT_FALSE(f.route_index("/", "v=3&lang=english"));
  EXPECT_EQ(f.route_index("/", ""), 4u);
}

TEST(RouterQuery, NamesAndValuesArePercentDecodedAndCaseSensitive) {
  Fixture f({{.paths = {prefix("/")}, .query = {{"user id", Kind::exact, "a&b"}}}});
  EXPECT_EQ(f.route_index("/", "user%20id=a%26b"), 0u);
  EXPECT_FALSE(f.route_index("/", "User%20id=a%26b"));
  EXPECT_FALSE(f.route_index("/", "user+id=a%26b"));  // '+' is not a space
  EXPECT_FALSE(f.route_index("/", "user%2"));         // a broken escape stays as written
}

// --- Cookies ------------------------------------------------------------------------------------

TEST(RouterCookies, TheFirstCookieOfANameIsCompared) {
  Fixture f({{.paths = {prefix("/")}, .cookies = {{"beta", Kind::exact, "1"}}},
             {.paths = {prefix("/")}, .cookies = {{"beta", Kind::absent}}}});
  EXPECT_EQ(f.route_index("/", "", {{"Cookie", "a=b; beta=1"}}), 0u);
  EXPECT_FALSE(f.route_index("/", "", {{"Cookie", "beta=0; beta=1"}}));
  EXPECT_EQ(f.route_index("/", "", {{"Cookie", "a=b"}}), 1u);
  EXPECT_EQ(f.route_index("/"), 1u);
  EXPECT_FALSE(f.route_index("/", "", {{"Cookie", "beta="}}));  // present, empty: not absent
}

// --- Rule 4 counts every predicate --------------------------------------------------------------

TEST(RouterPredicates, MorePredicatesOfAnyKindWin) {
  Fixture f(
      {{.paths = {prefix("/")}, .headers = {{"x-a", Kind::present}}},
       {.paths = {prefix("/")}, .query = {{"q", Kind::present}}, .cookies = {{"c", Kind::present}}},
       {.paths = {prefix("/")}, .headers = {{"x-env", Kind::regex, "b.*", regex("b.*")}}}});
  EXPECT_EQ(f.route_index("/", "q", {{"x-a", "1"}, {"Cookie", "c=1"}}), 1u);
  EXPECT_EQ(f.route_index("/", "q", {{"x-a", "1"}}), 0u);
  EXPECT_EQ(f.route_index("/", "", {{"X-Env", "beta"}}), 2u);
  EXPECT_FALSE(f.route_index("/", "", {{"X-Env", "alpha"}}));
}

}  // namespace
}  // namespace apigw::proxy
