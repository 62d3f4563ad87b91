// Config of the "key_auth" filter: requests must carry an API key of a consumer (a credential of
// type "api_key", docs/entities.md) in a header.
//   filters = [{ name = "key_auth", header = "x-api-key", hide_credentials = true }]
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/loader.h"
#include "config/reader.h"

namespace apigw::filters::key_auth {

struct KeyAuthConfig {
  std::string header = "x-api-key";  // lower-case
  bool hide_credentials = true;      // remove the key before the request goes upstream
};

std::optional<KeyAuthConfig> parse_config(config::TableReader& reader);

}  // namespace apigw::filters::key_auth
