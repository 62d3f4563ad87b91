// What a feature hands the outbound HTTP client and what it gets back. Everything is owned: a
// response outlives the connection it came on.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/http/error.h"

namespace apigw::store::http {

using HttpHeader = std::pair<std::string, std::string>;
using HttpHeaders = std::vector<HttpHeader>;

// The value of the first header named `name` (case-insensitive), or empty.
std::string_view find_header(const HttpHeaders& headers, std::string_view name);

// How an https:// request checks the server. One OpenSSL context is built per distinct value and
// reused; idle connections are pooled per origin and TlsOptions, never across them.
struct TlsOptions {
  // Verify the server's certificate chain and that it names the URL's host (DNS name or IP).
  // false is for tests and development only: anyone on the path can then read and change traffic.
  bool verify = true;
  // PEM file of the CAs to trust; empty: the system's store (/etc/ssl/certs).
  std::string ca_file;

  bool operator==(const TlsOptions&) const = default;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // absolute: http[s]://host[:port][/path][?query]; a #fragment is dropped
  // Sent as given, after Host. The client writes Host (unless given here), Content-Length (for a
  // body, and for POST/PUT/PATCH) and Connection: keep-alive (unless given here); a
  // Content-Length or Transfer-Encoding here is refused (invalid_request).
  HttpHeaders headers;
  std::string body;
  TlsOptions tls;
  // Unset: the client's defaults (HttpClientOptions).
  std::optional<std::chrono::milliseconds> timeout;  // the whole request, connect included
  std::optional<std::chrono::milliseconds> connect_timeout;
  std::optional<std::size_t> max_body_bytes;  // a larger response body -> body_too_large
};

struct HttpResponse {
  int status = 0;
  std::string reason;
  HttpHeaders headers;  // as received, in order (names as the server spelled them)
  std::string body;     // decoded (chunked framing removed); empty for HEAD, 1xx, 204, 304

  std::string_view header(std::string_view name) const { return find_header(headers, name); }
};

using HttpResult = Result<HttpResponse>;

}  // namespace apigw::store::http
