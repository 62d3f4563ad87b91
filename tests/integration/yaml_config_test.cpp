// YAML config files as an operator uses them: `apigw run -c apigw.yaml` serving and reloading,
// `apigw check` pointing at YAML lines, `apigw convert` both ways, and every config example of the
// docs loading to the same effective config from its TOML and from its YAML.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <optional>

#include "support/admin_client.h"
#include "support/gateway.h"

namespace apigw::test {
namespace {

using namespace std::chrono_literals;

// Runs an apigw command to its end; its exit code and what it wrote to stderr.
struct Diagnosed {
  std::optional<int> exit_code;
  std::string errors;
};

Diagnosed diagnose(const std::vector<std::string>& argv, const TempDir& dir) {
  std::vector<std::string> command{APIGW_BINARY};
  command.insert(command.end(), argv.begin(), argv.end());
  const std::string log = dir.path() + "/stderr-" + std::to_string(free_port());
  Process process(command, log);
  const std::optional<int> code = process.wait(20s);
  return {code, process.log()};
}

// `apigw check -c FILE --print` without its first line (a comment naming the file).
std::string effective_config(const std::string& path) {
  const auto result = run_command({APIGW_BINARY, "check", "-c", path, "--print"});
  EXPECT_EQ(result.exit_code, 0) << path << ": " << result.output;
  // stderr's "ok" line and the comment line come first; the config follows the first blank line.
  const std::size_t body = result.output.find("\n\n");
  return body == std::string::npos ? result.output : result.output.substr(body + 2);
}

TEST(YamlConfig, TheGatewayRunsFromAYamlFileAndReloadsIt) {
  EchoBackend first("first");
  EchoBackend second("second");
  TempDir dir;
  const int port = free_port();
  const int admin_port = free_port();
  const auto config = [&](const EchoBackend& backend) {
    return fill(R"(# the quick start, in YAML
server:
  listen: ["127.0.0.1:{port}"]
  workers: 1
admin:
  listen: "127.0.0.1:{admin_port}"
upstreams:
  - name: backend
    targets:
      - address: "{backend}"
routes:
  - name: all
    match: {path_prefix: /}
    upstream: backend
)",
                {{"port", std::to_string(port)},
                 {"admin_port", std::to_string(admin_port)},
                 {"backend", backend.address()}});
  };
  const std::string path = dir.write("apigw.yaml", config(first));
  Process gateway({APIGW_BINARY, "run", "-c", path}, dir.path() + "/apigw.log");
  ASSERT_TRUE(wait_until([&] { return http_get(admin_port, "/ready").status == 200; }, 15s))
      << gateway.log();
  const auto answer = http_get(port, "/hello");
  EXPECT_EQ(answer.status, 200);
  EXPECT_NE(answer.body.find("\"server\":\"first\""), std::string::npos) << answer.body;

  // A broken edit is refused with its YAML line and the running config stays.
  dir.write("apigw.yaml.tmp", config(first) + "  - name: broken\n    upstream: nowhere\n");
  std::rename((dir.path() + "/apigw.yaml.tmp").c_str(), path.c_str());
  gateway.signal(SIGHUP);
  EXPECT_TRUE(wait_until([&] { return gateway.log().find("apigw.yaml:16:") != std::string::npos; }))
      << gateway.log();
  EXPECT_NE(http_get(port, "/still").body.find("\"server\":\"first\""), std::string::npos);

  dir.write("apigw.yaml.tmp", config(second));
  std::rename((dir.path() + "/apigw.yaml.tmp").c_str(), path.c_str());
  gateway.signal(SIGHUP);
  EXPECT_TRUE(wait_until([&] {
    return http_get(port, "/after").body.find("\"server\":\"second\"") != std::string::npos;
  })) << gateway.log();
  gateway.signal(SIGTERM);
  EXPECT_EQ(gateway.wait(20s), 0);
}

TEST(YamlConfig, CheckPointsAtYamlLinesWithHints) {
  TempDir dir;
  const std::string path = dir.write("bad.yaml", R"(server:
  listn: ["127.0.0.1:8080"]
upstreams:
  - name: backend
    targets: [{address: "127.0.0.1:9001"}]
routes:
  - name: r
    match: {path_prefix: /}
    upstream: backnd
)");
  const Diagnosed result = diagnose({"check", "-c", path}, dir);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.errors.find(path + ":2:3: unknown key 'listn'"), std::string::npos)
      << result.errors;
  EXPECT_NE(result.errors.find("did you mean 'listen'"), std::string::npos) << result.errors;
  EXPECT_NE(result.errors.find(path + ":9:15:"), std::string::npos) << result.errors;
  EXPECT_NE(result.errors.find("did you mean 'backend'"), std::string::npos) << result.errors;

