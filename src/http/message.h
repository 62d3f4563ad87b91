// HTTP/1.x message heads as views over a connection's read buffer. Nothing here allocates per
// header: a head is parsed in place and lives exactly as long as the bytes it points into.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "http/field.h"

namespace apigw::http {

// One header field; name and value point into the buffer the head was parsed from.
struct Header {
  Header(std::string_view name_, std::string_view value_)
      : name(name_), value(value_), field(classify_field(name_)) {}
  // A field whose kind the caller already knows (no classification).
  Header(std::string_view name_, std::string_view value_, Field field_)
      : name(name_), value(value_), field(field_) {}

  std::string_view name;
  std::string_view value;
  Field field;  // what `name` is, if the gateway acts on it
};

enum class Method : std::uint8_t {
  get,
  head,
  post,
  put,
  del,
  connect,
  options,
  trace,
  patch,
  other
};

// How the body that follows a head is delimited on the wire.
enum class BodyFraming : std::uint8_t {
  none,            // no body at all
  content_length,  // exactly content_length bytes
  chunked,         // Transfer-Encoding: chunked (the only coding we accept)
  until_close,     // responses only: body runs to connection close
  // An HTTP/2 body of undeclared length, ended by END_STREAM (a request's, or an HTTP/2 upstream's
  // response's: h2/response_head.h). Sent on HTTP/1.1 with Transfer-Encoding: chunked.
  stream_end,
};

// Which protocol a request arrived in. HTTP/1.x heads keep their minor version in version_minor;
// an HTTP/2 head has version_minor 1 (what an HTTP/1.1 upstream is asked in).
enum class Protocol : std::uint8_t { http1, http2 };

// A parsed request head. Reused across keep-alive requests (headers keeps its capacity).
struct RequestHead {
  std::string_view method_text;
  Method method = Method::other;
  std::string_view target;  // raw request-target as sent
  std::string_view path;    // target up to '?', still percent-encoded
  std::string_view query;   // after '?', empty if none (without the '?')
  bool has_query = false;
  int version_minor = 1;  // HTTP/1.<minor>
  Protocol protocol = Protocol::http1;
  std::vector<Header> headers;

  BodyFraming framing = BodyFraming::none;
  std::uint64_t content_length = 0;
  bool keep_alive = true;        // after Connection header and version defaults
  ConnectionOptions connection;  // what the Connection header(s) list
  bool expect_continue = false;  // Expect: 100-continue
  std::string_view host;         // Host header value (empty if absent)
  std::size_t head_bytes = 0;    // bytes of the head including the final CRLFCRLF

  // Whether body bytes follow the head (a Content-Length of 0 is none).
  bool has_body() const {
    return framing != BodyFraming::none &&
           !(framing == BodyFraming::content_length && content_length == 0);
  }
  void clear();
  // The head's bytes were copied from [from, from + size) to `to`: points every view there.
  void rebase(const char* from, std::size_t size, const char* to);
};

// A parsed response head from an upstream.
struct ResponseHead {
  int status = 0;
  std::string_view reason;
  int version_minor = 1;
  std::vector<Header> headers;
  BodyFraming framing = BodyFraming::none;
  std::uint64_t content_length = 0;
  bool keep_alive = true;
  ConnectionOptions connection;  // what the Connection header(s) list
  std::size_t head_bytes = 0;

  void clear();
};

// Returns the value of the first header named `name` (case-insensitive), or empty.
std::string_view find_header(const std::vector<Header>& headers, std::string_view name);
// The same for a known field: compares ids, not names.
std::string_view find_header(const std::vector<Header>& headers, Field field);

// Returns the value of the cookie `name` (case-sensitive, RFC 6265) from the request's Cookie
// headers, or empty. Surrounding double quotes are kept, as the value is opaque.
std::string_view find_cookie(const std::vector<Header>& headers, std::string_view name);
// The same, telling a cookie that is absent (nullopt) from one with an empty value ("a=").
std::optional<std::string_view> cookie_value(const std::vector<Header>& headers,
                                             std::string_view name);

bool iequals(std::string_view a, std::string_view b);

// An RFC 9110 token (a header name, a method): not empty, only tchar.
bool is_token(std::string_view text);

// uri-host [ ":" port ] as a Host header or an :authority must spell it: a DNS-style name (letters,
// digits, '-', '.', '_', '~') or an "[IPv6]" literal, then an optional port of up to 5 digits
// (required when `require_port`). No userinfo, no escapes.
bool is_valid_authority(std::string_view text, bool require_port);

// True for a header that describes one hop and must not be forwarded (RFC 9110 §7.6.1): the
// hop-by-hop fields, and any field the message's Connection header(s) name. `headers` are the
// message's headers, whose Connection values are read only when they name unknown fields.
bool is_hop_by_hop(const Header& header, const ConnectionOptions& connection,
                   const std::vector<Header>& headers);

// True if the comma-separated list `list` contains `token` (case-insensitive, OWS trimmed).
bool list_contains_token(std::string_view list, std::string_view token);

Method parse_method(std::string_view text);

}  // namespace apigw::http
