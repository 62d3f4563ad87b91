#include "admin/admin_http.h"

#include <boost/json.hpp>
#include <cctype>
#include <cstring>

#include "admin/json_text.h"
#include "http/error_body.h"
#include "http/message.h"
#include "http/parser.h"
#include "http/path.h"

namespace apigw::admin {
namespace json = boost::json;
using namespace server;

namespace {

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && http::hex_digit_value(text[i + 1]) >= 0 &&
        http::hex_digit_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(http::hex_digit_value(text[i + 1]) * 16 +
                                      http::hex_digit_value(text[i + 2])));
      i += 2;
    } else if (plus_is_space && text[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t equals = pair.find('=');
    out.emplace_back(percent_decode(pair.substr(0, equals), true),
                     equals == pair.npos ? "" : percent_decode(pair.substr(equals + 1), true));
    if (amp == query.npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

// Drops the first n bytes of what was read; the rest (a pipelined next request) moves to the front.
void consume(AdminInput& input, std::size_t n) {
  std::memmove(input.buffer.data(), input.buffer.data() + n, input.filled - n);
  input.filled -= n;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

}  // namespace

std::string_view AdminRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

std::optional<std::string> AdminRequest::param(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return std::nullopt;
}

awaitable<std::optional<AdminRequest>> read_admin_request(
    tcp_socket& socket, AdminInput& input, AdminResponse& refusal,
    const std::function<std::optional<AdminResponse>(const AdminRequest&)>& check_head) {
  std::string& buffer = input.buffer;
  std::size_t& filled = input.filled;
  http::RequestHead head;
  for (;;) {
    if (filled > 0) {
      const auto result = http::parse_request_head({buffer.data(), filled}, {}, head);
      if (result.status == http::ParseStatus::complete) break;
      if (result.status == http::ParseStatus::error) {
        refusal = error_response(result.error.status, result.error.code, result.error.message);
        co_return std::nullopt;
      }
    }
    if (filled == buffer.size()) {
      refusal = error_response(431, "header_too_large", "request head too large");
      co_return std::nullopt;
    }
    auto [ec, n] = co_await socket.async_read_some(
        net::buffer(buffer.data() + filled, buffer.size() - filled), use_nothrow);
    if (ec) co_return std::nullopt;
    filled += n;
  }
  AdminRequest request;
  // Keep-alive for HTTP/1.1 only: the answer is HTTP/1.1 without "Connection: keep-alive".
  request.keep_alive = head.keep_alive && head.version_minor == 1;
  request.method = std::string(head.method_text);
  request.path = percent_decode(head.path, false);
  request.query = parse_query(head.query);
  for (const auto& header : head.headers) {
    request.headers.emplace_back(lower(header.name), std::string(header.value));
  }
  if (auto refused = check_head(request)) {
    refusal = std::move(*refused);
    co_return std::nullopt;
  }
  if (head.framing == http::BodyFraming::chunked) {
    refusal = error_response(411, "length_required", "send the body with a Content-Length");
    co_return std::nullopt;
  }
  if (head.framing == http::BodyFraming::content_length) {
    if (head.content_length > kMaxAdminBody) {
      refusal = error_response(
          413, "body_too_large",
          "admin request bodies are limited to " + std::to_string(kMaxAdminBody >> 20) + " MiB");
      co_return std::nullopt;
    }
    if (head.expect_continue) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      co_await net::async_write(socket, net::buffer(kContinue), use_nothrow);
    }
    const std::size_t wanted = static_cast<std::size_t>(head.content_length);
    const std::size_t buffered = std::min(filled - head.head_bytes, wanted);
    request.body.assign(buffer.data() + head.head_bytes, buffered);
    consume(input, head.head_bytes + buffered);
    // Grown as the bytes arrive, not by the announced length at once.
    while (request.body.size() < wanted) {
      auto [ec, n] = co_await socket.async_read_some(
          net::buffer(buffer.data(), std::min(buffer.size(), wanted - request.body.size())),
          use_nothrow);
      if (ec) co_return std::nullopt;
      request.body.append(buffer.data(), n);
    }
  } else {
    consume(input, head.head_bytes);
  }
  co_return request;
}

std::vector<ErrorDetail> details_of(const std::vector<config::ConfigError>& errors) {
  std::vector<ErrorDetail> details;
  for (const auto& error : errors) {
    const std::string where = error.position.line != 0
                                  ? error.position.file + ":" + std::to_string(error.position.line)
                                  : error.position.file;
    details.push_back({where, error.position.field, error.message});
  }
  return details;
}

std::string serialize_response(const AdminResponse& response, bool keep_alive) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " ";
  out.append(http::reason_phrase(response.status));
  if (!response.body.empty() || response.status != 204) {
    out.append("\r\nContent-Type: ").append(response.content_type);
  }
  for (const auto& [name, value] : response.headers) {
    out.append("\r\n").append(name).append(": ").append(value);
  }
  out.append("\r\nContent-Length: ").append(std::to_string(response.body.size()));
  out.append(keep_alive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n").append(response.body);
  return out;
}

AdminResponse json_response(int status, const json::value& body) {
  AdminResponse response;
  response.status = status;
  response.body = json_text(body);
  response.body.push_back('\n');
  return response;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~' || c == ':') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    }
  }
  return out;
}

AdminResponse error_response(int status, std::string_view code, std::string_view message,
                             const std::vector<ErrorDetail>& details) {
  json::object error;
  error["status"] = status;
  error["code"] = code;
  error["message"] = message;
  if (!details.empty()) {
    json::array list;
    for (const auto& detail : details) {
      json::object item;
      if (!detail.entity.empty()) item["entity"] = detail.entity;
      item["field"] = detail.field;
      item["message"] = detail.message;
      list.push_back(std::move(item));
    }
    error["details"] = std::move(list);
  }
  json::object root;
  root["error"] = std::move(error);
  return json_response(status, root);
}

}  // namespace apigw::admin
