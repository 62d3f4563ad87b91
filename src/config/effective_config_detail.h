// The parts of render_effective_config (effective_config.h) shared by its two files: the
// top-level sections (effective_config.cpp) and the entities (effective_entities.cpp).
#pragma once

#include <toml++/toml.h>

#include <string>
#include <vector>

#include "config/entity.h"
#include "config/schema.h"

namespace apigw::config::detail {

// Long enough to pass the checks of a token, so that the printout still loads.
inline constexpr const char* kRedacted = "(redacted-secret)";

// "30s", "250ms", "5m", "2h": the largest unit that divides the value.
std::string duration_text(Duration duration);
toml::array string_array(const std::vector<std::string>& values);
// Whether a URL's userinfo has a password (scheme://user:password@host).
bool url_has_password(const std::string& url);
std::string version_text(ListenerTlsConfig::Version version);

// The [[upstreams]], [[routes]], [[consumers]], [[credentials]], [[plugins]] and
// [[rate_limits]] arrays, added to `root`.
void add_effective_entities(const Config& config, const std::vector<Entity>& entities,
                            toml::table& root);

}  // namespace apigw::config::detail
