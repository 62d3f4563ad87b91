#include "config/toml_writer.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace apigw::config {
namespace {

std::string written(const toml::table& table) {
  std::ostringstream out;
  write_toml(out, table);
  return out.str();
}

// What write_toml prints must parse back to the same tree, whatever the keys hold.
void expect_round_trip(const toml::table& table) {
  const std::string text = written(table);
  toml::table parsed;
  try {
    parsed = toml::parse(text);
  } catch (const toml::parse_error& error) {
    FAIL() << "does not parse back: " << error.description() << "\n" << text;
  }
  EXPECT_EQ(parsed, table) << text;
}

TEST(TomlWriter, KeysThatAreNotBareAreQuoted) {
  // ' is where toml++ 3.3.0's own formatter goes wrong (it prints content-len'th bare).
  toml::table table{{"content-len'th", "1"},  {"plain-key_9", 2},    {"with space", 3},
                    {"dot.ted", 4},           {"quote\"d", 5},       {"", 6},
                    {"tab\there", 7},         {"caf\xC3\xA9", 8},    {"both'\"", 9}};
  const std::string text = written(table);
  EXPECT_NE(text.find("\"content-len'th\" = '1'"), std::string::npos) << text;
  EXPECT_NE(text.find("\nplain-key_9 = 2"), std::string::npos) << text;
  EXPECT_NE(text.find("'dot.ted' = 4"), std::string::npos) << text;
  expect_round_trip(table);
}

TEST(TomlWriter, NestedTablesAndArraysOfTablesKeepTheirQuotedPaths) {
  toml::table target{{"address", "127.0.0.1:8080"}, {"x'y", 1}};
  toml::array targets;
  targets.push_back(target);
  targets.push_back(toml::table{{"address", "127.0.0.2:8080"}});
  toml::table headers{{"x-'b", "2"}, {"x-a", "1"}};
  toml::table config{{"response_set", headers}};
  toml::table entity{{"name", "hdr"}, {"config", config}, {"targets", targets}};
  toml::array plugins;
  plugins.push_back(entity);
  toml::table root{{"plugins", plugins}};
  const std::string text = written(root);
  EXPECT_EQ(text,
            "[[plugins]]\n"
            "name = 'hdr'\n"
            "\n"
            "    [plugins.config]\n"
            "\n"
            "        [plugins.config.response_set]\n"
            "        \"x-'b\" = '2'\n"
            "        x-a = '1'\n"
            "\n"
            "    [[plugins.targets]]\n"
            "    address = '127.0.0.1:8080'\n"
            "    \"x'y\" = 1\n"
            "\n"
            "    [[plugins.targets]]\n"
            "    address = '127.0.0.2:8080'");
  expect_round_trip(root);
}

TEST(TomlWriter, ArraysInsideArraysAndEmptyContainersAreWrittenInline) {
  toml::array inner_tables;
  inner_tables.push_back(toml::table{{"k'", 1}});
  toml::array outer;
  outer.push_back(inner_tables);
  outer.push_back(toml::array{});
  toml::table root{{"nested", outer},
                   {"empty_list", toml::array{}},
                   {"mixed", toml::array{1, "two", 3.5, true}}};
  root.insert_or_assign("empty_table", toml::table{});
  const std::string text = written(root);
  EXPECT_NE(text.find("nested = [ [ { \"k'\" = 1 } ], [] ]"), std::string::npos) << text;
  EXPECT_NE(text.find("empty_list = []"), std::string::npos) << text;
  EXPECT_NE(text.find("mixed = [ 1, 'two', 3.5, true ]"), std::string::npos) << text;
  expect_round_trip(root);
}

}  // namespace
}  // namespace apigw::config
