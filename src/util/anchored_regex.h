// Regular expressions for routing and predicates: RE2 (linear-time matching, so no pattern and no
// input can make a match take exponential time), always anchored at both ends, with bounded
// memory. One compiled pattern is shared read-only; RE2 objects take a lock inside every search
// (their DFA cache is shared), so hot paths match with a per-thread copy (`copy_regex`).
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace apigw::util {

// Limits that keep one pattern's cost bounded whatever the config says.
inline constexpr std::size_t kMaxRegexProgramSize = 1000;  // RE2 instructions
inline constexpr int kMaxRegexCaptures = 16;

// Compiles `pattern` to match whole inputs only (a leading '^' or trailing '$' is harmless).
// On failure returns nullptr and sets `error` ("missing ): (", "too complex (program size 1532,
// at most 1000)", "more than 16 capturing groups").
std::shared_ptr<const re2::RE2> compile_anchored_regex(std::string_view pattern,
                                                       std::string& error);

// A new RE2 object with the same program, for one thread's exclusive use.
std::unique_ptr<re2::RE2> copy_regex(const re2::RE2& regex);

// The literal text every match starts with, cut after its last '/' ("/r5/v[0-9]+" -> "/r5/");
// "" when no match can start with '/'.
std::string regex_path_directory(const re2::RE2& regex);

}  // namespace apigw::util
