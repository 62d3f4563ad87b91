#include "proxy/router/router.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace apigw::proxy {
namespace {

using config::HeaderPredicate;
using config::PathMatchKind;
using config::RouteMatch;
using Kind = HeaderPredicate::Kind;

Router build_router(std::vector<RouteMatch> matches) {
  std::vector<config::RouteConfig> routes;
  for (RouteMatch& match : matches) {
    config::RouteConfig route;
    route.name = "r" + std::to_string(routes.size());
    route.match = std::move(match);
    routes.push_back(std::move(route));
  }
  return Router::build(routes);
}

// Routes `path` on `host` with method GET unless told otherwise.
std::optional<std::size_t> route_for(const Router& router, std::string_view host,
                                     std::string_view path, std::string_view method = "GET",
                                     const std::vector<http::Header>& headers = {}) {
  http::PathParams params;
  return router.match(host, method, path, headers, params);
}

// --- Precedence, rule by rule -------------------------------------------------------------------

TEST(RouterPrecedence, ExactHostBeatsWildcard) {
  const Router router =
      build_router({{.hosts = {"*.example.com"}}, {.hosts = {"api.example.com"}}});
  EXPECT_EQ(route_for(router, "api.example.com", "/x"), 1u);
  EXPECT_EQ(route_for(router, "www.example.com", "/x"), 0u);
}

TEST(RouterPrecedence, LongerWildcardSuffixWins) {
  const Router router =
      build_router({{.hosts = {"*.example.com"}}, {.hosts = {"*.eu.example.com"}}});
  EXPECT_EQ(route_for(router, "a.eu.example.com", "/"), 1u);
  EXPECT_EQ(route_for(router, "a.us.example.com", "/"), 0u);
}

TEST(RouterPrecedence, LongerWildcardSuffixWinsInsideAnExactHostBucket) {
  // "a.eu.example.com" has its own exact route (for POST only), so wildcards are pre-resolved.
  const Router router = build_router({{.hosts = {"*.example.com"}},
                                      {.hosts = {"*.eu.example.com"}},
                                      {.hosts = {"a.eu.example.com"}, .methods = {"POST"}}});
  EXPECT_EQ(route_for(router, "a.eu.example.com", "/", "POST"), 2u);
  EXPECT_EQ(route_for(router, "a.eu.example.com", "/", "GET"), 1u);
}

TEST(RouterPrecedence, AnyHostConstraintBeatsNone) {
  const Router router =
      build_router({{}, {.hosts = {"*.example.com"}}, {.hosts = {"example.com"}}});
  EXPECT_EQ(route_for(router, "example.com", "/"), 2u);
  EXPECT_EQ(route_for(router, "www.example.com", "/"), 1u);
  EXPECT_EQ(route_for(router, "other.org", "/"), 0u);
}

TEST(RouterPrecedence, HostRuleComesBeforePathRule) {
  // A host-less exact path loses to an exact host with the catch-all prefix.
  const Router router =
      build_router({{.paths = {{PathMatchKind::exact, "/login"}}}, {.hosts = {"api.example.com"}}});
  EXPECT_EQ(route_for(router, "api.example.com", "/login"), 1u);
  EXPECT_EQ(route_for(router, "other.example.com", "/login"), 0u);
}

TEST(RouterPrecedence, ExactPathBeatsTemplateBeatsPrefix) {
  const Router router = build_router({{.paths = {{PathMatchKind::prefix, "/users"}}},
                                      {.paths = {{PathMatchKind::templated, "/users/{id}"}}},
                                      {.paths = {{PathMatchKind::exact, "/users/me"}}}});
  EXPECT_EQ(route_for(router, "h", "/users/me"), 2u);
  EXPECT_EQ(route_for(router, "h", "/users/42"), 1u);
  EXPECT_EQ(route_for(router, "h", "/users/42/posts"), 0u);
}

TEST(RouterPrecedence, TemplateWithMoreLiteralSegmentsWins) {
  const Router router =
      build_router({{.paths = {{PathMatchKind::templated, "/{a}/{b}/posts"}}},
                    {.paths = {{PathMatchKind::templated, "/users/{id}/posts"}}}});
  EXPECT_EQ(route_for(router, "h", "/users/1/posts"), 1u);
  EXPECT_EQ(route_for(router, "h", "/groups/1/posts"), 0u);
}

TEST(RouterPrecedence, LongerPrefixWins) {
  const Router router = build_router({{.paths = {{PathMatchKind::prefix, "/"}}},
                                      {.paths = {{PathMatchKind::prefix, "/api"}}},
                                      {.paths = {{PathMatchKind::prefix, "/api/v2"}}}});
  EXPECT_EQ(route_for(router, "h", "/api/v2/users"), 2u);
  EXPECT_EQ(route_for(router, "h", "/api/v1/users"), 1u);
  EXPECT_EQ(route_for(router, "h", "/other"), 0u);
}

TEST(RouterPrecedence, PathRuleComesBeforeMethodsRule) {
  const Router router =
      build_router({{.methods = {"GET"}, .paths = {{PathMatchKind::prefix, "/api"}}},
                    {.paths = {{PathMatchKind::prefix, "/api/v2"}}}});
  EXPECT_EQ(route_for(router, "h", "/api/v2/x"), 1u);
}

TEST(RouterPrecedence, MethodsListBeatsNoMethods) {
  const Router router =
      build_router({{.paths = {{PathMatchKind::prefix, "/api"}}},
                    {.methods = {"POST"}, .paths = {{PathMatchKind::prefix, "/api"}}}});
  EXPECT_EQ(route_for(router, "h", "/api", "POST"), 1u);
  EXPECT_EQ(route_for(router, "h", "/api", "GET"), 0u);
}

TEST(RouterPrecedence, MethodsRuleComesBeforeHeadersRule) {
  const Router router = build_router(
      {{.headers = {{"x-a", Kind::present}, {"x-b", Kind::present}}}, {.methods = {"GET"}}});
  EXPECT_EQ(route_for(router, "h", "/", "GET", {{"X-A", "1"}, {"X-B", "1"}}), 1u);
}

TEST(RouterPrecedence, MoreHeaderPredicatesWin) {
  const Router router =
      build_router({{.headers = {{"x-tenant", Kind::present}}},
                    {.headers = {{"x-tenant", Kind::present}, {"x-beta", Kind::exact, "1"}}}});
  EXPECT_EQ(route_for(router, "h", "/", "GET", {{"X-Tenant", "a"}, {"X-Beta", "1"}}), 1u);
  EXPECT_EQ(route_for(router, "h", "/", "GET", {{"X-Tenant", "a"}}), 0u);
}

TEST(RouterPrecedence, TiesGoToEarlierRoute) {
  const Router router = build_router(
      {{.paths = {{PathMatchKind::prefix, "/api"}}}, {.paths = {{PathMatchKind::prefix, "/api"}}}});
  EXPECT_EQ(route_for(router, "h", "/api/x"), 0u);
  const Router hosted =
      build_router({{.hosts = {"a.example.com"}}, {.hosts = {"b.example.com", "a.example.com"}}});
  EXPECT_EQ(route_for(hosted, "a.example.com", "/"), 0u);
}

TEST(RouterPrecedence, RouteWithSeveralHostsRanksByTheHostThatMatched) {
  // Route 1 is exact for api.example.com but only a wildcard for www.example.com.
  const Router router =
      build_router({{.hosts = {"*.example.com"}, .paths = {{PathMatchKind::prefix, "/api"}}},
                    {.hosts = {"api.example.com", "*.example.com"}}});
  EXPECT_EQ(route_for(router, "api.example.com", "/api"), 1u);
  EXPECT_EQ(route_for(router, "www.example.com", "/api"), 0u);  // tie on host: longer prefix
}

TEST(RouterPrecedence, LessSpecificRouteMatchesWhenMoreSpecificOneDoesNot) {
  const Router router =
      build_router({{.paths = {{PathMatchKind::prefix, "/"}}},
                    {.methods = {"POST"}, .paths = {{PathMatchKind::prefix, "/api"}}}});
  EXPECT_EQ(route_for(router, "h", "/api/x", "GET"), 0u);
}

// --- Hosts --------------------------------------------------------------------------------------

TEST(RouterHost, PortIsStripped) {
  const Router router = build_router({{.hosts = {"api.example.com"}}});
  EXPECT_EQ(route_for(router, "api.example.com:8443", "/"), 0u);
  EXPECT_EQ(route_for(router, "api.example.com:", "/"), 0u);
}

TEST(RouterHost, ComparisonIgnoresCase) {
  const Router router =
      build_router({{.hosts = {"API.Example.com"}, .paths = {{PathMatchKind::prefix, "/a"}}},
                    {.hosts = {"*.Example.COM"}}});
  EXPECT_EQ(route_for(router, "api.EXAMPLE.com", "/a"), 0u);
  EXPECT_EQ(route_for(router, "WWW.example.com:80", "/a"), 1u);
}

TEST(RouterHost, TrailingDotIsIgnored) {
  const Router router =
      build_router({{.hosts = {"api.example.com"}}, {.hosts = {"*.example.com"}}});
  EXPECT_EQ(route_for(router, "api.example.com.", "/"), 0u);
  EXPECT_EQ(route_for(router, "api.example.com.:8080", "/"), 0u);
  EXPECT_EQ(route_for(router, "www.example.com.", "/"), 1u);
}

TEST(RouterHost, Ipv6LiteralKeepsBracketsAndLosesPort) {
  const Router router =
      build_router({{.hosts = {"[::1]"}, .paths = {{PathMatchKind::prefix, "/a"}}},
                    {.hosts = {"2001:DB8::1"}, .paths = {{PathMatchKind::prefix, "/b"}}}});
  EXPECT_EQ(route_for(router, "[::1]:8080", "/a"), 0u);
  EXPECT_EQ(route_for(router, "[::1]", "/a"), 0u);
  EXPECT_EQ(route_for(router, "[2001:db8::1]:443", "/b"), 1u);
  EXPECT_FALSE(route_for(router, "[::2]:8080", "/a").has_value());
  EXPECT_FALSE(route_for(router, "[::1", "/a").has_value());  // malformed: no host at all
}

TEST(RouterHost, WildcardMatchesAnyDepthButNotTheBareDomain) {
  const Router router = build_router({{.hosts = {"*.example.com"}}});
  EXPECT_EQ(route_for(router, "a.example.com", "/"), 0u);
  EXPECT_EQ(route_for(router, "a.b.example.com", "/"), 0u);
  EXPECT_FALSE(route_for(router, "example.com", "/").has_value());
  EXPECT_FALSE(route_for(router, ".example.com", "/").has_value());
  EXPECT_FALSE(route_for(router, "badexample.com", "/").has_value());
  EXPECT_FALSE(route_for(router, "a.example.com.evil.org", "/").has_value());
}

TEST(RouterHost, HostConstrainedRouteIgnoresOtherHosts) {
  const Router router = build_router({{.hosts = {"api.example.com"}}});
  EXPECT_FALSE(route_for(router, "www.example.com", "/").has_value());
  EXPECT_FALSE(route_for(router, "", "/").has_value());
}

TEST(RouterHost, MissingOrOverlongHostMatchesOnlyHostlessRoutes) {
  const std::string long_host = std::string(300, 'a') + ".example.com";
  const Router router = build_router({{}, {.hosts = {"*.example.com"}}, {.hosts = {long_host}}});
  EXPECT_EQ(route_for(router, "", "/"), 0u);
  EXPECT_EQ(route_for(router, long_host, "/"), 0u);
  EXPECT_EQ(route_for(router, "a.example.com", "/"), 1u);
}

// --- Paths --------------------------------------------------------------------------------------

TEST(RouterPath, PrefixIsSegmentAware) {
  const Router router = build_router({{.paths = {{PathMatchKind::prefix, "/api"}}}});
  EXPECT_EQ(route_for(router, "h", "/api"), 0u);
  EXPECT_EQ(route_for(router, "h", "/api/"), 0u);
  EXPECT_EQ(route_for(router, "h", "/api/users/1"), 0u);
  EXPECT_FALSE(route_for(router, "h", "/apix").has_value());
  EXPECT_FALSE(route_for(router, "h", "/ap").has_value());
  EXPECT_FALSE(route_for(router, "h", "/").has_value());
}

TEST(RouterPath, PrefixEndingInSlashMatchesAnythingStartingWithIt) {
  const Router router = build_router({{.paths = {{PathMatchKind::prefix, "/api/"}}}});
  EXPECT_EQ(route_for(router, "h", "/api/"), 0u);
  EXPECT_EQ(route_for(router, "h", "/api/x"), 0u);
  EXPECT_FALSE(route_for(router, "h", "/api").has_value());
}

TEST(RouterPath, RootPrefixMatchesEverything) {
  const Router router = build_router({{.paths = {{PathMatchKind::prefix, "/"}}}});
  for (std::string_view path : {"/", "/a", "/a/b/c"}) EXPECT_EQ(route_for(router, "h", path), 0u);
}

TEST(RouterPath, ExactPathMatchesOnlyThatPath) {
  const Router router = build_router({{.paths = {{PathMatchKind::exact, "/health"}}}});
  EXPECT_EQ(route_for(router, "h", "/health"), 0u);
  EXPECT_FALSE(route_for(router, "h", "/health/").has_value());
  EXPECT_FALSE(route_for(router, "h", "/healthz").has_value());
}

TEST(RouterPath, TemplateCapturesParams) {
  const Router router =
      build_router({{.paths = {{PathMatchKind::templated, "/users/{id}/posts/{post}"}}}});
  http::PathParams params;
  ASSERT_EQ(router.match("h", "GET", "/users/42/posts/7", {}, params), 0u);
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].name, "id");
  EXPECT_EQ(params[0].value, "42");
  EXPECT_EQ(params[1].name, "post");
  EXPECT_EQ(params[1].value, "7");
}

