// YAML config files: the same schema as TOML, read into the same tree.
//
// A YAML document is turned into the toml::table a TOML file parses to, so that everything after
// parsing — ${VAR} interpolation, APIGW__ overrides, the schema's readers and their messages,
// validation, reload — is one code path for both formats. toml++ lets no one but its parser set a
// value's source position, so the YAML reader hands back the positions beside the tree (keys do
// carry theirs: toml::key takes a source region).
//
// What YAML allows and a config does not have is refused with its line and column rather than
// guessed at: null values, anchors and aliases (they also keep "billion laughs" out), duplicate
// keys (yaml-cpp 0.7 does not see them), keys that are not scalars, tags other than the core
// schema's, and more than one document. Plain scalars are typed by the YAML 1.2 core schema
// (true/false, integers, floats, everything else a string: `10s`, `yes`, `0.0.0.0:8080`); quoted
// and block scalars are always strings.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <toml++/toml.h>

#include "config/schema.h"

namespace apigw::config {

// Where each value of a YAML tree is (tables and arrays included), by node.
using NodePositions = std::unordered_map<const toml::node*, SourcePosition>;

struct YamlError {
  std::uint32_t line = 0;  // 1-based, as toml++ counts
  std::uint32_t column = 0;
  std::string message;
};

// Parses `text` (named `source_name` in positions). False with `error` set when it is not a
// YAML document apigw reads; `root` and `positions` are then unspecified.
bool parse_yaml_document(std::string_view text, const std::string& source_name, toml::table& root,
                         NodePositions& positions, YamlError& error);

// Whether a config file is YAML, by its name: ".yaml" or ".yml", in any case (anything else is
// TOML).
bool is_yaml_file(std::string_view path);

}  // namespace apigw::config
