#include "handlers/header_names.h"

#include <toml++/toml.h>

#include "http/message.h"

namespace apigw::handlers {
namespace {

bool is_managed(std::string_view name) {
  for (std::string_view managed : {"connection", "content-length", "transfer-encoding",
                                   "keep-alive", "x-request-id", "date", "content-type"}) {
    if (http::iequals(name, managed)) return true;
  }
  return false;
}

}  // namespace

bool is_valid_header_value(std::string_view value) {
  for (unsigned char c : value) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

void read_response_headers(config::TableReader& reader, std::string_view key,
                           std::vector<pipeline::HeaderSet>& out) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!reader.read_string_table(key, headers)) return;
  for (auto& [name, value] : headers) {
    if (!http::is_token(name) || is_managed(name)) {
      reader.error(key, "'" + std::string(key) + "' cannot set '" + name +
                            "' (not a header name, or written by the gateway itself; use "
                            "content_type for Content-Type)");
    } else if (!is_valid_header_value(value)) {
      reader.error(key, "header '" + name + "' needs a printable value");
    } else {
      out.push_back({std::move(name), std::move(value)});
    }
  }
}

}  // namespace apigw::handlers