TEST(RouterPath, ACatchAllTakesTheRestOfThePath) {
  const Router router = build_router(
      {{.paths = {{PathMatchKind::templated, "/ws/{service}/{*path}"}}},
       {.paths = {{PathMatchKind::templated, "/ws/{service}/status"}}},
       {.paths = {{PathMatchKind::templated, "/{*all}"}}}});
  http::PathParams params;
  ASSERT_EQ(router.match("h", "GET", "/ws/chat/rooms/7/live", {}, params), 0u);
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].value, "chat");
  EXPECT_EQ(params[1].name, "path");
  EXPECT_EQ(params[1].value, "rooms/7/live");
  ASSERT_EQ(router.match("h", "GET", "/ws/chat/", {}, params), 0u) << "an empty rest";
  EXPECT_EQ(params[1].value, "");
  // More literal segments win, as between any templates; without the slash the rest is not there.
  EXPECT_EQ(route_for(router, "h", "/ws/chat/status"), 1u);
  EXPECT_EQ(route_for(router, "h", "/ws/chat"), 2u);
  ASSERT_EQ(router.match("h", "GET", "/a/b/c/d/e/f/g/h/i/j/k", {}, params), 2u)
      << "deeper than any template";
  EXPECT_EQ(params[0].value, "a/b/c/d/e/f/g/h/i/j/k");
  EXPECT_EQ(route_for(router, "h", "/"), 2u);
}

