// Internal to src/http: the parts of head parsing that requests and responses share (character
// classes, field lines, HTTP version, framing fields), so both sides refuse exactly the same input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "http/message.h"
#include "http/parser.h"

namespace apigw::http::detail {

// 256-entry lookup tables: one load per byte on the hot path instead of a chain of comparisons.
struct CharTables {
  bool token[256] = {};        // tchar (RFC 9110 §5.6.2)
  bool field_value[256] = {};  // HTAB / SP / VCHAR / obs-text (RFC 9110 §5.5)
};

constexpr CharTables make_char_tables() {
  CharTables t;
  for (int c = 0; c < 256; ++c) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    t.token[c] = alnum || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) !=
                              std::string_view::npos;
    t.field_value[c] = c == '\t' || (c >= 0x20 && c != 0x7f);
  }
  return t;
}
inline constexpr CharTables kChars = make_char_tables();

inline bool is_token_char(char c) { return kChars.token[static_cast<unsigned char>(c)]; }
inline bool is_field_value_char(char c) {
  return kChars.field_value[static_cast<unsigned char>(c)];
}
inline bool is_ows(char c) { return c == ' ' || c == '\t'; }

// The first byte in [p, end) that may not appear in a field value (a CTL other than HTAB, or
// DEL), or end.
const char* skip_field_value(const char* p, const char* end);
// Whether every byte of `value` may appear in a field value (not that it has no OWS at the ends).
bool is_field_value(std::string_view value);

// Why the lines of a head were refused, independent of who sent them.
enum class LineError : std::uint8_t {
  none,
  bare_lf,          // LF not preceded by CR
  obs_fold,         // field line starting with SP / HTAB
  bad_field_name,   // empty, non-token, or whitespace before the colon
  bad_field_value,  // a CTL (other than HTAB) inside a value
  too_many_fields,  // more than HeadLimits::max_header_count
};

struct FieldLinesResult {
  ParseStatus status = ParseStatus::incomplete;
  LineError error = LineError::none;
  std::size_t end = 0;  // when complete: offset just past the empty line that ends the head
};

// Parses field lines of `head` starting at `pos`, up to and including the empty line. `head` is
// already cut at the byte limit, so incomplete means "not within the limit so far".
FieldLinesResult parse_field_lines(std::string_view head, std::size_t pos, std::size_t max_count,
                                   std::vector<Header>& headers);

enum class VersionCheck : std::uint8_t { ok, unsupported, malformed };

// Checks "HTTP/" DIGIT "." DIGIT; only 1.0 and 1.1 are ok (minor stored in `minor`).
VersionCheck check_version(std::string_view text, int& minor);

// What the framing-relevant fields say, gathered in one pass over the headers.
struct FieldSummary {
  bool has_content_length = false;
  std::uint64_t content_length = 0;
  bool has_transfer_encoding = false;
  ConnectionOptions connection;
  int host_count = 0;
  std::string_view host;
  std::string_view expect;
};

enum class FieldError : std::uint8_t {
  none,
  invalid_content_length,
  differing_content_length,
  invalid_transfer_encoding,
  repeated_transfer_encoding,
  ambiguous_framing,
};

// Fills `summary` and checks the framing rules every message obeys (CL syntax, single "chunked",
// never CL and TE together). Version-specific rules stay with the callers.
FieldError summarize_fields(const std::vector<Header>& headers, FieldSummary& summary);

std::string_view describe(LineError error);
std::string_view describe(FieldError error);

}  // namespace apigw::http::detail
