// Service routing in the config: `upstream = "{param}"` with `services`, and every way it is
// refused (no selection, a parameter a path does not capture, `services` on an ordinary route).
#include <gtest/gtest.h>

#include "config/test_support.h"

namespace apigw::config {
namespace {

using testing::all_errors;
using testing::find_error;
using testing::load_minimal_plus;

// Appended to the minimal config (16 lines): the route starts on line 17.
std::string service_route(std::string_view match, std::string_view rest) {
  return "[[routes]]\nname = \"api\"\nmatch = " + std::string(match) + "\n" + std::string(rest) +
         "\n";
}

TEST(ConfigServices, ReadsTheParameterAndTheSelection) {
  const auto result = load_minimal_plus(
      service_route(R"({ path_template = "/api/{service}/{*path}" })",
                    "upstream = \"{service}\"\nservices = { allow = [\"backend\"], tag = \"pub\" }"));
  ASSERT_TRUE(result.config) << all_errors(result);
  const RouteConfig& route = result.config->routes[1];
  EXPECT_EQ(route.upstream_param, "service");
  EXPECT_EQ(route.services.allow, std::vector<std::string>{"backend"});
  EXPECT_EQ(route.services.tag, "pub");
  EXPECT_TRUE(result.config->routes[0].upstream_param.empty());

  const auto regex = load_minimal_plus(service_route(
      R"({ path_regex = "^/svc/(?P<name>[a-z]+)(/.*)?$" })",
      "upstream = \"{name}\"\nservices = { tag = \"pub\" }"));
  EXPECT_TRUE(regex.config) << all_errors(regex);
}

TEST(ConfigServices, EachRefusalSaysWhy) {
  struct Refused {
    std::string match, rest, message;
  };
  const std::vector<Refused> cases = {
      {R"({ path_template = "/api/{service}/{*path}" })", "upstream = \"{service}\"",
       "it needs 'services' with 'allow' (upstream names) or 'tag'"},
      {R"({ path_prefix = "/api" })", "upstream = \"{service}\"\nservices = { tag = \"t\" }",
       "which its path 0 ('/api') does not capture"},
      {R"({ path_template = "/api/{svc}" })",
       "upstream = \"{service}\"\nservices = { allow = [\"backend\"] }", "does not capture"},
      {R"({ path_template = "/api/{service}" })",
       "upstream = \"{serv-ice}\"\nservices = { allow = [\"backend\"] }",
       "invalid upstream parameter '{serv-ice}'"},
      {R"({ path_prefix = "/api" })", "upstream = \"backend\"\nservices = { tag = \"t\" }",
       "'services' applies to a route whose upstream is a path parameter"},
      {R"({ path_template = "/api/{service}" })",
       "upstream = \"{service}\"\nservices = { alow = [\"backend\"] }", "did you mean 'allow'?"},
  };
  for (const Refused& refused : cases) {
    SCOPED_TRACE(refused.rest);
    const auto result = load_minimal_plus(service_route(refused.match, refused.rest));
    EXPECT_FALSE(result.config);
    EXPECT_NE(find_error(result, refused.message), nullptr) << all_errors(result);
  }
}

}  // namespace
}  // namespace apigw::config