TEST(RouterPath, ParamsAreClearedOnEveryMatch) {
  const Router router = build_router({{.paths = {{PathMatchKind::templated, "/u/{id}"}}},
                                      {.paths = {{PathMatchKind::prefix, "/static"}}}});
  http::PathParams params{{"stale", "1"}};
  ASSERT_EQ(router.match("h", "GET", "/static/x", {}, params), 1u);
  EXPECT_TRUE(params.empty());
  params.push_back({"stale", "1"});
  EXPECT_FALSE(router.match("h", "GET", "/nothing", {}, params).has_value());
  EXPECT_TRUE(params.empty());
}

TEST(RouterPath, InvalidTemplateIsRejectedAtBuild) {
  EXPECT_THROW(build_router({{.paths = {{PathMatchKind::templated, "/u/{}"}}}}),
               std::invalid_argument);
}

// --- Methods and headers ------------------------------------------------------------------------

TEST(RouterMethod, AnyListedMethodMatches) {
  const Router router = build_router({{.methods = {"GET", "PUT"}}});
  EXPECT_EQ(route_for(router, "h", "/", "GET"), 0u);
  EXPECT_EQ(route_for(router, "h", "/", "PUT"), 0u);
  EXPECT_FALSE(route_for(router, "h", "/", "POST").has_value());
  EXPECT_FALSE(route_for(router, "h", "/", "HEAD").has_value());
  EXPECT_FALSE(route_for(router, "h", "/", "get").has_value());  // methods are case-sensitive
}

