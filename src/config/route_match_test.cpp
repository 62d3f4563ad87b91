// [routes.match] beyond one path: path_regex, paths = [...], query and cookie predicates and regex
// header predicates (convert_route_match.cpp), and what the validator checks of them
// (validate.cpp, route_paths and hash_on). Every error is checked with the file:line:column it
// points at, found in the config text itself rather than counted by hand.
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "config/test_support.h"

namespace apigw::config {
namespace {

using testing::all_errors;
using testing::kMinimalConfig;
using testing::load_text;
using Kind = ValuePredicate::Kind;

// A config under test: the minimal config plus `extra`, loaded, with its text kept so expectations
// can name the place an error must point at.
struct Loaded {
  explicit Loaded(std::string_view extra)
      : text(std::string(kMinimalConfig) + std::string(extra)), result(load_text(text)) {}

  // "test.toml:LINE:COLUMN" of `needle`, which must occur once in the text: where an error about
  // the value (or inline table) written there points.
  std::string at(std::string_view needle) const {
    const std::size_t found = text.find(needle);
    if (found == std::string::npos || text.find(needle, found + 1) != std::string::npos) {
      ADD_FAILURE() << "'" << needle << "' must occur exactly once in the config";
      return "?";
    }
    const std::size_t line_start = text.rfind('\n', found) + 1;
    const auto line = 1 + std::count(text.begin(), text.begin() + found, '\n');
    return "test.toml:" + std::to_string(line) + ":" + std::to_string(found - line_start + 1);
  }

  // The same for `needle` inside `within`, which must occur once: for a value written twice.
  std::string at(std::string_view within, std::string_view needle) const {
    const std::string outer = at(within);
    const std::size_t offset = within.find(needle);
    if (outer == "?" || offset == std::string_view::npos) return "?";
    const std::size_t column_start = outer.rfind(':') + 1;
    return outer.substr(0, column_start) +
           std::to_string(std::stoul(outer.substr(column_start)) + offset);
  }

  const RouteConfig& route(std::size_t i) const { return result.config->routes[i]; }

  std::string text;
  LoadResult result;
};

// The load failed with exactly these errors ("test.toml:L:C: message" lines), in any order.
void expect_errors(const Loaded& loaded, std::vector<std::string> expected) {
  EXPECT_FALSE(loaded.result.config);
  std::vector<std::string> actual;
  for (const ConfigError& error : loaded.result.errors) actual.push_back(error.to_string());
  std::sort(actual.begin(), actual.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(actual, expected);
}

// --- What parses into the schema ---------------------------------------------------------------

TEST(ConfigRouteMatch, PathRegexIsCompiledAnchoredWithItsNamedGroups) {
  const Loaded loaded(R"toml(
[[routes]]
name = "orders"
upstream = "backend"
match = { path_regex = "/shop/order-(?P<id>[0-9]+)" }
)toml");
  ASSERT_TRUE(loaded.result.config) << all_errors(loaded.result);
  const auto& paths = loaded.route(1).match.paths;
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].kind, PathMatchKind::regex);
  EXPECT_EQ(paths[0].value, "/shop/order-(?P<id>[0-9]+)") << "kept as written, for messages";
  ASSERT_TRUE(paths[0].regex);
  EXPECT_TRUE(RE2::PartialMatch("/shop/order-42", *paths[0].regex));
  EXPECT_FALSE(RE2::PartialMatch("/x/shop/order-42", *paths[0].regex)) << "anchored at the start";
  EXPECT_FALSE(RE2::PartialMatch("/shop/order-42/x", *paths[0].regex)) << "anchored at the end";
  EXPECT_EQ(paths[0].regex->NamedCapturingGroups().count("id"), 1u);
}

TEST(ConfigRouteMatch, PathsListKeepsEveryKindInOrder) {
  const Loaded loaded(R"toml(
[[routes]]
name = "several"
upstream = "backend"
match = { paths = [{ prefix = "/a" }, { exact = "/b" }, { template = "/c/{id}" }, { regex = "/d/[0-9]+" }] }
)toml");
  ASSERT_TRUE(loaded.result.config) << all_errors(loaded.result);
  const auto& paths = loaded.route(1).match.paths;
  ASSERT_EQ(paths.size(), 4u);
  EXPECT_EQ(paths[0].kind, PathMatchKind::prefix);
  EXPECT_EQ(paths[0].value, "/a");
  EXPECT_EQ(paths[1].kind, PathMatchKind::exact);
  EXPECT_EQ(paths[1].value, "/b");
  EXPECT_EQ(paths[2].kind, PathMatchKind::templated);
  EXPECT_EQ(paths[2].value, "/c/{id}");
  EXPECT_EQ(paths[3].kind, PathMatchKind::regex);
  EXPECT_EQ(paths[3].value, "/d/[0-9]+");
  EXPECT_FALSE(paths[0].regex || paths[1].regex || paths[2].regex) << "only regexes compile";
  ASSERT_TRUE(paths[3].regex);
  EXPECT_TRUE(RE2::FullMatch("/d/7", *paths[3].regex));
  EXPECT_FALSE(RE2::FullMatch("/d/x", *paths[3].regex));
}

TEST(ConfigRouteMatch, WithoutAnyPathKeyTheRouteMatchesPrefixSlash) {
  const Loaded loaded(R"toml(
[[routes]]
name = "any-path"
upstream = "backend"
match = { methods = ["GET"] }
)toml");
  ASSERT_TRUE(loaded.result.config) << all_errors(loaded.result);
  const auto& paths = loaded.route(1).match.paths;
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].kind, PathMatchKind::prefix);
  EXPECT_EQ(paths[0].value, "/");
}

