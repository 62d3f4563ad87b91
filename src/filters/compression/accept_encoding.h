// Content negotiation for response compression: which coding to answer a request with, from its
// Accept-Encoding header(s) (RFC 9110 §12.5.3) and what the gateway can produce.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace apigw::filters::compression {

// The content codings the gateway produces. identity means "send as is".
enum class Coding : std::uint8_t { identity, gzip, br };

// The Content-Encoding token of a coding ("identity", "gzip", "br").
std::string_view coding_name(Coding coding);

// The codings a route allows (identity is always allowed).
struct SupportedCodings {
  bool br = true;
  bool gzip = true;
};

// The coding with the highest q-value among the supported ones, for the Accept-Encoding values
// `accept_encoding` (every such header in order; together they form one list; none at all means
// the client did not ask, and gets identity). Rules:
//  * names are case-insensitive; "x-gzip" is gzip (RFC 9110 §8.4.1.3); unknown codings are ignored;
//  * "*" gives its q-value to every coding not listed by name; q=0 means "not acceptable";
//  * identity competes with its own q-value only when it is listed (by name, or through "*");
//    otherwise it is the fallback: RFC 9110 makes it "acceptable" without giving it a weight, and
//    a client that lists "gzip;q=0.5" alone asks for gzip (so do Apache, NGINX and Go's servers);
//  * on equal q-values br wins over gzip, and both over identity (smaller responses);
//  * when nothing listed is acceptable ("identity;q=0" alone, "*;q=0"), identity anyway: a proxy
//    answers rather than refuse with 406, and the upstream's body is what it has;
//  * an element with a malformed q-value (not RFC 9110's qvalue: "q=2", "q=0.5555", "q=abc") is
//    ignored as a whole, as is an element without a coding name; the first of two elements
//    naming the same coding counts. Whitespace around ';' and '=' is tolerated.
Coding choose_coding(std::span<const std::string_view> accept_encoding,
                     SupportedCodings supported = {});

// The same for a single Accept-Encoding header value.
Coding choose_coding(std::string_view accept_encoding, SupportedCodings supported = {});

}  // namespace apigw::filters::compression
