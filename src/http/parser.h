// Strict HTTP/1.x head parsers. Strict on purpose: everything that two HTTP implementations could
// read differently (request smuggling) is refused here, before any routing or forwarding.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/message.h"

namespace apigw::http {

struct HeadLimits {
  std::size_t max_header_bytes = 16 * 1024;  // whole head incl. request line -> 431
  std::size_t max_header_count = 100;        // -> 431
  std::size_t max_uri_bytes = 8 * 1024;      // request-target -> 414
};

enum class ParseStatus { complete, incomplete, error };

// Why a head was refused: the HTTP status to answer with, a stable code for the error body, and a
// message for humans.
struct ParseError {
  int status = 400;
  std::string_view code = "bad_request";
  std::string_view message = "malformed request";
};

struct ParseResult {
  ParseStatus status = ParseStatus::incomplete;
  ParseError error{};
};

// Parses a request head from the start of `buffer`. Returns incomplete while the terminating empty
// line has not arrived yet (and no limit is exceeded), complete with `out` filled (out.head_bytes
// set), or error. Rejects (400): obs-fold, whitespace before the colon, invalid token characters,
// NUL/CR/LF in values, both Content-Length and Transfer-Encoding, differing or invalid
// Content-Length, any Transfer-Encoding other than a single final "chunked", HTTP/1.1 without Host,
// more than one Host. Unsupported version -> 505. Bare LF line endings are refused.
ParseResult parse_request_head(std::string_view buffer, const HeadLimits& limits, RequestHead& out);

// The method and target of a request line that may be incomplete or invalid, for logging a
// request the gateway refused before its head parsed: each is empty unless it is a plain token /
// printable target followed by a space (no bytes outside the first line are looked at).
struct RequestLine {
  std::string_view method;
  std::string_view target;
};
RequestLine peek_request_line(std::string_view buffer);

// Parses an upstream response head. `request_method` decides whether a body follows (HEAD);
// 1xx, 204 and 304 never have a body. Same smuggling rules as requests.
ParseResult parse_response_head(std::string_view buffer, const HeadLimits& limits,
                                Method request_method, ResponseHead& out);

// Incremental validator for a chunked body that is forwarded as-is. It does not copy: it tells how
// many of the given bytes belong to the message, so the caller can forward exactly those.
class ChunkedScanner {
 public:
  struct Step {
    std::size_t consumed = 0;  // bytes of `data` that belong to the message
    bool done = false;         // the last chunk and trailers are complete
    bool error = false;        // invalid framing: stop and close
  };

  // Scans as far as `data` allows. After done or error, further calls consume nothing.
  // When `payload` is given, the chunk data (without framing) is appended to it: for consumers
  // that need the decoded body (the echo server, body transforms), not for the proxy, which
  // relays the framed bytes as they are.
  Step scan(std::string_view data, std::string* payload = nullptr);
  void reset();

  // Payload bytes seen so far (chunk data only, excluding framing).
  std::uint64_t payload_bytes() const { return payload_bytes_; }

 private:
  // trailer_line is a trailer's name, trailer_value what follows its colon. The ext_* states
  // follow RFC 9112 §7.1.1's chunk-ext grammar: after ';' (ext_name_start), the name, optional
  // whitespace and '=' (ext_after_name), a token or quoted-string value (ext_value_start,
  // ext_token, ext_quoted, ext_quoted_pair, ext_after_quoted), and whitespace that must lead to
  // another ';' (ext_before_semicolon).
  enum class State {
    size,
    ext_name_start,
    ext_name,
    ext_after_name,
    ext_value_start,
    ext_token,
    ext_quoted,
    ext_quoted_pair,
    ext_after_quoted,
    ext_before_semicolon,
    size_lf,
    data,
    data_cr,
    data_lf,
    trailer_start,
    trailer_line,
    trailer_value,
    trailer_lf,
    final_lf,
    done,
    error
  };
  State scan_extension(char c) const;

  State state_ = State::size;
  std::uint64_t chunk_remaining_ = 0;
  std::size_t size_digits_ = 0;
  std::size_t line_bytes_ = 0;
  std::size_t trailer_bytes_ = 0;
  std::uint64_t payload_bytes_ = 0;
};

}  // namespace apigw::http
