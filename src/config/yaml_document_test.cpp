#include "config/yaml_document.h"

#include <gtest/gtest.h>

#include <limits>
#include <sstream>

#include "config/effective_config.h"
#include "config/test_support.h"
#include "config/yaml_writer.h"

namespace apigw::config {
namespace {

using testing::all_errors;
using testing::FakeFilterCatalog;
using testing::find_error;
using testing::kMinimalConfig;
using testing::load_text;

struct Parsed {
  bool ok = false;
  toml::table root;
  NodePositions positions;
  YamlError error;
};

Parsed parse(std::string_view text) {
  Parsed parsed;
  parsed.ok = parse_yaml_document(text, "c.yaml", parsed.root, parsed.positions, parsed.error);
  return parsed;
}

LoadResult load_yaml(std::string_view text, Environment env = {}) {
  static const FakeFilterCatalog catalog;
  return load_config_text(text, "test.yaml", env, catalog);
}

TEST(YamlDocument, PlainScalarsAreTypedByTheCoreSchemaAndQuotedOnesAreStrings) {
  const Parsed parsed = parse(R"(
port: 8080
negative: -3
hex: 0x1F
octal: 0o17
ratio: 0.25
exponent: 1e3
tiny: .5
yes_flag: true
no_flag: False
quoted_port: "8080"
single: 'true'
duration: 10s
address: 0.0.0.0:8080
word: yes
version: 1.2
block: |
  two
  lines
)");
  ASSERT_TRUE(parsed.ok) << parsed.error.message;
  const toml::table& root = parsed.root;
  EXPECT_EQ(root["port"].value<std::int64_t>(), 8080);
  EXPECT_EQ(root["negative"].value<std::int64_t>(), -3);
  EXPECT_EQ(root["hex"].value<std::int64_t>(), 31);
  EXPECT_EQ(root["octal"].value<std::int64_t>(), 15);
  EXPECT_EQ(root["ratio"].value<double>(), 0.25);
  EXPECT_EQ(root["exponent"].value<double>(), 1000.0);
  EXPECT_EQ(root["tiny"].value<double>(), 0.5);
  EXPECT_EQ(root["yes_flag"].value<bool>(), true);
  EXPECT_EQ(root["no_flag"].value<bool>(), false);
  EXPECT_EQ(root["quoted_port"].value<std::string>(), "8080");
  EXPECT_EQ(root["single"].value<std::string>(), "true");
  EXPECT_EQ(root["duration"].value<std::string>(), "10s");
  EXPECT_EQ(root["address"].value<std::string>(), "0.0.0.0:8080");
  EXPECT_EQ(root["word"].value<std::string>(), "yes") << "YAML 1.1's yes is a string in 1.2";
  EXPECT_TRUE(root["version"].is_floating_point()) << "as in TOML, 1.2 unquoted is a number";
  EXPECT_EQ(root["block"].value<std::string>(), "two\nlines\n");
}

TEST(YamlDocument, MappingsAndSequencesBecomeTablesAndArrays) {
  const Parsed parsed = parse(R"(
server:
  listen: ["127.0.0.1:8080", "[::1]:8080"]
  timeouts: {idle: 60s}
upstreams:
  - name: backend
    targets:
      - address: 127.0.0.1:9001
        weight: 2
  - name: other
    targets: []
)");
  ASSERT_TRUE(parsed.ok) << parsed.error.message;
  const toml::table& root = parsed.root;
  EXPECT_EQ(root["server"]["listen"][1].value<std::string>(), "[::1]:8080");
  EXPECT_EQ(root["server"]["timeouts"]["idle"].value<std::string>(), "60s");
  const toml::array* upstreams = root["upstreams"].as_array();
  ASSERT_NE(upstreams, nullptr);
  EXPECT_TRUE(upstreams->is_array_of_tables());
  EXPECT_EQ(root["upstreams"][0]["targets"][0]["weight"].value<std::int64_t>(), 2);
  EXPECT_TRUE(root["upstreams"][1]["targets"].as_array()->empty());
}

TEST(YamlDocument, KeysAndValuesKnowTheirLineAndColumn) {
  const Parsed parsed = parse("server:\n  workers: 4\nroutes:\n  - name: r\n    upstream: u\n");
  ASSERT_TRUE(parsed.ok) << parsed.error.message;
  const toml::table& server = *parsed.root["server"].as_table();
  const auto [key, value] = *server.begin();
  EXPECT_EQ(key.source().begin.line, 2u);
  EXPECT_EQ(key.source().begin.column, 3u);
  const SourcePosition& at = parsed.positions.at(&value);
  EXPECT_EQ(at.file, "c.yaml");
  EXPECT_EQ(at.line, 2u);
  EXPECT_EQ(at.column, 12u);
  const toml::node& upstream = *parsed.root["routes"][0]["upstream"].node();
  EXPECT_EQ(parsed.positions.at(&upstream).line, 5u);
  EXPECT_EQ(parsed.positions.at(&upstream).column, 15u);
}

TEST(YamlDocument, WhatAConfigHasNoUseForIsRefusedWithItsPlace) {
  const struct {
    std::string_view text;
    std::uint32_t line, column;
    std::string_view fragment;
  } cases[] = {
      {"server:\n  workers:\n", 2, 3, "must not be null"},
      {"a: ~\n", 1, 1, "must not be null"},
      {"base: &b {x: 1}\nother: *b\n", 1, 7, "anchors"},
      {"a: 1\nb: 2\na: 3\n", 3, 1, "duplicate key 'a'"},
      {"server:\n  workers: 1\n  workers: 2\n", 3, 3, "duplicate key 'workers'"},
      {"mode: 0755\n", 1, 7, "leading zero"},
      {"n: 99999999999999999999\n", 1, 4, "out of range"},
      {"d: !!timestamp 2001-12-14\n", 1, 4, "unsupported tag"},
      {"n: !!int ten\n", 1, 4, "not an integer"},
      {"a: 1\n---\nb: 2\n", 2, 1, "more than one YAML document"},
      {"- a\n- b\n", 1, 1, "must be a mapping"},
      {"just text\n", 1, 1, "must be a mapping"},
      {"? [a, b]\n: 1\n", 1, 3, "a key must be a plain string"},
      {"a: b: c\n", 1, 5, "YAML syntax error: illegal map value"},
      {"a: @x\n", 1, 4, "YAML syntax error: unknown token"},
      {"a: b\n c: d\n", 2, 3, "YAML syntax error"},
  };
  for (const auto& c : cases) {
    const Parsed parsed = parse(c.text);
    SCOPED_TRACE(std::string(c.text));
    ASSERT_FALSE(parsed.ok);
    EXPECT_NE(parsed.error.message.find(c.fragment), std::string::npos) << parsed.error.message;
    EXPECT_EQ(parsed.error.line, c.line) << parsed.error.message;
    EXPECT_EQ(parsed.error.column, c.column) << parsed.error.message;
  }
}

TEST(YamlDocument, AnEmptyDocumentIsAnEmptyConfig) {
  for (const std::string_view text : {"", "# only a comment\n", "---\n", "{}\n"}) {
    const Parsed parsed = parse(text);
    EXPECT_TRUE(parsed.ok) << text << ": " << parsed.error.message;
    EXPECT_TRUE(parsed.root.empty()) << text;
  }
}

TEST(YamlDocument, ItsFileNameDecides) {
  EXPECT_TRUE(is_yaml_file("/etc/apigw/apigw.yaml"));
  EXPECT_TRUE(is_yaml_file("gateway.yml"));
  EXPECT_TRUE(is_yaml_file("GATEWAY.YAML"));
  EXPECT_FALSE(is_yaml_file("apigw.toml"));
  EXPECT_FALSE(is_yaml_file("yaml"));
}

constexpr std::string_view kYamlConfig = R"(server:
  listen: ["127.0.0.1:8080"]
  workers: 1
admin:
  listen: "127.0.0.1:9901"
upstreams:
  - name: backend
    targets:
      - {address: "127.0.0.1:9001", weight: 1}
routes:
  - name: all
    match: {path_prefix: /}
    upstream: backend
)";

TEST(YamlConfig, LoadsToTheSameConfigAsItsToml) {
  const LoadResult yaml = load_yaml(kYamlConfig);
  ASSERT_TRUE(yaml.errors.empty()) << all_errors(yaml);
  const LoadResult toml = load_text(kMinimalConfig);
  ASSERT_TRUE(toml.errors.empty()) << all_errors(toml);
  // Beyond the first line (a comment naming the file), the same.
  const auto body = [](const std::string& text) { return text.substr(text.find('\n')); };
  EXPECT_EQ(body(render_effective_config(*yaml.config, yaml.entities)),
            body(render_effective_config(*toml.config, toml.entities)));
}

TEST(YamlConfig, ErrorsPointAtTheYamlLineAndColumnWithTheSameHints) {
  const LoadResult result = load_yaml(R"(server:
  listn: ["127.0.0.1:8080"]
  workers: two
upstreams:
  - name: backend
    targets: [{address: "127.0.0.1:9001"}]
    connect_timeout: 5 parsecs
routes:
  - name: r
    match: {path_prefix: /}
    upstream: backnd
)");
  const ConfigError* unknown = find_error(result, "unknown key 'listn'");
  ASSERT_NE(unknown, nullptr) << all_errors(result);
  EXPECT_EQ(unknown->to_string().rfind("test.yaml:2:3: ", 0), 0u) << unknown->to_string();
  EXPECT_NE(unknown->message.find("did you mean 'listen'"), std::string::npos);
  const ConfigError* workers = find_error(result, "workers");
  ASSERT_NE(workers, nullptr) << all_errors(result);
  EXPECT_EQ(workers->position.line, 3u);
  EXPECT_EQ(workers->position.column, 12u);
  const ConfigError* timeout = find_error(result, "parsecs");
  ASSERT_NE(timeout, nullptr) << all_errors(result);
  EXPECT_EQ(timeout->position.line, 7u);
  EXPECT_NE(all_errors(result).find("did you mean 'backend'"), std::string::npos);
}

TEST(YamlConfig, EnvironmentOverridesAndVariablesApplyAsToToml) {
  Environment env;
  env.variables["BACKEND"] = "127.0.0.1:9555";
  env.variables["APIGW__SERVER__WORKERS"] = "3";
  std::string text(kYamlConfig);
  text.replace(text.find("127.0.0.1:9001"), 14, "${BACKEND}");
  const LoadResult result = load_yaml(text, env);
  ASSERT_TRUE(result.errors.empty()) << all_errors(result);
  EXPECT_EQ(result.config->server.workers, 3u);
  EXPECT_EQ(result.config->upstreams[0].targets[0].address, "127.0.0.1:9555");
}

TEST(YamlConfig, ASyntaxErrorIsReportedWithItsPlace) {
  const LoadResult result = load_yaml("server:\n  workers: 1\n listen: x\n");
  ASSERT_EQ(result.errors.size(), 1u) << all_errors(result);
  EXPECT_EQ(result.errors[0].position.file, "test.yaml");
  EXPECT_EQ(result.errors[0].position.line, 3u);
  EXPECT_NE(result.errors[0].message.find("YAML syntax error"), std::string::npos);
}

TEST(YamlDocument, NumbersAtTheEdgesOfTheirTypes) {
  const Parsed parsed = parse(
      "min: -9223372036854775808\nmax: 9223372036854775807\nplus: +1\nneg_inf: -.inf\n"
      "big_float: 1e+20\nzero: -0.0\n");
  ASSERT_TRUE(parsed.ok) << parsed.error.message;
  EXPECT_EQ(parsed.root["min"].value<std::int64_t>(), INT64_MIN);
  EXPECT_EQ(parsed.root["max"].value<std::int64_t>(), INT64_MAX);
  EXPECT_EQ(parsed.root["plus"].value<std::int64_t>(), 1);
  EXPECT_EQ(parsed.root["neg_inf"].value<double>(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(parsed.root["big_float"].value<double>(), 1e20);
  for (const std::string_view text : {"n: 9223372036854775808\n", "n: -9223372036854775809\n",
                                      "n: 1e400\n", "n: -1e400\n"}) {
    const Parsed refused = parse(text);
    EXPECT_FALSE(refused.ok) << text;
    EXPECT_NE(refused.error.message.find("out of range"), std::string::npos)
        << text << refused.error.message;
  }
}

// `apigw check --print --format yaml`: the effective config as YAML loads to the same config.
TEST(YamlConfig, TheEffectiveConfigPrintedAsYamlLoadsTheSame) {
  const std::string text = std::string(kMinimalConfig) + R"(
[[server.listeners]]
address = "127.0.0.1:8443"
proxy_protocol = true

[tracing]
otlp_endpoint = "http://127.0.0.1:4318/v1/traces"
sample_ratio = 0.25
headers = { "x-tenant" = "blue" }

[[routes.filters]]
name = "headers"
request_set = { "X-From" = "yaml \"quoted\"" }
)";
  const LoadResult toml = load_text(text);
  ASSERT_TRUE(toml.errors.empty()) << all_errors(toml);
  const std::string yaml =
      render_effective_config(*toml.config, toml.entities, ConfigFormat::yaml);
  const LoadResult again = load_yaml(yaml);
  ASSERT_TRUE(again.errors.empty()) << all_errors(again) << yaml;
  const auto body = [](const std::string& printed) { return printed.substr(printed.find('\n')); };
  EXPECT_EQ(body(render_effective_config(*again.config, again.entities)),
            body(render_effective_config(*toml.config, toml.entities)));
}

// Store mode over a YAML file: the file's sections are parsed once and built again with the
// store's entities; an error in a file section still points at its YAML line.
TEST(YamlConfig, StoreModeKeepsTheFilesPositions) {
  const FileSections sections("server:\n  workers: 1000\nstore:\n  kind: sqlite\n  path: /tmp/x.db\n",
                              "apigw.yaml");
  ASSERT_TRUE(sections.parsed());
  static const FakeFilterCatalog catalog;
  const LoadResult result = load_config_sections(sections, {}, catalog, {});
  const ConfigError* workers = find_error(result, "workers");
  ASSERT_NE(workers, nullptr) << all_errors(result);
  EXPECT_EQ(workers->position.file, "apigw.yaml");
  EXPECT_EQ(workers->position.line, 2u);
  EXPECT_EQ(workers->position.column, 12u);
}

// What the YAML writer writes reads back as the tree it was given, with the strings, keys and
// numbers that a careless writer would let turn into something else.
TEST(YamlWriter, WhatItWritesReadsBackTheSame) {
  const toml::table original = toml::parse(R"(
plain = "text"
number_like = "8080"
bool_like = "yes"
null_like = "~"
empty = ""
quotes = "say \"hi\" \\ bye"
lines = "one\ntwo\ttab"
control = "bell\u0007"
unicode = "café €"
integer = -42
smallest = -9223372036854775808
float = 0.1
infinite = inf
negative_infinite = -inf
not_a_number = nan
huge_exponent = 1e20
negative_zero = -0.0
whole_float = 3.0
huge = 1e300
flag = false
"yes" = 1
"1st" = 2
"a.b" = 3
"content-len'th" = 4
list = ["a", "b"]
empty_list = []
empty_table = {}
[nested.deeper]
x = 1
[[items]]
name = "first"
tags = ["t"]
[[items.children]]
y = [1, 2]
[[items]]
name = "second"
matrix = [[1, 2], ["a"]]
)");
  std::ostringstream out;
  write_yaml(out, original);
  const Parsed parsed = parse(out.str());
  ASSERT_TRUE(parsed.ok) << parsed.error.message << "\n" << out.str();
  EXPECT_EQ(parsed.root, original) << out.str();
}

}  // namespace
}  // namespace apigw::config
