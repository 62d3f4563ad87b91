#include "proxy/router/request_predicates.h"

#include <re2/re2.h>

#include <array>
#include <string>

#include "http/path.h"

namespace apigw::proxy {
namespace {

using Kind = config::ValuePredicate::Kind;

// Whether `value` satisfies a value predicate (exact, prefix, regex); present/absent are decided
// by the callers, which know whether the name occurred at all.
bool value_satisfies(const config::ValuePredicate& predicate, const re2::RE2* regex,
                     std::string_view value) {
  switch (predicate.kind) {
    case Kind::exact:
      return value == predicate.value;
    case Kind::prefix:
      return value.starts_with(predicate.value);
    case Kind::regex:
      return regex != nullptr &&
             RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *regex);
    case Kind::present:
    case Kind::absent:
      return true;
  }
  return false;
}

// Calls `use` with `text` percent-decoded ("%41" -> "A"; a '%' not followed by two hex digits is
// kept as it is). Decodes into a stack buffer, so the common case allocates nothing.
template <typename Use>
bool with_decoded(std::string_view text, Use&& use) {
  if (text.find('%') == std::string_view::npos) return use(text);
  std::array<char, 512> stack_buffer;
  std::string heap_buffer;
  char* out = stack_buffer.data();
  if (text.size() > stack_buffer.size()) {
    heap_buffer.resize(text.size());
    out = heap_buffer.data();
  }
  std::size_t length = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int high = http::hex_digit_value(text[i + 1]);
      const int low = http::hex_digit_value(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out[length++] = static_cast<char>(high * 16 + low);
        i += 2;
        continue;
      }
    }
    out[length++] = text[i];
  }
  return use(std::string_view(out, length));
}

}  // namespace

bool header_predicate_holds(const config::ValuePredicate& predicate, const re2::RE2* regex,
                            const std::vector<http::Header>& headers) {
  for (const http::Header& header : headers) {
    if (!http::iequals(header.name, predicate.name)) continue;
    if (predicate.kind == Kind::absent) return false;
    if (value_satisfies(predicate, regex, header.value)) return true;
  }
  return predicate.kind == Kind::absent;
}

bool query_predicate_holds(const config::ValuePredicate& predicate, const re2::RE2* regex,
                           std::string_view query) {
  while (!query.empty()) {
    const std::size_t end = query.find('&');
    const std::string_view pair = query.substr(0, end);
    query = end == std::string_view::npos ? std::string_view() : query.substr(end + 1);
    const std::size_t equals = pair.find('=');
    const std::string_view name = pair.substr(0, equals);
    const std::string_view value =
        equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
    const bool named =
        with_decoded(name, [&](std::string_view decoded) { return decoded == predicate.name; });
    if (!named) continue;
    if (predicate.kind == Kind::absent) return false;
    if (predicate.kind == Kind::present) return true;
    const bool holds = with_decoded(value, [&](std::string_view decoded) {
      return value_satisfies(predicate, regex, decoded);
    });
    if (holds) return true;
  }
  return predicate.kind == Kind::absent;
}

bool cookie_predicate_holds(const config::ValuePredicate& predicate, const re2::RE2* regex,
                            const std::vector<http::Header>& headers) {
  const std::optional<std::string_view> value = http::cookie_value(headers, predicate.name);
  if (predicate.kind == Kind::absent) return !value;
  return value && value_satisfies(predicate, regex, *value);
}

}  // namespace apigw::proxy