TEST(ConfigRouteMatch, QueryCookieAndHeaderPredicatesParseEveryCondition) {
  const Loaded loaded(R"toml(
[[routes]]
name = "predicates"
upstream = "backend"
[routes.match]
query = [
  { name = "v", exact = "2" },
  { name = "Debug", present = true },
  { name = "trace", absent = true },
  { name = "lang", regex = "en|de" },
  { name = "sort", prefix = "-" },
  { name = "a b" },
  { name = "p", present = false },
  { name = "q", absent = false },
]
cookies = [{ name = "beta", exact = "1" }, { name = "session", regex = "[0-9a-f]{8}" }]
headers = [{ name = "X-Version", regex = "v[0-9]+" }]
)toml");
  ASSERT_TRUE(loaded.result.config) << all_errors(loaded.result);
  const RouteMatch& match = loaded.route(1).match;
  ASSERT_EQ(match.query.size(), 8u);
  EXPECT_EQ(match.query[0].name, "v");
  EXPECT_EQ(match.query[0].kind, Kind::exact);
  EXPECT_EQ(match.query[0].value, "2");
  EXPECT_EQ(match.query[1].name, "Debug") << "query names keep their case";
  EXPECT_EQ(match.query[1].kind, Kind::present);
  EXPECT_EQ(match.query[2].kind, Kind::absent);
  EXPECT_EQ(match.query[3].kind, Kind::regex);
  EXPECT_EQ(match.query[3].value, "en|de");
  ASSERT_TRUE(match.query[3].regex);
  EXPECT_TRUE(RE2::FullMatch("de", *match.query[3].regex));
  EXPECT_FALSE(RE2::PartialMatch("end", *match.query[3].regex)) << "alternatives stay anchored";
  EXPECT_EQ(match.query[4].kind, Kind::prefix);
  EXPECT_EQ(match.query[4].value, "-");
  EXPECT_EQ(match.query[5].name, "a b") << "any non-empty query name (compared decoded)";
  EXPECT_EQ(match.query[5].kind, Kind::present) << "no condition: present";
  EXPECT_EQ(match.query[6].kind, Kind::absent) << "present = false";
  EXPECT_EQ(match.query[7].kind, Kind::present) << "absent = false";
  for (std::size_t i = 0; i < match.query.size(); ++i) {
    EXPECT_EQ(bool(match.query[i].regex), i == 3) << "only regex conditions compile: " << i;
  }

  ASSERT_EQ(match.cookies.size(), 2u);
  EXPECT_EQ(match.cookies[0].name, "beta");
  EXPECT_EQ(match.cookies[0].kind, Kind::exact);
  EXPECT_EQ(match.cookies[0].value, "1");
  EXPECT_EQ(match.cookies[1].kind, Kind::regex);
  ASSERT_TRUE(match.cookies[1].regex);
  EXPECT_TRUE(RE2::FullMatch("0badf00d", *match.cookies[1].regex));

  ASSERT_EQ(match.headers.size(), 1u);
  EXPECT_EQ(match.headers[0].name, "x-version") << "header names are lower-cased";
  EXPECT_EQ(match.headers[0].kind, Kind::regex);
  EXPECT_EQ(match.headers[0].value, "v[0-9]+");
  ASSERT_TRUE(match.headers[0].regex);
  EXPECT_TRUE(RE2::FullMatch("v12", *match.headers[0].regex));
  EXPECT_FALSE(RE2::FullMatch("v12x", *match.headers[0].regex));
}

// --- Shape errors, reported while converting ----------------------------------------------------

