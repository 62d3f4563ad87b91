// Fuzzes the whole config load: TOML text -> ${VAR} interpolation -> schema structs (with every
// filter's and handler's own parser, through the real catalog) -> validation -> the parts of a
// snapshot that are compiled from the config (router, rewrites, filter chains, handlers).
// An error must come back as an error: no crash, and no exception, which libFuzzer reports as a
// crash when it escapes. A config that validates must compile (the snapshot builder throws on
// what validation should have refused), and its entities, exported and loaded back as a store
// would hold them, must validate again.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/entity_document.h"
#include "config/loader.h"
#include "fuzz_check.h"
#include "snapshot_parts.h"

using apigw::fuzz::catalog;

namespace {

// Variables a config may interpolate; nothing named APIGW__ (overrides would apply to every input).
const apigw::config::Environment& environment() {
  static const apigw::config::Environment env{
      .variables = {{"BACKEND", "127.0.0.1:9001"}, {"TOKEN", "0123456789abcdef0123456789abcdef"}}};
  return env;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const apigw::config::LoadResult result =
      apigw::config::load_config_text(text, "fuzz.toml", environment(), catalog());
  FUZZ_CHECK(result.config.has_value() == result.errors.empty());
  for (const auto& error : result.errors) {
    FUZZ_CHECK(!error.message.empty());
    FUZZ_CHECK(!error.to_string().empty());
  }
  if (!result.config) return 0;
  apigw::fuzz::compile_like_a_snapshot(*result.config);

  // Store mode: the same file with its entities as a store would return them after an import.
  std::vector<apigw::config::Entity> stored;
  std::vector<apigw::config::ConfigError> import_errors;
  const std::string exported = apigw::config::export_toml(result.entities);
  FUZZ_CHECK(
      apigw::config::parse_entities_document(exported, /*is_toml=*/true, stored, import_errors));
  FUZZ_CHECK(stored.size() == result.entities.size());
  for (std::size_t i = 0; i < stored.size(); ++i) {
    FUZZ_CHECK(stored[i].same_content(result.entities[i]));
  }
  const apigw::config::LoadResult again =
      apigw::config::load_config_text(text, "fuzz.toml", environment(), catalog(), &stored);
  FUZZ_CHECK(again.errors.empty());
  FUZZ_CHECK(again.config->routes.size() == result.config->routes.size());
  FUZZ_CHECK(again.config->upstreams.size() == result.config->upstreams.size());
  return 0;
}
