#include "h2/field_rules.h"

#include "http/head_lines.h"
#include "http/message.h"

namespace apigw::h2 {

bool is_valid_field_value(std::string_view value) {
  if (!http::detail::is_field_value(value)) return false;
  return value.empty() ||
         (!http::detail::is_ows(value.front()) && !http::detail::is_ows(value.back()));
}

bool is_valid_field_name(std::string_view name) {
  if (!http::is_token(name)) return false;
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') return false;
  }
  return true;
}

bool parse_content_length(std::string_view text, std::uint64_t& out) {
  if (text.empty() || text.size() > 19) return false;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = value;
  return true;
}

bool is_connection_specific(http::Field field) {
  switch (field) {
    case http::Field::connection:
    case http::Field::keep_alive:
    case http::Field::proxy_connection:
    case http::Field::transfer_encoding:
    case http::Field::upgrade:
      return true;
    default:
      return false;
  }
}

}  // namespace apigw::h2
