// Request path normalization, done once per request before routing so that every route sees the
// same canonical path (and "/api/../admin" cannot dodge the route for "/admin").
#pragma once

#include <string>
#include <string_view>

namespace apigw::http {

// Normalizes an origin-form path (no query): percent-decodes unreserved characters
// (ALPHA / DIGIT / "-" / "." / "_" / "~"), upper-cases the hex digits of the escapes it keeps,
// merges duplicate slashes, and removes "." and ".." segments (RFC 3986 §5.2.4; ".." never climbs
// above the root). Returns false for a path that does not start with '/', contains an invalid
// escape ("%zz", "%4"), an encoded NUL, or a control character / space.
// `out` is cleared first; its capacity is reused.
bool normalize_path(std::string_view raw, std::string& out);

// 0-15 for a hex digit (either case), -1 otherwise.
int hex_digit_value(char c);

}  // namespace apigw::http