TEST(RouterHeaders, ExactComparesValueCaseSensitivelyAndNameCaseInsensitively) {
  const Router router = build_router({{.headers = {{"X-Env", Kind::exact, "Prod"}}}});
  EXPECT_EQ(route_for(router, "h", "/", "GET", {{"x-env", "Prod"}}), 0u);
  EXPECT_FALSE(route_for(router, "h", "/", "GET", {{"X-Env", "prod"}}).has_value());
  EXPECT_FALSE(route_for(router, "h", "/", "GET", {{"X-Env", "Prod2"}}).has_value());
  EXPECT_FALSE(route_for(router, "h", "/", "GET", {{"X-Envy", "Prod"}}).has_value());
  EXPECT_FALSE(route_for(router, "h", "/", "GET").has_value());
}

TEST(RouterHeaders, ExactMatchesAnyRepeatedHeader) {
  const Router router = build_router({{.headers = {{"x-env", Kind::exact, "prod"}}}});
  EXPECT_EQ(route_for(router, "h", "/", "GET", {{"X-Env", "dev"}, {"X-Env", "prod"}}), 0u);
}

TEST(RouterHeaders, PrefixMatchesValueStart) {
  const Router router = build_router({{.headers = {{"user-agent", Kind::prefix, "curl/"}}}});
  EXPECT_EQ(route_for(router, "h", "/", "GET", {{"User-Agent", "curl/8.1"}}), 0u);
  EXPECT_FALSE(route_for(router, "h", "/", "GET", {{"User-Agent", "Curl/8.1"}}).has_value());
  EXPECT_FALSE(route_for(router, "h", "/", "GET", {{"User-Agent", "curl"}}).has_value());
}

