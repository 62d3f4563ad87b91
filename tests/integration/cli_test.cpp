// The command line: check, version, and the example configs shipped in examples/.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include "support/gateway.h"
#include "support/http_client.h"

namespace apigw::test {
namespace {

TEST(Cli, VersionNamesTheCommitCompilerAndLibraries) {
  const auto result = run_command({APIGW_BINARY, "version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output.rfind("apigw 0.", 0), 0u) << result.output;
  // A commit of this checkout (12 hex digits, "-dirty" when built with uncommitted changes: the
  // build, not the test run, decides which), or "unknown" outside git.
  const std::size_t at = result.output.find("\ncommit ");
  ASSERT_NE(at, std::string::npos) << result.output;
  const std::string commit = result.output.substr(at + 8, 12);
  if (run_command({"git", "-C", APIGW_SOURCE_DIR, "rev-parse", "HEAD"}).exit_code == 0) {
    EXPECT_EQ(run_command({"git", "-C", APIGW_SOURCE_DIR, "cat-file", "-e", commit + "^{commit}"})
                  .exit_code,
              0)
        << commit << " is no commit of this checkout";
  } else {
    EXPECT_EQ(commit.substr(0, 7), "unknown");
  }
  for (const char* line : {"\ncompiler GCC 12.", "\nopenssl OpenSSL 3.", "\nboost 1.81.",
                           "\nnghttp2 1.", "\nsqlite 3.", "\nlibpq ", "\nhiredis ", "\nzlib 1.",
                           "\nbrotli 1.", "\ntoml++ 3.", "\nyaml-cpp 0."}) {
    EXPECT_NE(result.output.find(line), std::string::npos) << line << " in " << result.output;
  }
}

TEST(Cli, EveryCommandHasHelpThatExitsZero) {
  for (const std::vector<std::string>& argv :
       {std::vector<std::string>{"--help"}, {"help"}, {"run", "--help"}, {"run", "-c", "x", "-h"},
        {"check", "--help"}, {"help", "check"}, {"echo-server", "--help"}, {"convert", "--help"},
        {"help", "convert"}, {"probe", "--help"}, {"help", "probe"}}) {
    std::vector<std::string> command{APIGW_BINARY};
    command.insert(command.end(), argv.begin(), argv.end());
    const auto result = run_command(command);
    SCOPED_TRACE(argv.back());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(result.output.rfind("usage: apigw", 0), 0u) << result.output;
  }
  EXPECT_NE(run_command({APIGW_BINARY, "run", "--help"}).output.find("-c, --config FILE"),
            std::string::npos);
  EXPECT_NE(run_command({APIGW_BINARY, "echo-server", "--help"}).output.find("--close-after N"),
            std::string::npos);
  EXPECT_EQ(run_command({APIGW_BINARY, "run", "--bogus"}).exit_code, 2) << "unknown options stay errors";
}

TEST(Cli, CheckAcceptsTheShippedExamples) {
  // The compose example's secrets come from its environment.
  ::setenv("APIGW_ADMIN_TOKEN", "a-token-of-at-least-16-characters", 1);
  ::setenv("APIGW_DB_PASSWORD", "secret", 1);
  // The package's default config (/etc/apigw/apigw.toml) and the compose cluster's are examples
  // users start from too.
  for (const char* example :
       {"/examples/minimal.toml", "/examples/minimal.yaml", "/examples/quickstart.toml",
        "/packaging/apigw.toml", "/examples/compose/apigw.toml"}) {
    const auto result =
        run_command({APIGW_BINARY, "check", "-c", APIGW_SOURCE_DIR + std::string(example)});
    EXPECT_EQ(result.exit_code, 0) << example << ": " << result.output;
  }
}

// Every ```toml block in the docs that is a whole config (has a [server], [store], [[upstreams]] or
// [[consumers]] table)
// must pass `apigw check`, so the documentation cannot drift from the schema.
TEST(Cli, CheckAcceptsTheConfigsInTheDocs) {
  int checked = 0;
  for (const char* doc : {"/README.md", "/docs/configuration.md", "/docs/load-balancing.md",
                          "/docs/resilience.md", "/docs/entities.md", "/docs/operations.md",
                          "/docs/filters.md", "/docs/config-loading.md", "/docs/routing.md",
                          "/docs/websocket.md", "/docs/container.md"}) {
    std::ifstream file(APIGW_SOURCE_DIR + std::string(doc));
    ASSERT_TRUE(file) << doc;
    std::string line, block;
    bool inside = false;
    int number = 0, block_start = 0;
    while (std::getline(file, line)) {
      ++number;
      if (!inside && line == "```toml") {
        inside = true;
        block.clear();
        block_start = number;
      } else if (inside && line == "```") {
        inside = false;
        const bool whole = block.find("[server]") != std::string::npos ||
                           block.find("[store]") != std::string::npos ||
                           block.find("[[upstreams]]") != std::string::npos ||
                           block.find("[[consumers]]") != std::string::npos;
        if (!whole) continue;
        TempDir dir;
        const std::string path = dir.write("doc.toml", block);
        const auto result = run_command({APIGW_BINARY, "check", "-c", path});
        EXPECT_EQ(result.exit_code, 0) << doc << ":" << block_start << ": " << result.output;
        ++checked;
      } else if (inside) {
        block += line + "\n";
      }
    }
  }
  EXPECT_GE(checked, 8);
}

TEST(Cli, CheckReportsEveryErrorWithPositionAndHint) {
  TempDir dir;
  const std::string path = dir.write("bad.toml", R"([server]
listn = ["127.0.0.1:8080"]
workers = "two"

[[upstreams]]
name = "backend"
targets = [{ address = "127.0.0.1:9001" }]
connect_timeout = "5 parsecs"

[[routes]]
name = "r"
match = { path_prefix = "/" }
upstream = "backnd"
)");
  const std::string log = dir.path() + "/stderr";
  Process check({APIGW_BINARY, "check", "-c", path}, log);
  EXPECT_EQ(check.wait(std::chrono::seconds(10)), 1);
  const std::string errors = check.log();
  EXPECT_NE(errors.find(path + ":2:1: unknown key 'listn'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("did you mean 'listen'"), std::string::npos) << errors;
  EXPECT_NE(errors.find(path + ":3:"), std::string::npos) << "workers type error: " << errors;
  EXPECT_NE(errors.find(path + ":8:"), std::string::npos) << "bad duration: " << errors;
  EXPECT_NE(errors.find("did you mean 'backend'"), std::string::npos) << errors;
}

TEST(Cli, CheckReadsTheCertificatesOfTlsListeners) {
  TempDir dir;
  const std::string config = R"([[server.listeners]]
address = "127.0.0.1:8443"
[server.listeners.tls]
[[server.listeners.tls.certificates]]
cert = ")" + dir.path() + R"(/missing.pem"
key = ")" + dir.path() + R"(/missing.key"
)";
  const std::string path = dir.write("tls.toml", config);
  Process check({APIGW_BINARY, "check", "-c", path}, dir.path() + "/stderr");
  EXPECT_EQ(check.wait(std::chrono::seconds(10)), 1);
  EXPECT_NE(
      check.log().find(path + ":3:1: listener 127.0.0.1:8443: " + dir.path() + "/missing.pem"),
      std::string::npos)
      << check.log();
  Process run({APIGW_BINARY, "run", "-c", path}, dir.path() + "/run.log");
  EXPECT_EQ(run.wait(std::chrono::seconds(10)), 1) << "refused at start too";
  EXPECT_NE(run.log().find("missing.pem"), std::string::npos) << run.log();
}

TEST(Cli, RunRefusesAnInvalidConfig) {
  TempDir dir;
  const std::string path = dir.write("bad.toml", "[server]\nworkers = -1\n");
  Process run({APIGW_BINARY, "run", "-c", path}, dir.path() + "/log");
  EXPECT_EQ(run.wait(std::chrono::seconds(10)), 1);
  EXPECT_NE(run.log().find("bad.toml:2:"), std::string::npos) << run.log();
}

TEST(Cli, EnvironmentOverridesAndInterpolation) {
  EchoBackend backend;
  Gateway gateway(R"(
[server]
listen = ["127.0.0.1:{port}"]
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "backend"
targets = [{ address = "${TEST_BACKEND}" }]
[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "backend"
)",
                  {"TEST_BACKEND=" + backend.address(), "APIGW__SERVER__WORKERS=3"});
  EXPECT_EQ(http_get(gateway.port(), "/").status, 200);
  EXPECT_NE(gateway.metrics().find("apigw_workers 3"), std::string::npos);
}

TEST(Cli, CheckPrintsTheEffectiveConfigWhichLoadsBackToItself) {
  TempDir dir;
  const std::string path = dir.write("full.toml", R"(
[server]
listen = ["127.0.0.1:18080"]
trusted_proxies = ["10.0.0.0/8"]
[server.access_log]
enabled = true
path = "/tmp/access.log"
fields = ["time", "url.path", "http.response.status_code"]
[server.error_log]
format = "json"
[admin]
listen = "127.0.0.1:19901"
token = "${ADMIN_TOKEN}"
[tracing]
otlp_endpoint = "http://collector:hunter2@127.0.0.1:4318/v1/traces"
headers = { "authorization" = "Bearer secret-value" }
[redis]
url = "redis://rl@127.0.0.1:6379/2"
password = "redis-secret"
[[upstreams]]
name = "api"
targets = [{ address = "127.0.0.1:9000", weight = 3 }, { address = "127.0.0.1:9001", backup = true }]
balancer = "consistent_hash"
hash_on = "header:x-user"
health_check = { path = "/healthz", expected_statuses = ["200", "204-299"] }
circuit_breaker = { failure_rate = 40 }
host_header = "api.internal"
[[upstreams]]
name = "shadow"
targets = [{ address = "127.0.0.1:9002" }]
[[routes]]
name = "orders"
match = { path_prefix = "/orders/", methods = ["GET", "POST"], headers = [{ name = "x-env", exact = "prod" }] }
upstream = "api"
rewrite = { replace_prefix = "/v2/orders" }
retry = { attempts = 3, on = ["connect_failure", "503"] }
mirror = { upstream = "shadow", percent = 5 }
filters = [{ name = "headers", request_set = { "x-gateway" = "apigw" } }]
[routes.websocket]
max_connections = 100
[[routes]]
name = "split"
match = { path_prefix = "/split/" }
upstreams = [{ name = "api", weight = 90 }, { name = "shadow", weight = 10 }]
[[consumers]]
name = "alice"
[[credentials]]
name = "alice-key"
consumer = "alice"
type = "api_key"
key = "k-7Hq2v9Lx0pWm4Rz8"
[[plugins]]
name = "keys"
filter = "key_auth"
route = "orders"
)");
  const auto print = [](const std::string& file) {
    return run_command({"env", "ADMIN_TOKEN=an-admin-token-of-32-characters", "APIGW__SERVER__WORKERS=3",
                        APIGW_BINARY, "check", "-c", file, "--print"});
  };
  const auto first = print(path);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const std::string& text = first.output;
  // Overrides, defaults and every section are there; secrets are not.
  for (const char* expected :
       {"workers = 3", "header_read = '10s'", "max_connections = 10000", "address = '127.0.0.1:18080'",
        "token = '(redacted-secret)'", "authorization = '(redacted-secret)'",
        "sample_ratio = 0.01", "format = 'json'", "balancer = 'consistent_hash'",
        "hash_on = 'header:x-user'", "expected_statuses = [ '200', '204-299' ]",
        "failure_rate = 40", "host_header = 'api.internal'",
        "prefix = '/orders/'", "replace_prefix = '/v2/orders'", "attempts = 3", "max_connections = 100",
        "idle_timeout = '10m'", "request_set", "key_hash = 'sha256:", "filter = 'key_auth'",
        "[[upstreams]]", "[[routes]]", "[[credentials]]", "fields = [ 'time', 'url.path'"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  }
  EXPECT_EQ(text.find("an-admin-token-of-32-characters"), std::string::npos);
  EXPECT_EQ(text.find("secret-value"), std::string::npos);
  EXPECT_EQ(text.find("redis-secret"), std::string::npos);
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  EXPECT_NE(text.find("url = 'redis://rl@127.0.0.1:6379/2'"), std::string::npos) << text;
  EXPECT_EQ(text.find("k-7Hq2v9Lx0pWm4Rz8"), std::string::npos);
  // What it printed is a config that loads, and prints the same again: nothing was lost.
  const std::string printed = dir.write("printed.toml", text);
  const auto second = print(printed);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  const auto body = [](const std::string& output) { return output.substr(output.find('\n')); };
  EXPECT_EQ(body(second.output), body(text));
  EXPECT_EQ(run_command({APIGW_BINARY, "run", "-c", path, "--print"}).exit_code, 2)
      << "--print belongs to check";
}

TEST(Cli, ProbeExitsZeroOnlyForA2xxAnswer) {
  // The container image's HEALTHCHECK: `apigw probe` against the admin listener's /ready.
  Gateway gateway(R"(
[server]
listen = ["127.0.0.1:{port}"]
[admin]
listen = "127.0.0.1:{admin_port}"
[[routes]]
name = "teapot"
match = { path_prefix = "/" }
handler = { name = "static", status = 418 }
)");
  const std::string admin = "http://127.0.0.1:" + std::to_string(gateway.admin_port());
  const auto ready = run_command({APIGW_BINARY, "probe", admin + "/ready"});
  EXPECT_EQ(ready.exit_code, 0) << ready.output;
  EXPECT_EQ(ready.output.rfind("HTTP/1.1 200", 0), 0u) << ready.output;
  const auto teapot = run_command({APIGW_BINARY, "probe", gateway.url("/")});
  EXPECT_EQ(teapot.exit_code, 1) << teapot.output;
  EXPECT_EQ(teapot.output.rfind("HTTP/1.1 418", 0), 0u) << teapot.output;
  const auto refused =
      run_command({APIGW_BINARY, "probe", "http://127.0.0.1:" + std::to_string(free_port()) + "/"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.output.find("cannot connect"), std::string::npos) << refused.output;
  EXPECT_EQ(run_command({APIGW_BINARY, "probe", "https://127.0.0.1/"}).exit_code, 2);
  EXPECT_EQ(run_command({APIGW_BINARY, "probe", admin + "/ready", "--timeout", "0"}).exit_code, 2);
  // Draining, /ready answers 503: unhealthy. (A request head still arriving keeps the drain on.)
  RawConnection in_flight(gateway.port());
  ASSERT_TRUE(in_flight.send("GET / HTTP/1.1\r\n"));
  gateway.process().signal(SIGTERM);
  EXPECT_TRUE(wait_until([&] {
    return run_command({APIGW_BINARY, "probe", admin + "/ready", "--timeout", "500"}).exit_code == 1;
  }));
}

TEST(Cli, ProbeNamesAnIpv6HostInBrackets) {
  // Host: [::1]:PORT — a bare ::1 is refused (400) by apigw's own parser, as by others.
  Gateway gateway(R"(
[server]
listen = ["[::1]:{port}"]
[admin]
listen = "127.0.0.1:{admin_port}"
[[routes]]
name = "hello"
match = { path_prefix = "/" }
handler = { name = "static", body = "hello" }
)");
  const auto result =
      run_command({APIGW_BINARY, "probe", "http://[::1]:" + std::to_string(gateway.port()) + "/"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output.rfind("HTTP/1.1 200", 0), 0u) << result.output;
}

}  // namespace
}  // namespace apigw::test