  const std::string nulls = dir.write("null.yaml", "server:\n  workers:\n");
  const Diagnosed refused = diagnose({"check", "-c", nulls}, dir);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.errors.find(nulls + ":2:3: a value must not be null"), std::string::npos)
      << refused.errors;
}

TEST(YamlConfig, ConvertGoesBothWaysAndKeepsVariablesAsWritten) {
  TempDir dir;
  const std::string toml_path = dir.write("apigw.toml", R"(# a comment that does not survive
[server]
listen = ["127.0.0.1:8080"]

[[upstreams]]
name = "backend"
targets = [{ address = "${BACKEND}", weight = 2 }]

[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "backend"
)");
  const auto to_yaml = run_command({APIGW_BINARY, "convert", toml_path});
  ASSERT_EQ(to_yaml.exit_code, 0) << to_yaml.output;
  EXPECT_NE(to_yaml.output.find("address: \"${BACKEND}\""), std::string::npos) << to_yaml.output;
  EXPECT_NE(to_yaml.output.find("weight: 2"), std::string::npos) << to_yaml.output;

  const std::string yaml_path = dir.path() + "/apigw.yaml";
  ASSERT_EQ(run_command({APIGW_BINARY, "convert", toml_path, "-o", yaml_path}).exit_code, 0);
  const std::string back_path = dir.path() + "/back.toml";
  ASSERT_EQ(run_command({APIGW_BINARY, "convert", yaml_path, "-o", back_path}).exit_code, 0);
  // The variable is resolved only when the gateway loads the file, the same in all three.
  setenv("BACKEND", "127.0.0.1:9001", 1);
  EXPECT_EQ(effective_config(yaml_path), effective_config(toml_path));
  EXPECT_EQ(effective_config(back_path), effective_config(toml_path));
  unsetenv("BACKEND");

  EXPECT_EQ(run_command({APIGW_BINARY, "convert", toml_path, "--to", "json"}).exit_code, 2);
  const std::string broken = dir.write("broken.yaml", "a: [1\n");
  const Diagnosed refused = diagnose({"convert", broken}, dir);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.errors.find(broken + ":2:1: YAML syntax error"), std::string::npos)
      << refused.errors;
}

// `check --print --format yaml` prints YAML that is the same config; --format alone is a usage
// error; a directory is no file to convert.
TEST(YamlConfig, CheckPrintsYamlAndConvertRefusesWhatIsNoFile) {
  TempDir dir;
  const std::string toml_path = dir.write("apigw.toml", R"([server]
listen = ["127.0.0.1:8080"]

[[upstreams]]
name = "backend"
targets = [{ address = "127.0.0.1:9001" }]
)");
  const auto printed = run_command({APIGW_BINARY, "check", "-c", toml_path, "--print", "--format", "yaml"});
  ASSERT_EQ(printed.exit_code, 0);
  EXPECT_NE(printed.output.find("\nserver:\n"), std::string::npos) << printed.output;
  const std::string yaml_path = dir.write("printed.yaml", printed.output);
  EXPECT_EQ(effective_config(yaml_path), effective_config(toml_path));
  EXPECT_EQ(run_command({APIGW_BINARY, "check", "-c", toml_path, "--format", "yaml"}).exit_code, 2);
  const Diagnosed directory = diagnose({"convert", dir.path()}, dir);
  EXPECT_EQ(directory.exit_code, 1);
  EXPECT_NE(directory.errors.find("cannot read " + dir.path() + ": Is a directory"),
            std::string::npos)
      << directory.errors;
}