TEST(ConfigRouteMatch, AShorthandAndPathsTogetherAreRefusedAtTheMatch) {
  const Loaded loaded(R"toml(
[[routes]]
name = "both"
upstream = "backend"
match = { path_prefix = "/a", paths = [{ exact = "/b" }] }
)toml");
  expect_errors(loaded, {loaded.at("{ path_prefix = \"/a\"") +
                         ": match takes only one of 'path_prefix', 'path', 'path_template', "
                         "'path_regex' or 'paths'"});
}

TEST(ConfigRouteMatch, TwoShorthandsIncludingPathRegexAreRefused) {
  const Loaded loaded(R"toml(
[[routes]]
name = "both"
upstream = "backend"
match = { path_template = "/u/{id}", path_regex = "/u/[0-9]+" }
)toml");
  expect_errors(loaded, {loaded.at("{ path_template") +
                         ": match takes only one of 'path_prefix', 'path', 'path_template', "
                         "'path_regex' or 'paths'"});
}

TEST(ConfigRouteMatch, EachPathsEntryTakesExactlyOneKind) {
  const Loaded loaded(R"toml(
[[routes]]
name = "entries"
upstream = "backend"
[routes.match]
paths = [
  { prefix = "/ok" },
  { prefix = "/x", exact = "/y" },
  {},
  { prefx = "/z" },
]
)toml");
  const std::string message =
      ": each 'paths' entry takes exactly one of 'prefix', 'exact', 'template' or 'regex'";
  expect_errors(loaded, {loaded.at("{ prefix = \"/x\"") + message, loaded.at("{},") + message,
                         loaded.at("{ prefx") + message,
                         loaded.at("prefx = ") +
                             ": unknown key 'prefx' in [[routes.match.paths]]; did you mean "
                             "'prefix'?"});
}

TEST(ConfigRouteMatch, PathsNeedsOneToSixtyFourEntries) {
  const auto paths_of = [](int count) {
    std::string list = "[";
    for (int i = 0; i < count; ++i) list += "{ prefix = \"/p" + std::to_string(i) + "\" }, ";
    return list + "]";
  };
  const std::string route = "[[routes]]\nname = \"r\"\nupstream = \"backend\"\nmatch = { paths = ";
  const std::string message = ": 'paths' needs 1 to 64 entries";

  const Loaded empty(route + "[] }\n");
  expect_errors(empty, {empty.at("[] }") + message});
  const Loaded too_many(route + paths_of(65) + " }\n");
  expect_errors(too_many, {too_many.at("[{ prefix = \"/p0\"") + message});
  const Loaded most(route + paths_of(64) + " }\n");
  ASSERT_TRUE(most.result.config) << all_errors(most.result);
  EXPECT_EQ(most.route(1).match.paths.size(), 64u);

  const Loaded not_a_list(route + "{ prefix = \"/a\" } }\n");
  expect_errors(not_a_list,
                {not_a_list.at("{ prefix = \"/a\" } }") + ": 'paths' must be an array of tables"});
}

TEST(ConfigRouteMatch, AnInvalidRegexIsReportedWithRE2sReasonAtTheValue) {
  const Loaded loaded(R"toml(
[[routes]]
name = "shorthand"
upstream = "backend"
match = { path_regex = "/(x" }
[[routes]]
name = "listed"
upstream = "backend"
[routes.match]
paths = [{ prefix = "/ok" }, { regex = "/d/[0-9" }]
headers = [{ name = "x-v", regex = "v(" }]
query = [{ name = "lang", regex = "*en" }]
cookies = [{ name = "beta", regex = "a{2,1}" }]
)toml");
  expect_errors(
      loaded,
      {
          loaded.at("\"/(x\"") + ": invalid path_regex '/(x': missing ): /(x",
          loaded.at("\"/d/[0-9\"") + ": invalid regex '/d/[0-9': missing ]: [0-9",
          loaded.at("\"v(\"") + ": invalid regex 'v(': missing ): v(",
          loaded.at("\"*en\"") + ": invalid regex '*en': no argument for repetition operator: *",
          loaded.at("\"a{2,1}\"") + ": invalid regex 'a{2,1}': invalid repetition size: {2,1}",
      });
}

