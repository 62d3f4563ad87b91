// `apigw check --print`: the config as the gateway runs it — every key with its value after
// defaults, ${VAR} interpolation and APIGW__* environment overrides — as TOML that `apigw check`
// accepts again (or the same as YAML). Filter and handler settings are printed as written (each filter parses its own
// settings, and only it knows its defaults). Secrets (the admin token, passwords in URLs and
// [redis], [tracing] header values) are replaced by "(redacted-secret)".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/entity.h"
#include "config/schema.h"

namespace apigw::config {

enum class ConfigFormat : std::uint8_t { toml, yaml };

// `entities`: the load's entities (LoadResult::entities), for the filters' settings as written.
// `format`: TOML, or YAML (config/yaml_writer.h) that loads the same.
std::string render_effective_config(const Config& config, const std::vector<Entity>& entities,
                                    ConfigFormat format = ConfigFormat::toml);

// A URL fit to print or log: the password of its userinfo and the value of a `password` query
// parameter (libpq's) replaced by "(redacted-secret)".
std::string redact_url_secrets(const std::string& url);

}  // namespace apigw::config
