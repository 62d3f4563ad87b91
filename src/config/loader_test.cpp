#include "config/loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "config/test_support.h"

namespace apigw::config {
namespace {

using namespace std::chrono_literals;
using testing::all_errors;
using testing::find_error;
using testing::kMinimalConfig;
using testing::load_text;

TEST(ConfigLoader, MinimalConfigLoadsWithDefaultsForEverythingElse) {
  const auto result = load_text(kMinimalConfig);
  ASSERT_TRUE(result.errors.empty()) << all_errors(result);
  ASSERT_TRUE(result.config);
  const Config& config = *result.config;
  const Config defaults;
  EXPECT_EQ(config.source_file, "test.toml");
  EXPECT_EQ(config.server.listen, std::vector<std::string>{"127.0.0.1:8080"});
  EXPECT_EQ(config.server.workers, 1u);
  EXPECT_EQ(config.server.limits.max_header_bytes, defaults.server.limits.max_header_bytes);
  EXPECT_EQ(config.server.limits.max_header_count, defaults.server.limits.max_header_count);
  EXPECT_EQ(config.server.limits.max_uri_bytes, defaults.server.limits.max_uri_bytes);
  EXPECT_EQ(config.server.limits.max_body_bytes, defaults.server.limits.max_body_bytes);
  EXPECT_EQ(config.server.limits.max_connections, defaults.server.limits.max_connections);
  EXPECT_EQ(config.server.timeouts.header_read, defaults.server.timeouts.header_read);
  EXPECT_EQ(config.server.timeouts.idle, defaults.server.timeouts.idle);
  EXPECT_FALSE(config.server.access_log.enabled);
  EXPECT_EQ(config.admin.listen, "127.0.0.1:9901");

  ASSERT_EQ(config.upstreams.size(), 1u);
  const UpstreamConfig& upstream = config.upstreams[0];
  const UpstreamConfig upstream_defaults;
  EXPECT_EQ(upstream.name, "backend");
  ASSERT_EQ(upstream.targets.size(), 1u);
  EXPECT_EQ(upstream.targets[0].address, "127.0.0.1:9001");
  EXPECT_EQ(upstream.targets[0].weight, 1u);
  EXPECT_EQ(upstream.connect_timeout, upstream_defaults.connect_timeout);
  EXPECT_EQ(upstream.request_timeout, upstream_defaults.request_timeout);
  EXPECT_EQ(upstream.keepalive_max_idle, upstream_defaults.keepalive_max_idle);
  EXPECT_EQ(upstream.host_header, HostHeaderMode::preserve);

  ASSERT_EQ(config.routes.size(), 1u);
  const RouteConfig& route = config.routes[0];
  EXPECT_EQ(route.name, "all");
  EXPECT_EQ(route.upstream, "backend");
  EXPECT_EQ(route.match.paths[0].kind, PathMatchKind::prefix);
  EXPECT_EQ(route.match.paths[0].value, "/");
  EXPECT_EQ(route.rewrite.kind, RewriteConfig::Kind::none);
  EXPECT_FALSE(route.timeout);
  EXPECT_FALSE(route.max_body_bytes);
  EXPECT_TRUE(route.filters.empty());
}

TEST(ConfigLoader, PositionsPointAtEachTable) {
  const auto result = load_text(kMinimalConfig);
  ASSERT_TRUE(result.config) << all_errors(result);
  const Config& config = *result.config;
  EXPECT_EQ(config.server.position.file, "test.toml");
  EXPECT_EQ(config.server.position.line, 2u);
  EXPECT_EQ(config.admin.position.line, 6u);
  EXPECT_EQ(config.upstreams[0].position.line, 9u);
  EXPECT_EQ(config.upstreams[0].targets[0].position.line, 11u);
  EXPECT_EQ(config.upstreams[0].targets[0].position.column, 12u);
  EXPECT_EQ(config.routes[0].position.line, 13u);
}

TEST(ConfigLoader, EmptyFileIsValidAndAllDefaults) {
  const auto result = load_text("");
  ASSERT_TRUE(result.config) << all_errors(result);
  EXPECT_EQ(result.config->server.listen, std::vector<std::string>{"127.0.0.1:8080"});
  EXPECT_EQ(result.config->server.workers, 0u);
  EXPECT_EQ(result.config->admin.listen, "127.0.0.1:9901");
  EXPECT_TRUE(result.config->upstreams.empty());
  EXPECT_TRUE(result.config->routes.empty());
}

TEST(ConfigLoader, ReadsEveryServerKey) {
  const auto result = load_text(R"(
[server]
listen = "0.0.0.0:80"
workers = 0
[server.limits]
max_header_bytes = "32KiB"
max_header_count = 50
max_uri_bytes = 4096
max_body_bytes = "1MB"
max_connections = 7
[server.timeouts]
header_read = "1s"
body_read = "2s"
body_min_rate = "2KiB"
idle = "3m"
drain = "500ms"
[server.access_log]
enabled = true
path = "/tmp/access.log"
)");
  ASSERT_TRUE(result.config) << all_errors(result);
  const ServerConfig& server = result.config->server;
  EXPECT_EQ(server.listen, std::vector<std::string>{"0.0.0.0:80"});
  EXPECT_EQ(server.workers, 0u);
  EXPECT_EQ(server.limits.max_header_bytes, 32u * 1024);
  EXPECT_EQ(server.limits.max_header_count, 50u);
  EXPECT_EQ(server.limits.max_uri_bytes, 4096u);
  EXPECT_EQ(server.limits.max_body_bytes, 1'000'000u);
  EXPECT_EQ(server.limits.max_connections, 7u);
  EXPECT_EQ(server.timeouts.header_read, 1s);
  EXPECT_EQ(server.timeouts.body_read, 2s);
  EXPECT_EQ(server.timeouts.body_min_rate, 2048u);
  EXPECT_EQ(server.timeouts.idle, 3min);
  EXPECT_EQ(server.timeouts.drain, 500ms);
  EXPECT_TRUE(server.access_log.enabled);
  EXPECT_EQ(server.access_log.path, "/tmp/access.log");
}

TEST(ConfigLoader, ReadsEveryUpstreamKey) {
  const auto result = load_text(R"(
[[upstreams]]
name = "api.v2-eu"
targets = [{ address = "a.internal:80", weight = 3 }, { address = "[::1]:81" }]
connect_timeout = "250ms"
request_timeout = "5s"
host_header = "api.example.com"
resolve_interval = "1m"
keepalive = { max_idle = 0, idle_timeout = "10s" }

[[upstreams]]
name = "other"
targets = [{ address = "10.0.0.1:80" }]
host_header = "target"
)");
  ASSERT_TRUE(result.config) << all_errors(result);
  const UpstreamConfig& first = result.config->upstreams[0];
  EXPECT_EQ(first.name, "api.v2-eu");
  ASSERT_EQ(first.targets.size(), 2u);
  EXPECT_EQ(first.targets[0].weight, 3u);
  EXPECT_EQ(first.targets[1].address, "[::1]:81");
  EXPECT_EQ(first.targets[1].weight, 1u);
  EXPECT_EQ(first.connect_timeout, 250ms);
  EXPECT_EQ(first.request_timeout, 5s);
  EXPECT_EQ(first.host_header, HostHeaderMode::fixed);
  EXPECT_EQ(first.host_header_value, "api.example.com");
  EXPECT_EQ(first.resolve_interval, 1min);
  EXPECT_EQ(first.keepalive_max_idle, 0u);
  EXPECT_EQ(first.keepalive_idle_timeout, 10s);
  EXPECT_EQ(result.config->upstreams[1].host_header, HostHeaderMode::target);
}

TEST(ConfigLoader, UnknownKeyGivesPositionAndHint) {
  const auto result = load_text("[server]\nlistn = [\"127.0.0.1:8080\"]\n");
  ASSERT_EQ(result.errors.size(), 1u) << all_errors(result);
  EXPECT_EQ(result.errors[0].to_string(),
            "test.toml:2:1: unknown key 'listn' in [server]; did you mean 'listen'?");
  EXPECT_FALSE(result.config);
}

TEST(ConfigLoader, UnknownKeyWithoutCloseMatchHasNoHint) {
  const auto result = load_text("[server]\nbanana = 1\n");
  ASSERT_EQ(result.errors.size(), 1u) << all_errors(result);
  EXPECT_EQ(result.errors[0].message, "unknown key 'banana' in [server]");
}

TEST(ConfigLoader, UnknownKeysAreFoundInEveryTable) {
  const auto result = load_text(R"(
servr = 1
[server.limits]
max_body = "1MiB"
[server.timeouts]
idel = "1s"
[admin]
lisen = "x"
[[upstreams]]
name = "b"
targets = [{ address = "h:1", wieght = 2 }]
keepalive = { max_idel = 1 }
conect_timeout = "1s"
[[routes]]
name = "r"
upstream = "b"
match = { path_prefx = "/", headers = [{ name = "x", exat = "y" }] }
rewrite = { strip = "/a" }
tiemout = "1s"
)");
  EXPECT_TRUE(find_error(result, "unknown key 'servr' at the top level; did you mean 'server'?"));
  EXPECT_TRUE(find_error(result, "unknown key 'max_body' in [server.limits]"));
  EXPECT_TRUE(find_error(result, "unknown key 'idel' in [server.timeouts]; did you mean 'idle'?"));
  EXPECT_TRUE(find_error(result, "unknown key 'lisen' in [admin]; did you mean 'listen'?"));
  EXPECT_TRUE(find_error(result, "unknown key 'wieght' in [[upstreams.targets]]"));
  EXPECT_TRUE(find_error(result, "unknown key 'max_idel' in [upstreams.keepalive]"));
  EXPECT_TRUE(find_error(result, "unknown key 'conect_timeout' in [[upstreams]]"));
  EXPECT_TRUE(find_error(result, "unknown key 'path_prefx' in [routes.match]"));
  EXPECT_TRUE(find_error(result, "unknown key 'exat' in [[routes.match.headers]]"));
  EXPECT_TRUE(find_error(result, "unknown key 'strip' in [routes.rewrite]"));
  EXPECT_TRUE(find_error(result, "unknown key 'tiemout' in [[routes]]; did you mean 'timeout'?"));
  const auto* top = find_error(result, "'servr'");
  ASSERT_TRUE(top);
  EXPECT_EQ(top->position.line, 2u);
  EXPECT_EQ(top->position.column, 1u);
}

TEST(ConfigLoader, WrongTypesNameTheKey) {
  const auto result = load_text(R"(
[server]
workers = "four"
listen = 8080
[server.access_log]
enabled = "yes"
path = 3
[server.limits]
max_body_bytes = true
max_header_count = -1
[server.timeouts]
idle = 30
drain = "5 parsecs"
[admin]
listen = ["127.0.0.1:1"]
)");
  EXPECT_TRUE(find_error(result, "'workers' must be an integer"));
  EXPECT_TRUE(find_error(result, "'listen' must be a string or an array of strings"));
  EXPECT_TRUE(find_error(result, "'enabled' must be true or false"));
  EXPECT_TRUE(find_error(result, "'path' must be a string"));
  EXPECT_TRUE(find_error(result, "'max_body_bytes' must be a size"));
  EXPECT_TRUE(find_error(result, "'max_header_count' must not be negative"));
  EXPECT_TRUE(find_error(result, "'idle' needs a unit (use e.g. \"250ms\", \"5s\")"));
  EXPECT_TRUE(
      find_error(result, "invalid duration '5 parsecs' for 'drain' (use e.g. \"250ms\", \"5s\")"));
  EXPECT_TRUE(find_error(result, "'listen' must be a string"));
  const auto* workers = find_error(result, "'workers'");
  ASSERT_TRUE(workers);
  EXPECT_EQ(workers->to_string(), "test.toml:3:11: 'workers' must be an integer");
  EXPECT_FALSE(result.config);
}

TEST(ConfigLoader, SectionsAndArraysOfTheWrongShape) {
  const auto result = load_text("server = 1\nupstreams = { name = \"x\" }\nroutes = [1]\n");
  EXPECT_TRUE(find_error(result, "'server' must be a table"));
  EXPECT_TRUE(find_error(result, "'upstreams' must be an array of tables"));
  EXPECT_TRUE(find_error(result, "each element of 'routes' must be a table"));
}

TEST(ConfigLoader, BadSizeStringIsReported) {
  const auto result = load_text("[server.limits]\nmax_uri_bytes = \"8 kilos\"\n");
  const auto* error = find_error(result, "invalid size '8 kilos' for 'max_uri_bytes'");
  ASSERT_TRUE(error) << all_errors(result);
  EXPECT_EQ(error->position.line, 2u);
}

TEST(ConfigLoader, MissingRequiredKeysAreReported) {
  const auto result = load_text("[[upstreams]]\ntargets = [{ weight = 2 }]\n[[routes]]\n");
  EXPECT_TRUE(find_error(result, "missing required key 'name' in [[upstreams]]"));
  EXPECT_TRUE(find_error(result, "missing required key 'address' in [[upstreams.targets]]"));
  EXPECT_TRUE(find_error(result, "missing required key 'name' in [[routes]]"));
  EXPECT_TRUE(find_error(result, "needs exactly one of 'upstream' (proxy to it), 'upstreams'"));
  EXPECT_EQ(result.errors.size(), 4u) << all_errors(result);
}

TEST(ConfigLoader, ReportsAllErrorsAtOnce) {
  const auto result = load_text(R"(
[server]
workers = 1000
lissen = "x"
[server.timeouts]
idle = "forever"
[[routes]]
name = "r"
upstream = "nowhere"
)");
  EXPECT_TRUE(find_error(result, "'workers' must be at most 256"));
  EXPECT_TRUE(find_error(result, "unknown key 'lissen'"));
  EXPECT_TRUE(find_error(result, "invalid duration 'forever'"));
  EXPECT_TRUE(find_error(result, "names upstream 'nowhere' which is not defined"));
  EXPECT_EQ(result.errors.size(), 4u) << all_errors(result);
  EXPECT_FALSE(result.config);
}

TEST(ConfigLoader, SyntaxErrorGivesItsLine) {
  const auto result = load_text("[server]\nworkers = 1\nlisten = [\"a\",\n");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].position.file, "test.toml");
  EXPECT_GE(result.errors[0].position.line, 3u);
  EXPECT_NE(result.errors[0].message.find("TOML syntax error"), std::string::npos);
  EXPECT_FALSE(result.config);
}