// Wrapped as "^(?:" + pattern + ")$", "/a)|(.*" would balance the wrapper and compile as
// "^(?:/a)|(.*)$", a route for every path; RE2 refuses the pattern as written, and so must we.
TEST(ConfigRouteMatch, AnUnbalancedRegexCannotCloseTheAnchoringGroup) {
  const Loaded loaded(R"toml(
[[routes]]
name = "escape"
upstream = "backend"
match = { path_regex = "/a)|(.*", headers = [{ name = "x", regex = "1)|(.*" }] }
)toml");
  expect_errors(
      loaded,
      {
          loaded.at("\"/a)|(.*\"") + ": invalid path_regex '/a)|(.*': unexpected ): /a)|(.*",
          loaded.at("\"1)|(.*\"") + ": invalid regex '1)|(.*': unexpected ): 1)|(.*",
      });
}

TEST(ConfigRouteMatch, ATooComplexRegexIsRefused) {
  const Loaded loaded(R"toml(
[[routes]]
name = "complex"
upstream = "backend"
match = { path_regex = "/(abc|def){300}" }
[[routes]]
name = "groups"
upstream = "backend"
match = { path_regex = "/(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)" }
)toml");
  ASSERT_EQ(loaded.result.errors.size(), 2u) << all_errors(loaded.result);
  const std::string complex = loaded.result.errors[0].to_string();
  EXPECT_TRUE(complex.starts_with(loaded.at("\"/(abc|def){300}\"") +
                                  ": invalid path_regex '/(abc|def){300}': too complex (program "
                                  "size "))
      << complex;
  EXPECT_TRUE(complex.ends_with(", at most 1000)")) << complex;
  EXPECT_EQ(loaded.result.errors[1].to_string(),
            loaded.at("\"/(a)(a)") +
                ": invalid path_regex '/(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)': "
                "more than 16 capturing groups");
}

TEST(ConfigRouteMatch, PredicateNamesFollowTheirSubjectsRules) {
  const Loaded loaded(R"toml(
[[routes]]
name = "names"
upstream = "backend"
[routes.match]
cookies = [{ name = "be ta", exact = "1" }, { name = "ok" }]
headers = [{ name = "x:y", regex = "1" }]
query = [{ name = "", present = true }]
)toml");
  expect_errors(loaded, {
                            loaded.at("\"be ta\"") + ": invalid cookie name 'be ta'",
                            loaded.at("\"x:y\"") + ": invalid header name 'x:y'",
                            loaded.at("\"\", present") + ": 'name' must not be empty",
                        });
}

TEST(ConfigRouteMatch, APredicateTakesOnlyOneCondition) {
  const Loaded loaded(R"toml(
[[routes]]
name = "two"
upstream = "backend"
[routes.match]
query = [{ name = "v", exact = "2", regex = "[0-9]" }]
cookies = [{ name = "beta", present = true, absent = true }]
headers = [{ name = "x-v", prefix = "v", regex = "v[0-9]" }]
)toml");
  const std::string choices =
      " match takes only one of 'exact', 'prefix', 'regex', 'present' or "
      "'absent'";
  expect_errors(loaded, {
                            loaded.at("{ name = \"v\"") + ": a query" + choices,
                            loaded.at("{ name = \"beta\"") + ": a cookie" + choices,
                            loaded.at("{ name = \"x-v\"") + ": a header" + choices,
                        });
}

TEST(ConfigRouteMatch, UnknownKeysInPredicatesNameTheirTable) {
  const Loaded loaded(R"toml(
[[routes]]
name = "typos"
upstream = "backend"
[routes.match]
query = [{ name = "v", exactly = "2" }]
cookies = [{ name = "beta", regx = "1" }]
)toml");
  expect_errors(
      loaded,
      {
          loaded.at("exactly") + ": unknown key 'exactly' in [[routes.match.query]]; did you mean "
                                 "'exact'?",
          loaded.at("regx") + ": unknown key 'regx' in [[routes.match.cookies]]; did you mean "
                              "'regex'?",
      });
}

// --- What the validator checks of several paths
// ---------------------------------------------------

TEST(ConfigRouteMatch, EachListedPathIsCheckedAtItsOwnEntry) {
  const Loaded loaded(R"toml(
[[routes]]
name = "entries"
upstream = "backend"
[routes.match]
paths = [
  { prefix = "/fine" },
  { exact = "/b//c" },
  { prefix = "relative" },
  { template = "/u/{}" },
]
)toml");
  expect_errors(
      loaded,
      {
          loaded.at("\"/b//c\"") + ": 'exact' must be a normalized path (did you mean '/b/c'?)",
          loaded.at("\"relative\"") + ": 'prefix' must start with '/'",
          loaded.at("\"/u/{}\"") + ": invalid template '/u/{}': empty parameter name",
      });
}