// The admin API takes a YAML config file to validate and exports the entities as YAML.
TEST(YamlConfig, TheAdminApiValidatesYamlFilesAndExportsYaml) {
  EchoBackend backend;
  Gateway gateway(pool_config("{ address = \"" + backend.address() + "\" }"));
  const CurlResult invalid = admin_call(gateway, "POST", "/admin/config/validate",
                                        "server:\n  workers: 1000\n",
                                        {"-H", "Content-Type: application/yaml"}, "");
  EXPECT_EQ(invalid.status, 400) << invalid.body;
  EXPECT_NE(invalid.body.find("\"entity\":\"request.yaml:2\""), std::string::npos) << invalid.body;
  const CurlResult valid = admin_call(gateway, "POST", "/admin/config/validate",
                                      "server:\n  workers: 2\n",
                                      {"-H", "Content-Type: text/yaml"}, "");
  EXPECT_EQ(valid.status, 200) << valid.body;
  EXPECT_EQ(admin_call(gateway, "POST", "/admin/config/import", "upstreams: []\n",
                       {"-H", "Content-Type: application/yaml"}, "")
                .status,
            415);
  const CurlResult exported = admin_call(gateway, "GET", "/admin/config/export?format=yaml", "", {}, "");
  ASSERT_EQ(exported.status, 200);
  TempDir dir;
  const std::string path = dir.write("entities.yaml", exported.body);
  EXPECT_NE(exported.body.find("upstreams:\n  - "), std::string::npos) << exported.body;
  EXPECT_EQ(run_command({APIGW_BINARY, "check", "-c", path}).exit_code, 0) << exported.body;
}

// The code blocks of a markdown file, with their language and first line.
struct Block {
  std::string language;
  std::string text;
  int line = 0;
};

std::vector<Block> code_blocks(const std::string& doc) {
  std::ifstream file(APIGW_SOURCE_DIR + doc);
  EXPECT_TRUE(file) << doc;
  std::vector<Block> blocks;
  std::string line;
  bool inside = false;
  for (int number = 1; std::getline(file, line); ++number) {
    if (!inside && line.starts_with("```")) {
      inside = true;
      blocks.push_back({line.substr(3), "", number});
    } else if (inside && line == "```") {
      inside = false;
    } else if (inside) {
      blocks.back().text += line + "\n";
    }
  }
  return blocks;
}

bool is_whole_toml(const std::string& text) {
  for (const char* table : {"[server]", "[store]", "[[upstreams]]", "[[consumers]]"}) {
    if (text.find(table) != std::string::npos) return true;
  }
  return false;
}

bool is_whole_yaml(const std::string& text) {
  for (const char* key : {"server:", "store:", "upstreams:", "consumers:"}) {
    if (text.rfind(key, 0) == 0 || text.find(std::string("\n") + key) != std::string::npos) {
      return true;
    }
  }
  return false;
}

constexpr const char* kDocs[] = {"/README.md",           "/docs/configuration.md",
                                 "/docs/load-balancing.md", "/docs/resilience.md",
                                 "/docs/entities.md",    "/docs/operations.md",
                                 "/docs/filters.md",     "/docs/config-loading.md",
                                 "/docs/routing.md",     "/docs/websocket.md",
                                 "/docs/observability.md"};

// Every whole TOML config of the docs, converted to YAML, loads to the same effective config;
// and every YAML config the docs show beside a TOML one (the block right after it) is the same
// config.
TEST(YamlConfig, EveryDocsExampleLoadsTheSameFromTomlAndYaml) {
  int converted = 0;
  int shown_in_both = 0;
  for (const char* doc : kDocs) {
    const std::vector<Block> blocks = code_blocks(doc);
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      const Block& block = blocks[i];
      if (block.language == "toml" && is_whole_toml(block.text)) {
        SCOPED_TRACE(std::string(doc) + ":" + std::to_string(block.line));
        TempDir dir;
        const std::string toml_path = dir.write("doc.toml", block.text);
        const std::string yaml_path = dir.path() + "/doc.yaml";
        const auto result = run_command({APIGW_BINARY, "convert", toml_path, "-o", yaml_path});
        ASSERT_EQ(result.exit_code, 0) << result.output;
        EXPECT_EQ(effective_config(yaml_path), effective_config(toml_path));
        ++converted;
        if (i + 1 < blocks.size() && blocks[i + 1].language == "yaml") {
          const std::string shown = dir.write("shown.yaml", blocks[i + 1].text);
          EXPECT_EQ(effective_config(shown), effective_config(toml_path))
              << "the YAML at line " << blocks[i + 1].line << " is not the TOML above it";
          ++shown_in_both;
        }
      } else if (block.language == "yaml" && is_whole_yaml(block.text)) {
        SCOPED_TRACE(std::string(doc) + ":" + std::to_string(block.line));
        TempDir dir;
        const std::string path = dir.write("doc.yaml", block.text);
        const auto result = run_command({APIGW_BINARY, "check", "-c", path});
        EXPECT_EQ(result.exit_code, 0) << result.output;
      }
    }
  }
  EXPECT_GE(converted, 8);
  EXPECT_GE(shown_in_both, 3);
}

}  // namespace
}  // namespace apigw::test
