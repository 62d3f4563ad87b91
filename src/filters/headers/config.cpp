#include "filters/headers/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "http/message.h"

namespace apigw::filters::headers {
namespace {

// Headers the gateway writes or strips itself: message framing, connection management, Host (see
// the upstream's host_header) and the forwarding headers. Letting a filter set them would send
// two copies (two Content-Lengths is a smuggling vector); letting it remove them would not work.
constexpr std::array<std::string_view, 14> kManagedHeaders{"connection",
                                                           "content-length",
                                                           "expect",
                                                           "host",
                                                           "keep-alive",
                                                           "proxy-connection",
                                                           "te",
                                                           "trailer",
                                                           "transfer-encoding",
                                                           "upgrade",
                                                           "x-forwarded-for",
                                                           "x-forwarded-host",
                                                           "x-forwarded-proto",
                                                           "x-request-id"};

bool is_managed(std::string_view name) {
  return std::any_of(kManagedHeaders.begin(), kManagedHeaders.end(),
                     [&](std::string_view managed) { return http::iequals(name, managed); });
}

std::string managed_error(std::string_view name) {
  return "header '" + std::string(name) +
         "' is managed by the gateway and cannot be set or removed by a filter";
}

bool is_valid_value(std::string_view value) {
  for (unsigned char c : value) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

void parse_set(config::TableReader& reader, std::string_view key,
               std::vector<pipeline::HeaderSet>& out) {
  const toml::node* found = reader.find(key);
  if (found == nullptr) return;
  const toml::node& node = *found;
  const auto* table = node.as_table();
  if (table == nullptr) {
    reader.error_at(node, "'" + std::string(key) + "' must be a table");
    return;
  }
  for (const auto& [name, value] : *table) {
    const auto* text = value.as_string();
    if (!http::is_token(name.str())) {
      reader.error_at(value, "invalid header name '" + std::string(name.str()) + "'");
    } else if (is_managed(name.str())) {
      reader.error_at(value, managed_error(name.str()));
    } else if (text == nullptr || !is_valid_value(text->get())) {
      reader.error_at(value,
                      "header '" + std::string(name.str()) + "' needs a printable string value");
    } else {
      out.push_back({std::string(name.str()), text->get()});
    }
  }
}

void parse_remove(config::TableReader& reader, std::string_view key,
                  std::vector<std::string>& out) {
  const toml::node* found = reader.find(key);
  if (found == nullptr) return;
  const toml::node& node = *found;
  const auto* array = node.as_array();
  if (array == nullptr) {
    reader.error_at(node, "'" + std::string(key) + "' must be an array");
    return;
  }
  for (const auto& element : *array) {
    const auto* text = element.as_string();
    if (text == nullptr || !http::is_token(text->get())) {
      reader.error_at(element, "'" + std::string(key) + "' entries must be header names");
    } else if (is_managed(text->get())) {
      reader.error_at(element, managed_error(text->get()));
    } else {
      out.push_back(text->get());
    }
  }
}

}  // namespace

std::optional<HeadersConfig> parse_config(config::TableReader& reader) {
  reader.known_keys({"request_set", "request_remove", "response_set", "response_remove"});
  HeadersConfig parsed;
  parse_set(reader, "request_set", parsed.request.set);
  parse_remove(reader, "request_remove", parsed.request.remove);
  parse_set(reader, "response_set", parsed.response.set);
  parse_remove(reader, "response_remove", parsed.response.remove);
  if (!reader.ok()) return std::nullopt;
  return parsed;
}

}  // namespace apigw::filters::headers