TEST(ConfigRouteMatch, PrefixRewritesNeedEveryPathToBeAPrefix) {
  const Loaded mixed(R"toml(
[[routes]]
name = "replace"
upstream = "backend"
match = { paths = [{ prefix = "/a" }, { exact = "/b" }] }
rewrite = { replace_prefix = "/z" }
[[routes]]
name = "strip"
upstream = "backend"
match = { paths = [{ prefix = "/c" }, { regex = "/d/[0-9]+" }] }
rewrite = { strip_prefix = "/c" }
)toml");
  expect_errors(mixed, {
                           mixed.at("\"/z\"") +
                               ": 'replace_prefix' needs a path_prefix match (every path of the "
                               "route a prefix)",
                           mixed.at("strip_prefix = \"/c\"", "\"/c\"") +
                               ": 'strip_prefix' needs a path_prefix match (every path of the "
                               "route a prefix)",
                       });

  const Loaded prefixes(R"toml(
[[routes]]
name = "replace"
upstream = "backend"
match = { paths = [{ prefix = "/v1/users" }, { prefix = "/users" }] }
rewrite = { replace_prefix = "/accounts" }
)toml");
  ASSERT_TRUE(prefixes.result.config) << all_errors(prefixes.result);
}

TEST(ConfigRouteMatch, RewriteTemplateNamesThePathThatDoesNotCaptureTheParameter) {
  const Loaded loaded(R"toml(
[[routes]]
name = "t"
upstream = "backend"
match = { paths = [{ template = "/u/{id}" }, { prefix = "/x" }] }
rewrite = { template = "/orders/{id}" }
)toml");
  expect_errors(loaded,
                {loaded.at("\"/orders/{id}\"") +
                 ": rewrite template uses '{id}', which path 1 ('/x') of the route does not "
                 "capture"});

  const Loaded regex_without_group(R"toml(
[[routes]]
name = "t"
upstream = "backend"
match = { path_regex = "/o/[0-9]+" }
rewrite = { template = "/orders/{id}" }
)toml");
  expect_errors(regex_without_group,
                {regex_without_group.at("\"/orders/{id}\"") +
                 ": rewrite template uses '{id}', which the route's path_regex does not capture"});
}

TEST(ConfigRouteMatch, ARegexNamedGroupSatisfiesTheRewriteTemplate) {
  const Loaded loaded(R"toml(
[[routes]]
name = "shorthand"
upstream = "backend"
match = { path_regex = "/shop/order-(?P<id>[0-9]+)" }
rewrite = { template = "/orders/{id}" }
[[routes]]
name = "mixed"
upstream = "backend"
match = { paths = [{ template = "/u/{id}/x" }, { regex = "/legacy/(?P<id>[a-z]+)" }] }
rewrite = { template = "/users/{id}" }
)toml");
  EXPECT_TRUE(loaded.result.config) << all_errors(loaded.result);

  const Loaded other_name(R"toml(
[[routes]]
name = "mixed"
upstream = "backend"
match = { paths = [{ template = "/u/{id}" }, { regex = "/legacy/(?P<uid>[a-z]+)" }] }
rewrite = { template = "/users/{id}" }
)toml");
  expect_errors(other_name, {other_name.at("\"/users/{id}\"") +
                             ": rewrite template uses '{id}', which path 1 "
                             "('/legacy/(?P<uid>[a-z]+)') of the route does not capture"});
}

TEST(ConfigRouteMatch, HashOnParamMayBeCapturedByARegexAndMustBeByEveryPath) {
  const std::string upstream = R"toml(
[[upstreams]]
name = "hashed"
balancer = "consistent_hash"
hash_on = "param:id"
targets = [{ address = "127.0.0.1:9002" }]
)toml";
  const Loaded captured(upstream + R"toml(
[[routes]]
name = "regex"
upstream = "hashed"
match = { path_regex = "/o/(?P<id>[0-9]+)" }
[[routes]]
name = "both"
upstream = "hashed"
match = { paths = [{ template = "/u/{id}" }, { regex = "/v/(?P<id>[0-9]+)" }] }
)toml");
  EXPECT_TRUE(captured.result.config) << all_errors(captured.result);

  const Loaded one_misses(upstream + R"toml(
[[routes]]
name = "both"
upstream = "hashed"
match = { paths = [{ template = "/u/{id}" }, { regex = "/v/(?P<oid>[0-9]+)" }] }
)toml");
  expect_errors(one_misses, {one_misses.at("upstream = \"hashed\"", "\"hashed\"") +
                             ": route 'both' uses upstream 'hashed', which hashes on path "
                             "parameter 'id'; path 1 ('/v/(?P<oid>[0-9]+)') of the route does "
                             "not capture {id}"});
}

}  // namespace
}  // namespace apigw::config
