// Fuzzes YAML config files: YAML text -> the config tree (config/yaml_document.h) -> the whole
// load (the same passes as TOML). Whatever the text, an error comes back as an error with a
// place, never a crash or an escaping exception (yaml-cpp throws on bad input; the reader must
// catch it all). A document that parses must write back (config/yaml_writer.h) to YAML that
// parses to the same tree.
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "config/loader.h"
#include "config/yaml_document.h"
#include "config/yaml_writer.h"
#include "fuzz_check.h"
#include "snapshot_parts.h"

using apigw::fuzz::catalog;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  toml::table root;
  apigw::config::NodePositions positions;
  apigw::config::YamlError error;
  if (!apigw::config::parse_yaml_document(text, "fuzz.yaml", root, positions, error)) {
    FUZZ_CHECK(!error.message.empty());
    return 0;
  }
  std::ostringstream written;
  apigw::config::write_yaml(written, root);
  toml::table again;
  apigw::config::NodePositions again_positions;
  FUZZ_CHECK(apigw::config::parse_yaml_document(written.str(), "again.yaml", again,
                                                again_positions, error));
  FUZZ_CHECK(again == root);  // toml++ compares NaN values equal

  const apigw::config::LoadResult result =
      apigw::config::load_config_text(text, "fuzz.yaml", {}, catalog());
  FUZZ_CHECK(result.config.has_value() == result.errors.empty());
  for (const auto& load_error : result.errors) FUZZ_CHECK(!load_error.message.empty());
  if (result.config) apigw::fuzz::compile_like_a_snapshot(*result.config);
  return 0;
}
