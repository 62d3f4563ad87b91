#include <gtest/gtest.h>
#include <toml++/toml.h>

#include "config/reader.h"
#include "config/test_support.h"

namespace apigw::config {
namespace {

using namespace std::chrono_literals;
using testing::all_errors;
using testing::find_error;
using testing::load_minimal_plus;

TEST(ConfigRoutes, ReadsEveryMatchKeyAndNormalizesCase) {
  const auto result = load_minimal_plus(R"(
[[routes]]
name = "full"
upstream = "backend"
match = { path = "/exact", hosts = ["API.example.com", "*.Example.com"], methods = ["get", "Post"], headers = [{ name = "X-Env", exact = "canary" }, { name = "x-a", prefix = "v" }, { name = "x-b", present = true }, { name = "x-c", absent = true }, { name = "x-d" }] }
timeout = "5s"
max_body_bytes = "1MiB"
)");
  ASSERT_TRUE(result.config) << all_errors(result);
  const RouteConfig& route = result.config->routes[1];
  EXPECT_EQ(route.match.paths[0].kind, PathMatchKind::exact);
  EXPECT_EQ(route.match.paths[0].value, "/exact");
  EXPECT_EQ(route.match.hosts, (std::vector<std::string>{"api.example.com", "*.example.com"}));
  EXPECT_EQ(route.match.methods, (std::vector<std::string>{"GET", "POST"}));
  ASSERT_EQ(route.match.headers.size(), 5u);
  EXPECT_EQ(route.match.headers[0].name, "x-env");
  EXPECT_EQ(route.match.headers[0].kind, HeaderPredicate::Kind::exact);
  EXPECT_EQ(route.match.headers[0].value, "canary");
  EXPECT_EQ(route.match.headers[1].kind, HeaderPredicate::Kind::prefix);
  EXPECT_EQ(route.match.headers[1].value, "v");
  EXPECT_EQ(route.match.headers[2].kind, HeaderPredicate::Kind::present);
  EXPECT_EQ(route.match.headers[3].kind, HeaderPredicate::Kind::absent);
  EXPECT_EQ(route.match.headers[4].kind, HeaderPredicate::Kind::present);
  EXPECT_EQ(route.timeout, 5s);
  EXPECT_EQ(route.max_body_bytes, 1u << 20);
}

TEST(ConfigRoutes, SingleHostAndTemplateMatch) {
  const auto result = load_minimal_plus(R"(
[[routes]]
name = "t"
upstream = "backend"
match = { host = "a.example.com", path_template = "/users/{id}" }
rewrite = { template = "/u/{id}" }
)");
  ASSERT_TRUE(result.config) << all_errors(result);
  const RouteConfig& route = result.config->routes[1];
  EXPECT_EQ(route.match.hosts, std::vector<std::string>{"a.example.com"});
  EXPECT_EQ(route.match.paths[0].kind, PathMatchKind::templated);
  EXPECT_EQ(route.match.paths[0].value, "/users/{id}");
  EXPECT_EQ(route.rewrite.kind, RewriteConfig::Kind::templated);
  EXPECT_EQ(route.rewrite.value, "/u/{id}");
}

TEST(ConfigRoutes, IpLiteralHostsAreAcceptedAndIpv6IsCanonical) {
  const auto result = load_minimal_plus(R"(
[[routes]]
name = "literals"
upstream = "backend"
match = { hosts = ["127.0.0.1", "[::1]", "::1", "[0:0:0:0:0:0:0:1]", "[2001:DB8::0:1]"] }
[[routes]]
name = "bad"
upstream = "backend"
match = { hosts = ["[::1", "*.[::1]", "[not-an-address]", "1:2:3"] }
)");
  ASSERT_FALSE(result.config);
  EXPECT_EQ(std::count_if(
                result.errors.begin(), result.errors.end(),
                [](const ConfigError& error) { return error.message.starts_with("invalid host"); }),
            4)
      << all_errors(result);
  EXPECT_TRUE(find_error(result, "invalid host '[::1'"));
  EXPECT_TRUE(find_error(result, "invalid host '*.[::1]'"));
  EXPECT_TRUE(find_error(result, "invalid host '1:2:3'"));

  const auto good = load_minimal_plus(R"(
[[routes]]
name = "literals"
upstream = "backend"
match = { hosts = ["127.0.0.1", "[::1]", "::1", "[0:0:0:0:0:0:0:1]", "[2001:DB8::0:1]"] }
)");
  ASSERT_TRUE(good.config) << all_errors(good);
  // Brackets and RFC 5952 text, as browsers and curl send it in Host.
  EXPECT_EQ(good.config->routes[1].match.hosts,
            (std::vector<std::string>{"127.0.0.1", "[::1]", "[::1]", "[::1]", "[2001:db8::1]"}));
}

TEST(ConfigRoutes, PrefixRewrites) {
  const auto result = load_minimal_plus(R"(
[[routes]]
name = "strip"
upstream = "backend"
match = { path_prefix = "/api" }
rewrite = { strip_prefix = "/api" }
[[routes]]
name = "replace"
upstream = "backend"
match = { path_prefix = "/v1" }
rewrite = { replace_prefix = "/v2" }
)");
  ASSERT_TRUE(result.config) << all_errors(result);
  EXPECT_EQ(result.config->routes[1].rewrite.kind, RewriteConfig::Kind::strip_prefix);
  EXPECT_EQ(result.config->routes[1].rewrite.value, "/api");
  EXPECT_EQ(result.config->routes[2].rewrite.kind, RewriteConfig::Kind::replace_prefix);
  EXPECT_EQ(result.config->routes[2].rewrite.value, "/v2");
}

TEST(ConfigRoutes, ShapeErrorsInMatchAndRewrite) {
  const auto result = load_minimal_plus(R"(
[[routes]]
name = "bad"
upstream = "backend"
match = { path = "/a", path_prefix = "/b", host = "a.com", hosts = ["b.com"], methods = ["GE T"] }
rewrite = { strip_prefix = "/a", template = "/b" }
[[routes]]
name = "bad2"
upstream = "backend"
match = { hosts = ["a.*.com", "*"], headers = [{ name = "x", exact = "1", present = true }, { exact = "2" }] }
rewrite = {}
)");
  EXPECT_TRUE(find_error(
      result,
      "match takes only one of 'path_prefix', 'path', 'path_template', 'path_regex' or 'paths'"));
  EXPECT_TRUE(find_error(result, "match may have 'host' or 'hosts', not both"));
  EXPECT_TRUE(find_error(result, "invalid method 'GE T'"));
  EXPECT_TRUE(find_error(result, "invalid host 'a.*.com'"));
  EXPECT_TRUE(find_error(result, "invalid host '*'"));
  EXPECT_TRUE(find_error(result, "a header match takes only one of"));
  EXPECT_TRUE(find_error(result, "missing required key 'name' in [[routes.match.headers]]"));
  EXPECT_EQ(std::count_if(result.errors.begin(), result.errors.end(),
                          [](const ConfigError& e) {
                            return e.message.starts_with("rewrite takes exactly one of");
                          }),
            2)
      << all_errors(result);
  EXPECT_EQ(result.errors.size(), 9u) << all_errors(result);
}

TEST(ConfigRoutes, FiltersAreParsedByTheCatalogAndKeepTheirPosition) {
  const testing::FakeFilterCatalog catalog;
  const auto result = load_config_text(std::string(testing::kMinimalConfig) +
                                           "filters = [{ name = \"headers\", request_set = {} }]\n",
                                       "test.toml", {}, catalog);
  ASSERT_TRUE(result.config) << all_errors(result);
  const auto& filters = result.config->routes[0].filters;
  ASSERT_EQ(filters.size(), 1u);
  EXPECT_EQ(filters[0].name, "headers");
  ASSERT_TRUE(filters[0].settings);
  EXPECT_EQ(*static_cast<const int*>(filters[0].settings.get()), 42);
  EXPECT_EQ(filters[0].position.line, 17u);
  EXPECT_EQ(filters[0].position.column, 12u);
  EXPECT_EQ(catalog.parsed_names, std::vector<std::string>{"headers"});
}

TEST(ConfigRoutes, UnknownFilterGetsAHintAndIsNotParsed) {
  const testing::FakeFilterCatalog catalog;
  const auto result = load_config_text(
      std::string(testing::kMinimalConfig) + "filters = [{ name = \"headrs\" }, { nam = \"x\" }]\n",
      "test.toml", {}, catalog);
  EXPECT_FALSE(result.config);
  const auto* unknown = find_error(result, "unknown filter 'headrs'; did you mean 'headers'?");
  ASSERT_TRUE(unknown) << all_errors(result);
  EXPECT_EQ(unknown->position.line, 17u);
  EXPECT_TRUE(find_error(result, "each filter needs a string 'name'"));
  EXPECT_EQ(result.errors.size(), 2u) << all_errors(result);
  EXPECT_TRUE(catalog.parsed_names.empty());
}

TEST(ConfigRoutes, FilterParseErrorsFromTheCatalogAreKept) {
  class RefusingCatalog final : public FilterCatalog {
   public:
    std::vector<std::string> filter_names() const override { return {"jwt"}; }
    std::shared_ptr<const void> parse_filter(std::string_view, TableReader& entry) const override {
      entry.error("issuer", "jwt: missing 'issuer'");
      return nullptr;
    }
  };
  const RefusingCatalog catalog;
  const auto result =
      load_config_text(std::string(testing::kMinimalConfig) + "filters = [{ name = \"jwt\" }]\n",
                       "test.toml", {}, catalog);
  EXPECT_FALSE(result.config);
  ASSERT_EQ(result.errors.size(), 1u);
  // The catalog reports at the entry's own place in the file.
  const std::string text = result.errors[0].to_string();
  EXPECT_TRUE(text.starts_with("test.toml:")) << text;
  EXPECT_TRUE(text.ends_with(": jwt: missing 'issuer'")) << text;
  EXPECT_NE(result.errors[0].position.line, 0u) << text;
}

}  // namespace
}  // namespace apigw::config
