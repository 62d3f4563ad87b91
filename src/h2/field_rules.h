// What a field of an HTTP/2 head may be, for the heads the gateway receives: requests from
// clients (request_head.h) and responses from upstreams (response_head.h). Both go on to peers
// that may speak HTTP/1, so a value must also re-parse there as the HTTP/1 parser reads it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/field.h"

namespace apigw::h2 {

// The per-field overhead RFC 9113 §6.5.2 counts in SETTINGS_MAX_HEADER_LIST_SIZE.
inline constexpr std::size_t kFieldOverhead = 32;

// HTAB, SP, VCHAR, obs-text (the HTTP/1 parser's rule, http/head_lines.h) and no whitespace at
// either end; RFC 9113 §8.2.1 itself only forbids NUL, CR and LF, and the whitespace.
bool is_valid_field_value(std::string_view value);
// A regular field name: a token in lower case (RFC 9113 §8.2.1, §8.2.2).
bool is_valid_field_name(std::string_view name);
// A content-length: 1 to 19 digits (19 never overflow 64 bits).
bool parse_content_length(std::string_view text, std::uint64_t& out);
// Fields that only make sense for one HTTP/1 connection (RFC 9113 §8.2.2). TE is for the caller:
// "trailers" is allowed in requests.
bool is_connection_specific(http::Field field);

}  // namespace apigw::h2
