#include <gtest/gtest.h>

#include "config/test_support.h"

namespace apigw::config {
namespace {

using namespace std::chrono_literals;
using testing::all_errors;
using testing::find_error;
using testing::kMinimalConfig;
using testing::load_text;

LoadResult load_minimal_with(std::map<std::string, std::string> variables) {
  return load_text(kMinimalConfig, Environment{std::move(variables)});
}

TEST(ConfigEnvOverrides, ScalarInASection) {
  const auto result = load_minimal_with(
      {{"APIGW__SERVER__WORKERS", "4"}, {"APIGW__ADMIN__LISTEN", "127.0.0.1:9999"}});
  ASSERT_TRUE(result.config) << all_errors(result);
  EXPECT_EQ(result.config->server.workers, 4u);
  EXPECT_EQ(result.config->admin.listen, "127.0.0.1:9999");
}

TEST(ConfigEnvOverrides, CreatesMissingNestedTables) {
  const auto result = load_minimal_with({{"APIGW__SERVER__TIMEOUTS__IDLE", "5s"},
                                         {"APIGW__SERVER__LIMITS__MAX_BODY_BYTES", "1MiB"},
                                         {"APIGW__SERVER__ACCESS_LOG__ENABLED", "true"}});
  ASSERT_TRUE(result.config) << all_errors(result);
  EXPECT_EQ(result.config->server.timeouts.idle, 5s);
  EXPECT_EQ(result.config->server.limits.max_body_bytes, 1u << 20);
  EXPECT_TRUE(result.config->server.access_log.enabled);
}

TEST(ConfigEnvOverrides, CreatesAWholeMissingSection) {
  const auto result =
      load_text("", Environment{{{"APIGW__SERVER__LIMITS__MAX_BODY_BYTES", "2048"}}});
  ASSERT_TRUE(result.config) << all_errors(result);
  EXPECT_EQ(result.config->server.limits.max_body_bytes, 2048u);
  EXPECT_EQ(result.config->server.listen, std::vector<std::string>{"127.0.0.1:8080"});
}

TEST(ConfigEnvOverrides, ArrayElementByNameCaseInsensitively) {
  const auto result = load_minimal_with({{"APIGW__UPSTREAMS__BACKEND__CONNECT_TIMEOUT", "1s"},
                                         {"APIGW__UPSTREAMS__Backend__HOST_HEADER", "target"}});
  ASSERT_TRUE(result.config) << all_errors(result);
  EXPECT_EQ(result.config->upstreams[0].connect_timeout, 1s);
  EXPECT_EQ(result.config->upstreams[0].host_header, HostHeaderMode::target);
}

TEST(ConfigEnvOverrides, ArrayElementByIndex) {
  const auto result = load_minimal_with(
      {{"APIGW__ROUTES__0__TIMEOUT", "3s"}, {"APIGW__UPSTREAMS__0__TARGETS__0__WEIGHT", "7"}});
  ASSERT_TRUE(result.config) << all_errors(result);
  EXPECT_EQ(result.config->routes[0].timeout, 3s);
  EXPECT_EQ(result.config->upstreams[0].targets[0].weight, 7u);
}

TEST(ConfigEnvOverrides, NamesWithDashesAreReachableWithUnderscores) {
  const auto result =
      load_text(R"(
[[upstreams]]
name = "backend-eu"
targets = [{ address = "a:1" }]
)",
                Environment{{{"APIGW__UPSTREAMS__BACKEND_EU__REQUEST_TIMEOUT", "9s"}}});
  ASSERT_TRUE(result.config) << all_errors(result);
  EXPECT_EQ(result.config->upstreams[0].request_timeout, 9s);
}

TEST(ConfigEnvOverrides, ValueTakesTheTypeTheKeyHasInTheFile) {
  // workers is an integer in the file, so "four" is refused rather than passed on as a string.
  const auto bad = load_minimal_with({{"APIGW__SERVER__WORKERS", "four"}});
  ASSERT_EQ(bad.errors.size(), 1u) << all_errors(bad);
  EXPECT_EQ(bad.errors[0].to_string(),
            "env:APIGW__SERVER__WORKERS: 'server.workers' must be an integer, not 'four'");
  // A string key stays a string even when the value looks like a number.
  const auto name = load_minimal_with({{"APIGW__ROUTES__ALL__NAME", "123"}});
  ASSERT_TRUE(name.config) << all_errors(name);
  EXPECT_EQ(name.config->routes[0].name, "123");
}

TEST(ConfigEnvOverrides, NewKeysInferIntegerBoolOrString) {
  const auto result = load_minimal_with({{"APIGW__SERVER__LIMITS__MAX_CONNECTIONS", "12"},
                                         {"APIGW__SERVER__ACCESS_LOG__ENABLED", "TRUE"},
                                         {"APIGW__SERVER__ACCESS_LOG__PATH", "/tmp/x.log"}});
  ASSERT_TRUE(result.config) << all_errors(result);
  EXPECT_EQ(result.config->server.limits.max_connections, 12u);
  EXPECT_TRUE(result.config->server.access_log.enabled);
  EXPECT_EQ(result.config->server.access_log.path, "/tmp/x.log");
}

TEST(ConfigEnvOverrides, OverriddenValuesAreValidatedWithTheirEnvPosition) {
  const auto result = load_minimal_with(
      {{"APIGW__SERVER__TIMEOUTS__IDLE", "30"}, {"APIGW__ADMIN__LISTEN", "nowhere"}});
  const auto* idle = find_error(result, "'idle' needs a unit");
  ASSERT_TRUE(idle) << all_errors(result);
  EXPECT_EQ(idle->position.file, "env:APIGW__SERVER__TIMEOUTS__IDLE");
  const auto* admin = find_error(result, "invalid admin listen address 'nowhere'");
  ASSERT_TRUE(admin) << all_errors(result);
  EXPECT_EQ(admin->to_string().substr(0, 22), "env:APIGW__ADMIN__LIST");
}

TEST(ConfigEnvOverrides, UnknownKeyIsReportedAtTheVariableWithAHint) {
  const auto result = load_minimal_with({{"APIGW__SERVER__WORKRS", "4"}});
  ASSERT_EQ(result.errors.size(), 1u) << all_errors(result);
  EXPECT_EQ(result.errors[0].to_string(),
            "env:APIGW__SERVER__WORKRS: unknown key 'workrs' in [server]; did you mean 'workers'?");
}

TEST(ConfigEnvOverrides, UnknownSectionIsReportedAtTheVariable) {
  const auto result = load_minimal_with({{"APIGW__SERVR__WORKERS", "4"}});
  ASSERT_EQ(result.errors.size(), 1u) << all_errors(result);
  EXPECT_EQ(result.errors[0].to_string(),
            "env:APIGW__SERVR__WORKERS: unknown key 'servr' at the top level; did you mean "
            "'server'?");
}

TEST(ConfigEnvOverrides, UnknownArrayElementIsAnError) {
  const auto result = load_minimal_with(
      {{"APIGW__UPSTREAMS__NOPE__CONNECT_TIMEOUT", "1s"}, {"APIGW__ROUTES__5__TIMEOUT", "1s"}});
  EXPECT_TRUE(find_error(result, "'upstreams' has no element named or numbered 'NOPE'"));
  EXPECT_TRUE(find_error(result, "'routes' has no element named or numbered '5'"));
  EXPECT_EQ(result.errors.size(), 2u) << all_errors(result);
}

TEST(ConfigEnvOverrides, TablesCannotBeOverridden) {
  const auto result = load_minimal_with({{"APIGW__SERVER", "x"},
                                         {"APIGW__UPSTREAMS", "x"},
                                         {"APIGW__SERVER__WORKERS__X", "1"},
                                         {"APIGW__", "1"}});
  EXPECT_TRUE(find_error(result, "'server' is a table; only scalar keys can be overridden"));
  EXPECT_TRUE(find_error(result, "'upstreams' is an array of tables; only scalar keys"));
  EXPECT_TRUE(find_error(result, "'server.workers' is not a table"));
  EXPECT_TRUE(find_error(result, "malformed override name"));
  EXPECT_EQ(result.errors.size(), 4u) << all_errors(result);
}

TEST(ConfigEnvOverrides, ListenArrayCanBeReplacedByOneAddress) {
  const auto result = load_minimal_with({{"APIGW__SERVER__LISTEN", "0.0.0.0:80"}});
  ASSERT_TRUE(result.config) << all_errors(result);
  EXPECT_EQ(result.config->server.listen, std::vector<std::string>{"0.0.0.0:80"});
}

TEST(ConfigEnvOverrides, OverrideValuesAreNotInterpolated) {
  const auto result = load_minimal_with({{"APIGW__SERVER__ACCESS_LOG__PATH", "/logs/${HOST}"}});
  ASSERT_TRUE(result.config) << all_errors(result);
  EXPECT_EQ(result.config->server.access_log.path, "/logs/${HOST}");
}

TEST(ConfigEnvOverrides, OtherVariablesAreIgnored) {
  const auto result = load_minimal_with({{"APIGW_SERVER_WORKERS", "9"}, {"PATH", "/bin"}});
  ASSERT_TRUE(result.config) << all_errors(result);
  EXPECT_EQ(result.config->server.workers, 1u);
}

}  // namespace
}  // namespace apigw::config
