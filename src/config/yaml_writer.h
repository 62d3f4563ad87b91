// Writes a config tree (what a TOML or YAML file parses to) as YAML that parse_yaml_document
// reads back to the same tree: `apigw convert` and `apigw check --print --format yaml`.
//
// Block style for tables and for arrays holding tables (`routes:` then `- name: ...`), flow style
// for arrays of plain values (`listen: ["0.0.0.0:8080"]`); strings always double-quoted, so that
// no string reads back as a number, a boolean or null (`"8080"`, `"yes"`, `"~"`), in this reader
// or in any other; keys plain where every YAML reader takes them as strings.
#pragma once

#include <iosfwd>

#include <toml++/toml.h>

namespace apigw::config {

void write_yaml(std::ostream& out, const toml::table& root);

}  // namespace apigw::config
