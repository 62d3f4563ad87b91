// Shared by config/*_test.cpp: a filter catalog that knows one filter, the minimal config, and
// helpers to load text and find errors.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/loader.h"
#include "config/reader.h"

namespace apigw::config::testing {

// Knows only "headers"; parses nothing and returns a marker, so tests can see the loader stored it.
class FakeFilterCatalog final : public FilterCatalog {
 public:
  std::vector<std::string> filter_names() const override { return {"headers"}; }
  std::shared_ptr<const void> parse_filter(std::string_view name,
                                           TableReader& /*entry*/) const override {
    parsed_names.emplace_back(name);
    return std::make_shared<int>(42);
  }
  mutable std::vector<std::string> parsed_names;
};

inline constexpr std::string_view kMinimalConfig = R"(
[server]
listen = ["127.0.0.1:8080"]
workers = 1

[admin]
listen = "127.0.0.1:9901"

[[upstreams]]
name = "backend"
targets = [{ address = "127.0.0.1:9001", weight = 1 }]

[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "backend"
)";

// `head` (listener tables, say) followed by an admin listener, one upstream and one route, so
// that line numbers in errors count from `head`'s first line.
inline std::string with_minimal_rest(std::string_view head) {
  return std::string(head) + R"(
[admin]
listen = "127.0.0.1:9901"

[[upstreams]]
name = "backend"
targets = [{ address = "127.0.0.1:9001" }]

[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "backend"
)";
}

// A ```toml block of a Markdown file and the line it starts on.
struct TomlBlock {
  int line = 0;
  std::string text;
};

// Every ```toml block of the Markdown file at `path` (empty when it cannot be read).
inline std::vector<TomlBlock> toml_blocks(const std::string& path) {
  std::vector<TomlBlock> blocks;
  std::ifstream doc(path);
  std::string line;
  bool inside = false;
  for (int number = 1; std::getline(doc, line); ++number) {
    if (!inside && line == "```toml") {
      inside = true;
      blocks.push_back({number, ""});
    } else if (inside && line == "```") {
      inside = false;
    } else if (inside) {
      blocks.back().text += line + "\n";
    }
  }
  return blocks;
}

inline LoadResult load_text(std::string_view text, Environment env = {}) {
  static const FakeFilterCatalog catalog;
  return load_config_text(text, "test.toml", env, catalog);
}

// The minimal config followed by `extra` (more tables or array elements).
inline LoadResult load_minimal_plus(std::string_view extra, Environment env = {}) {
  return load_text(std::string(kMinimalConfig) + std::string(extra), std::move(env));
}

inline std::string all_errors(const LoadResult& result) {
  std::string text;
  for (const auto& error : result.errors) text += error.to_string() + "\n";
  return text;
}

// The first error whose message contains `fragment`, or nullptr.
inline const ConfigError* find_error(const LoadResult& result, std::string_view fragment) {
  for (const auto& error : result.errors) {
    if (error.message.find(fragment) != std::string::npos) return &error;
  }
  return nullptr;
}

}  // namespace apigw::config::testing
