#include "filters/key_auth/config.h"

#include <toml++/toml.h>

#include <cctype>

#include "http/message.h"

namespace apigw::filters::key_auth {
std::optional<KeyAuthConfig> parse_config(const toml::table& entry,
                                          const config::PositionOf& position_of,
                                          std::vector<config::ConfigError>& errors) {
  auto parsed = std::make_optional<KeyAuthConfig>();
  const std::size_t errors_before = errors.size();
  for (const auto& [key, value] : entry) {
    const std::string_view name = key.str();
    if (name == "name") continue;
    if (name == "header") {
      const auto* text = value.as_string();
      if (text == nullptr || !http::is_token(text->get())) {
        errors.push_back({position_of(value), "key_auth 'header' must be a header name"});
        continue;
      }
      std::string lower = text->get();
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "host" || lower == "content-length" || lower == "transfer-encoding" ||
          lower == "connection") {
        errors.push_back(
            {position_of(value), "key_auth 'header' cannot be '" + lower + "' (managed by HTTP)"});
        continue;
      }
      parsed->header = std::move(lower);
    } else if (name == "hide_credentials") {
      const auto* flag = value.as_boolean();
      if (flag == nullptr) {
        errors.push_back({position_of(value), "key_auth 'hide_credentials' must be true or false"});
        continue;
      }
      parsed->hide_credentials = flag->get();
    } else {
      errors.push_back({position_of(value), "unknown key '" + std::string(name) +
                                                "' in the key_auth filter (header, "
                                                "hide_credentials)"});
    }
  }
  if (errors.size() != errors_before) return std::nullopt;
  return parsed;
}

}  // namespace apigw::filters::key_auth
