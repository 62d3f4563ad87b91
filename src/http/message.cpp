#include "http/message.h"

#include <algorithm>

#include "http/head_lines.h"

namespace apigw::http {
namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

}  // namespace

void RequestHead::clear() {
  // Field by field rather than `*this = {}` so that `headers` keeps its capacity.
  method_text = {};
  method = Method::other;
  target = {};
  path = {};
  query = {};
  has_query = false;
  version_minor = 1;
  protocol = Protocol::http1;
  headers.clear();
  framing = BodyFraming::none;
  content_length = 0;
  keep_alive = true;
  connection = {};
  expect_continue = false;
  host = {};
  head_bytes = 0;
}

void ResponseHead::clear() {
  status = 0;
  reason = {};
  version_minor = 1;
  headers.clear();
  framing = BodyFraming::none;
  content_length = 0;
  keep_alive = true;
  connection = {};
  head_bytes = 0;
}

namespace {

std::string_view rebased(std::string_view view, const char* from, std::size_t size,
                         const char* to) {
  if (view.data() < from || view.data() >= from + size) return view;
  return {to + (view.data() - from), view.size()};
}

}  // namespace

void RequestHead::rebase(const char* from, std::size_t size, const char* to) {
  method_text = rebased(method_text, from, size, to);
  target = rebased(target, from, size, to);
  path = rebased(path, from, size, to);
  query = rebased(query, from, size, to);
  host = rebased(host, from, size, to);
  for (Header& header : headers) {
    header.name = rebased(header.name, from, size, to);
    header.value = rebased(header.value, from, size, to);
  }
}

std::optional<std::string_view> cookie_value(const std::vector<Header>& headers,
                                             std::string_view name) {
  for (const auto& header : headers) {
    if (header.field != Field::cookie) continue;
    std::string_view rest = header.value;
    while (!rest.empty()) {
      const std::size_t end = rest.find(';');
      std::string_view pair = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
      while (!pair.empty() && (pair.back() == ' ' || pair.back() == '\t')) pair.remove_suffix(1);
      const std::size_t equals = pair.find('=');
      if (equals != std::string_view::npos && pair.substr(0, equals) == name) {
        return pair.substr(equals + 1);
      }
    }
  }
  return std::nullopt;
}

std::string_view find_cookie(const std::vector<Header>& headers, std::string_view name) {
  return cookie_value(headers, name).value_or(std::string_view());
}

std::string_view find_header(const std::vector<Header>& headers, std::string_view name) {
  for (const Header& header : headers) {
    if (iequals(header.name, name)) return header.value;
  }
  return {};
}

std::string_view find_header(const std::vector<Header>& headers, Field field) {
  for (const Header& header : headers) {
    if (header.field == field) return header.value;
  }
  return {};
}

bool is_token(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return detail::is_token_char(c); });
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i] && ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

bool is_hop_by_hop(const Header& header, const ConnectionOptions& connection,
                   const std::vector<Header>& headers) {
  if (is_hop_by_hop(header.field)) return true;
  if (header.field != Field::other) return (connection.fields & field_bit(header.field)) != 0;
  if (connection.close && iequals(header.name, "close")) return true;
  if (!connection.names_other_fields) return false;
  for (const Header& listing : headers) {
    if (listing.field == Field::connection && list_contains_token(listing.value, header.name))
      return true;
  }
  return false;
}

bool list_contains_token(std::string_view list, std::string_view token) {
  return for_each_list_element(
      list, [token](std::string_view element) { return iequals(element, token); });
}

Method parse_method(std::string_view text) {
  // Methods are case-sensitive (RFC 9110 §9.1): "get" is an unknown method, not GET.
  switch (text.size()) {
    case 3:
      if (text == "GET") return Method::get;
      if (text == "PUT") return Method::put;
      break;
    case 4:
      if (text == "POST") return Method::post;
      if (text == "HEAD") return Method::head;
      break;
    case 5:
      if (text == "PATCH") return Method::patch;
      if (text == "TRACE") return Method::trace;
      break;
    case 6:
      if (text == "DELETE") return Method::del;
      break;
    case 7:
      if (text == "OPTIONS") return Method::options;
      if (text == "CONNECT") return Method::connect;
      break;
    default:
      break;
  }
  return Method::other;
}

}  // namespace apigw::http
