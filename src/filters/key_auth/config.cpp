#include "filters/key_auth/config.h"

#include <cctype>

#include "http/message.h"

namespace apigw::filters::key_auth {
std::optional<KeyAuthConfig> parse_config(config::TableReader& reader) {
  reader.known_keys({"header", "hide_credentials"});
  KeyAuthConfig parsed;
  if (std::string header; reader.read_string("header", header)) {
    std::string lower = header;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!http::is_token(header)) {
      reader.error("header", "key_auth 'header' must be a header name");
    } else if (lower == "host" || lower == "content-length" || lower == "transfer-encoding" ||
               lower == "connection") {
      reader.error("header", "key_auth 'header' cannot be '" + lower + "' (managed by HTTP)");
    } else {
      parsed.header = std::move(lower);
    }
  }
  reader.read_bool("hide_credentials", parsed.hide_credentials);
  if (!reader.ok()) return std::nullopt;
  return parsed;
}

}  // namespace apigw::filters::key_auth