TEST(RouterHeaders, PresentNeedsTheHeaderWithAnyValue) {
  const Router router = build_router({{.headers = {{"authorization", Kind::present}}}});
  EXPECT_EQ(route_for(router, "h", "/", "GET", {{"Authorization", ""}}), 0u);
  EXPECT_FALSE(route_for(router, "h", "/", "GET", {{"Accept", "*/*"}}).has_value());
}

TEST(RouterHeaders, AbsentNeedsTheHeaderMissing) {
  const Router router = build_router({{.headers = {{"authorization", Kind::absent}}}});
  EXPECT_EQ(route_for(router, "h", "/", "GET", {{"Accept", "*/*"}}), 0u);
  EXPECT_EQ(route_for(router, "h", "/"), 0u);
  EXPECT_FALSE(route_for(router, "h", "/", "GET", {{"AUTHORIZATION", "x"}}).has_value());
}

TEST(RouterHeaders, AllPredicatesMustHold) {
  const Router router =
      build_router({{.headers = {{"x-a", Kind::exact, "1"}, {"x-b", Kind::absent}}}});
  EXPECT_EQ(route_for(router, "h", "/", "GET", {{"x-a", "1"}}), 0u);
  EXPECT_FALSE(route_for(router, "h", "/", "GET", {{"x-a", "1"}, {"x-b", "1"}}).has_value());
}

// --- No match and lifetime ----------------------------------------------------------------------

TEST(RouterNoMatch, ReturnsNulloptWhenNothingMatches) {
  const Router router =
      build_router({{.hosts = {"a.example.com"}, .paths = {{PathMatchKind::prefix, "/api"}}}});
  EXPECT_FALSE(route_for(router, "a.example.com", "/other").has_value());
  EXPECT_FALSE(route_for(build_router({}), "h", "/").has_value());
}

TEST(RouterLifetime, MovedRoutersStayValidAfterTheOriginalIsGone) {
  std::optional<Router> original =
      build_router({{.hosts = {"*.example.com"}}, {.hosts = {"api.example.com"}}});
  const Router moved = std::move(*original);
  original.reset();
  EXPECT_EQ(route_for(moved, "api.example.com", "/"), 1u);
  EXPECT_EQ(route_for(moved, "www.example.com", "/"), 0u);
  EXPECT_EQ(moved.route_count(), 2u);
}

}  // namespace
}  // namespace apigw::proxy
