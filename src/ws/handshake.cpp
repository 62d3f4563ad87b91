#include "ws/handshake.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>

namespace apigw::ws {
namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// 16 bytes in base64: 22 characters, the last of which holds only 2 bits of data, then "==".
bool is_valid_key(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==") return false;
  if (!std::all_of(key.begin(), key.begin() + 22, is_base64_char)) return false;
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  return (kAlphabet.find(key[21]) & 0x0f) == 0;
}

std::size_t count_fields(const std::vector<http::Header>& headers, std::string_view name) {
  return static_cast<std::size_t>(std::count_if(
      headers.begin(), headers.end(),
      [name](const http::Header& header) { return http::iequals(header.name, name); }));
}

bool asks_for_websocket(const std::vector<http::Header>& headers,
                        const http::ConnectionOptions& connection) {
  if ((connection.fields & http::field_bit(http::Field::upgrade)) == 0) return false;
  return std::any_of(headers.begin(), headers.end(), [](const http::Header& header) {
    return header.field == http::Field::upgrade &&
           http::list_contains_token(header.value, "websocket");
  });
}

}  // namespace

Upgrade check_upgrade(const http::RequestHead& request) {
  if (!asks_for_websocket(request.headers, request.connection)) return Upgrade::none;
  if (request.method != http::Method::get || request.version_minor != 1 || request.has_body()) {
    return Upgrade::bad_request;
  }
  if (count_fields(request.headers, "sec-websocket-key") != 1 ||
      !is_valid_key(upgrade_key(request))) {
    return Upgrade::bad_request;
  }
  // Required (§4.1); one that is there but not 13 gets 426 and the version we speak (§4.4).
  if (count_fields(request.headers, "sec-websocket-version") != 1) return Upgrade::bad_request;
  if (http::find_header(request.headers, "sec-websocket-version") != "13") {
    return Upgrade::bad_version;
  }
  return Upgrade::valid;
}

std::string_view upgrade_key(const http::RequestHead& request) {
  return http::find_header(request.headers, "sec-websocket-key");
}

std::string accept_key(std::string_view key) {
  std::string input(key);
  input += kGuid;
  unsigned char digest[SHA_DIGEST_LENGTH];
  unsigned int size = 0;
  EVP_Digest(input.data(), input.size(), digest, &size, EVP_sha1(), nullptr);
  std::string out(4 * ((SHA_DIGEST_LENGTH + 2) / 3), '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), digest, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

bool accepts(const http::ResponseHead& response, std::string_view key) {
  return response.status == 101 && asks_for_websocket(response.headers, response.connection) &&
         count_fields(response.headers, "sec-websocket-accept") == 1 &&
         http::find_header(response.headers, "sec-websocket-accept") == accept_key(key);
}

bool negotiated_deflate(const http::ResponseHead& response) {
  for (const http::Header& header : response.headers) {
    if (!http::iequals(header.name, "sec-websocket-extensions")) continue;
    // A list of extensions, each a name and parameters after ';' (RFC 6455 §9.1).
    std::string_view rest = header.value;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      item = item.substr(0, item.find(';'));
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (http::iequals(item, "permessage-deflate")) return true;
    }
  }
  return false;
}

}  // namespace apigw::ws
