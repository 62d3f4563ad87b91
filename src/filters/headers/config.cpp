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

void parse_set(const toml::node& node, std::string_view key, const config::PositionOf& position_of,
               std::vector<pipeline::HeaderSet>& out, std::vector<config::ConfigError>& errors) {
  const auto* table = node.as_table();
  if (table == nullptr) {
    errors.push_back({position_of(node), "'" + std::string(key) + "' must be a table"});
    return;
  }
  for (const auto& [name, value] : *table) {
    const auto* text = value.as_string();
    if (!http::is_token(name.str())) {
      errors.push_back(
          {position_of(value), "invalid header name '" + std::string(name.str()) + "'"});
    } else if (is_managed(name.str())) {
      errors.push_back({position_of(value), managed_error(name.str())});
    } else if (text == nullptr || !is_valid_value(text->get())) {
      errors.push_back({position_of(value),
                        "header '" + std::string(name.str()) + "' needs a printable string value"});
    } else {
      out.push_back({std::string(name.str()), text->get()});
    }
  }
}

void parse_remove(const toml::node& node, std::string_view key,
                  const config::PositionOf& position_of, std::vector<std::string>& out,
                  std::vector<config::ConfigError>& errors) {
  const auto* array = node.as_array();
  if (array == nullptr) {
    errors.push_back({position_of(node), "'" + std::string(key) + "' must be an array"});
    return;
  }
  for (const auto& element : *array) {
    const auto* text = element.as_string();
    if (text == nullptr || !http::is_token(text->get())) {
      errors.push_back(
          {position_of(element), "'" + std::string(key) + "' entries must be header names"});
    } else if (is_managed(text->get())) {
      errors.push_back({position_of(element), managed_error(text->get())});
    } else {
      out.push_back(text->get());
    }
  }
}

}  // namespace

std::optional<HeadersConfig> parse_config(const toml::table& entry,
                                          const config::PositionOf& position_of,
                                          std::vector<config::ConfigError>& errors) {
  auto parsed = std::make_optional<HeadersConfig>();
  const std::size_t errors_before = errors.size();
  for (const auto& [key, value] : entry) {
    const std::string_view name = key.str();
    if (name == "name") continue;
    if (name == "request_set") {
      parse_set(value, name, position_of, parsed->request.set, errors);
    } else if (name == "request_remove") {
      parse_remove(value, name, position_of, parsed->request.remove, errors);
    } else if (name == "response_set") {
      parse_set(value, name, position_of, parsed->response.set, errors);
    } else if (name == "response_remove") {
      parse_remove(value, name, position_of, parsed->response.remove, errors);
    } else {
      errors.push_back({position_of(value),
                        "unknown key '" + std::string(name) +
                            "' in headers filter (request_set, request_remove, response_set, "
                            "response_remove)"});
    }
  }
  if (errors.size() != errors_before) return std::nullopt;
  return parsed;
}

}  // namespace apigw::filters::headers
