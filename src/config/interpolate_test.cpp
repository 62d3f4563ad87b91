#include <gtest/gtest.h>

#include "config/detail.h"
#include "config/test_support.h"

namespace apigw::config {
namespace {

using testing::find_error;
using testing::load_text;

std::string expand(std::string_view text, const Environment& env) {
  std::string out;
  std::string error;
  EXPECT_TRUE(detail::interpolate(text, env, out, error)) << error;
  return out;
}

std::string expansion_error(std::string_view text, const Environment& env) {
  std::string out;
  std::string error;
  EXPECT_FALSE(detail::interpolate(text, env, out, error)) << out;
  return error;
}

TEST(ConfigInterpolate, ReplacesSetVariables) {
  const Environment env{{{"HOST", "10.0.0.1"}, {"PORT", "9000"}}};
  EXPECT_EQ(expand("${HOST}:${PORT}", env), "10.0.0.1:9000");
  EXPECT_EQ(expand("no variables", env), "no variables");
  EXPECT_EQ(expand("cost: $5", env), "cost: $5");
}

TEST(ConfigInterpolate, UsesTheDefaultWhenUnsetOrEmpty) {
  const Environment env{{{"EMPTY", ""}, {"SET", "yes"}}};
  EXPECT_EQ(expand("${MISSING:-fallback}", env), "fallback");
  EXPECT_EQ(expand("${EMPTY:-fallback}", env), "fallback");
  EXPECT_EQ(expand("${SET:-fallback}", env), "yes");
  EXPECT_EQ(expand("${MISSING:-}", env), "");
  EXPECT_EQ(expand("${EMPTY}", env), "");
}

TEST(ConfigInterpolate, DoubleDollarEscapesALiteral) {
  const Environment env{{{"X", "value"}}};
  EXPECT_EQ(expand("$${X}", env), "${X}");
  EXPECT_EQ(expand("$${X} is ${X}", env), "${X} is value");
}

TEST(ConfigInterpolate, ReportsMissingVariablesAndBadSyntax) {
  const Environment env;
  EXPECT_NE(expansion_error("${NOPE}", env).find("environment variable 'NOPE' is not set"),
            std::string::npos);
  EXPECT_NE(expansion_error("${OPEN", env).find("unterminated"), std::string::npos);
  EXPECT_NE(expansion_error("${1BAD}", env).find("invalid variable name"), std::string::npos);
  EXPECT_NE(expansion_error("${}", env).find("invalid variable name"), std::string::npos);
}

TEST(ConfigInterpolate, AppliesToEveryStringInTheFile) {
  const Environment env{{{"BACKEND", "10.1.2.3:8080"}, {"NAME", "svc"}}};
  const auto result = load_text(R"(
[[upstreams]]
name = "${NAME}"
targets = [{ address = "${BACKEND}" }]
[[routes]]
name = "r"
upstream = "svc"
match = { path_prefix = "${PREFIX:-/api}", methods = ["${METHOD:-get}"] }
)",
                                env);
  ASSERT_TRUE(result.config) << testing::all_errors(result);
  EXPECT_EQ(result.config->upstreams[0].name, "svc");
  EXPECT_EQ(result.config->upstreams[0].targets[0].address, "10.1.2.3:8080");
  EXPECT_EQ(result.config->routes[0].match.paths[0].value, "/api");
  EXPECT_EQ(result.config->routes[0].match.methods, std::vector<std::string>{"GET"});
}

TEST(ConfigInterpolate, MissingVariableIsOneErrorAtTheStringsPosition) {
  const auto result = load_text("[admin]\nlisten = \"${ADMIN_ADDR}\"\n");
  ASSERT_EQ(result.errors.size(), 1u) << testing::all_errors(result);
  EXPECT_EQ(result.errors[0].to_string(),
            "test.toml:2:10: environment variable 'ADMIN_ADDR' is not set (use "
            "${ADMIN_ADDR:-default} to give a default)");
  EXPECT_FALSE(result.config);
}

TEST(ConfigInterpolate, EscapedDollarReachesTheConfigAsLiteral) {
  const auto result = load_text("[server.access_log]\npath = \"/var/log/$${x}.log\"\n");
  ASSERT_TRUE(result.config) << testing::all_errors(result);
  EXPECT_EQ(result.config->server.access_log.path, "/var/log/${x}.log");
}

}  // namespace
}  // namespace apigw::config