TEST(ConfigLoader, SyntaxErrorOnAKnownLine) {
  const auto result = load_text("[server]\nworkers = = 1\n");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].position.line, 2u);
  EXPECT_NE(result.errors[0].to_string().find("test.toml:2:"), std::string::npos);
}

TEST(ConfigLoader, ErrorWithoutLinePrintsOnlyTheFile) {
  const ConfigError error{{"env:APIGW__X", 0, 0}, "bad"};
  EXPECT_EQ(error.to_string(), "env:APIGW__X: bad");
  const ConfigError located{{"a.toml", 3, 7}, "bad"};
  EXPECT_EQ(located.to_string(), "a.toml:3:7: bad");
}

TEST(ConfigLoaderFile, LoadsAFileAndNamesItInPositions) {
  char path[] = "/tmp/apigw_config_test_XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  { std::ofstream(path) << kMinimalConfig << "[admin.x]\n"; }
  const testing::FakeFilterCatalog catalog;
  const auto result = load_config_file(path, {}, catalog);
  std::remove(path);
  ASSERT_EQ(result.errors.size(), 1u) << all_errors(result);
  EXPECT_EQ(result.errors[0].position.file, path);
  EXPECT_EQ(result.errors[0].position.line, 17u);
}

TEST(ConfigLoaderFile, MissingFileIsAnError) {
  const testing::FakeFilterCatalog catalog;
  const auto result = load_config_file("/nonexistent/apigw.toml", {}, catalog);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].to_string(),
            "/nonexistent/apigw.toml: cannot read /nonexistent/apigw.toml: No such file or "
            "directory");
  EXPECT_FALSE(result.config);
}

TEST(ConfigLoaderFile, DirectoryIsAnError) {
  const testing::FakeFilterCatalog catalog;
  const auto result = load_config_file("/tmp", {}, catalog);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].message.find("cannot read /tmp"), std::string::npos);
}

TEST(ConfigEnvironment, FromProcessSeesTheProcessEnvironment) {
  setenv("APIGW_CONFIG_TEST_VAR", "a=b", 1);
  const Environment env = Environment::from_process();
  unsetenv("APIGW_CONFIG_TEST_VAR");
  ASSERT_TRUE(env.variables.contains("APIGW_CONFIG_TEST_VAR"));
  EXPECT_EQ(env.variables.at("APIGW_CONFIG_TEST_VAR"), "a=b");
}

}  // namespace
}  // namespace apigw::config
