#include "http/head_lines.h"

#include <limits>

namespace apigw::http::detail {
namespace {

// RFC 9110 §8.6: 1*DIGIT, and a list of identical values ("5, 5") may be taken as one value.
// Bounded to 63 bits so the length survives any signed conversion downstream.
bool parse_content_length(std::string_view value, std::uint64_t& out) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::int64_t>::max();
  bool have_first = false;
  std::size_t pos = 0;
  while (true) {
    std::uint64_t number = 0;
    const std::size_t start = pos;
    while (pos < value.size() && value[pos] >= '0' && value[pos] <= '9') {
      const unsigned digit = static_cast<unsigned>(value[pos] - '0');
      if (number > (kMax - digit) / 10) return false;
      number = number * 10 + digit;
      ++pos;
    }
    if (pos == start) return false;  // empty element, sign, or any other character
    if (have_first && number != out) return false;
    out = number;
    have_first = true;
    while (pos < value.size() && is_ows(value[pos])) ++pos;
    if (pos == value.size()) return true;
    if (value[pos] != ',') return false;
    ++pos;
    while (pos < value.size() && is_ows(value[pos])) ++pos;
  }
}

}  // namespace

FieldLinesResult parse_field_lines(std::string_view head, std::size_t pos, std::size_t max_count,
                                   std::vector<Header>& headers) {
  FieldLinesResult result;
  auto fail = [&result](LineError error) {
    result.status = ParseStatus::error;
    result.error = error;
    return result;
  };
  while (true) {
    const std::size_t lf = head.find('\n', pos);
    if (lf == std::string_view::npos) return result;  // incomplete
    if (lf == pos || head[lf - 1] != '\r') return fail(LineError::bare_lf);
    const std::size_t cr = lf - 1;
    if (cr == pos) {  // the empty line: end of head
      result.status = ParseStatus::complete;
      result.end = lf + 1;
      return result;
    }
    const char* line = head.data();
    if (is_ows(line[pos])) return fail(LineError::obs_fold);

    std::size_t i = pos;
    while (i < cr && is_token_char(line[i])) ++i;
    // Catches an empty name and "Name :" alike: anything but a colon right after the token.
    if (i == pos || i == cr || line[i] != ':') return fail(LineError::bad_field_name);
    const std::string_view name(line + pos, i - pos);

    std::size_t value_start = i + 1;
    while (value_start < cr && is_ows(line[value_start])) ++value_start;
    std::size_t value_end = cr;
    while (value_end > value_start && is_ows(line[value_end - 1])) --value_end;
    for (std::size_t k = value_start; k < value_end; ++k) {
      if (!is_field_value_char(line[k])) return fail(LineError::bad_field_value);
    }
    if (headers.size() >= max_count) return fail(LineError::too_many_fields);
    headers.push_back(Header{name, std::string_view(line + value_start, value_end - value_start)});
    pos = lf + 1;
  }
}

VersionCheck check_version(std::string_view text, int& minor) {
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  if (text.size() != 8 || text.substr(0, 5) != "HTTP/" || !is_digit(text[5]) || text[6] != '.' ||
      !is_digit(text[7])) {
    return VersionCheck::malformed;
  }
  if (text[5] != '1' || (text[7] != '0' && text[7] != '1')) return VersionCheck::unsupported;
  minor = text[7] - '0';
  return VersionCheck::ok;
}

FieldError summarize_fields(const std::vector<Header>& headers, FieldSummary& summary) {
  for (const Header& header : headers) {
    // Dispatch on length first: most fields are none of these and cost one switch.
    switch (header.name.size()) {
      case 4:
        if (iequals(header.name, "host")) {
          ++summary.host_count;
          summary.host = header.value;
        }
        break;
      case 6:
        if (iequals(header.name, "expect")) summary.expect = header.value;
        break;
      case 10:
        if (iequals(header.name, "connection")) {
          summary.connection_close |= list_contains_token(header.value, "close");
          summary.connection_keep_alive |= list_contains_token(header.value, "keep-alive");
        }
        break;
      case 14:
        if (iequals(header.name, "content-length")) {
          std::uint64_t length = 0;
          if (!parse_content_length(header.value, length)) {
            return FieldError::invalid_content_length;
          }
          if (summary.has_content_length && length != summary.content_length) {
            return FieldError::differing_content_length;
          }
          summary.has_content_length = true;
          summary.content_length = length;
        }
        break;
      case 17:
        if (iequals(header.name, "transfer-encoding")) {
          // Two TE fields are a list split in two; refusing beats guessing how a peer joins them.
          if (summary.has_transfer_encoding) return FieldError::repeated_transfer_encoding;
          if (!iequals(header.value, "chunked")) return FieldError::invalid_transfer_encoding;
          summary.has_transfer_encoding = true;
        }
        break;
      default:
        break;
    }
  }
  if (summary.has_content_length && summary.has_transfer_encoding) {
    return FieldError::ambiguous_framing;
  }
  return FieldError::none;
}

std::string_view describe(LineError error) {
  switch (error) {
    case LineError::none:
      return "ok";
    case LineError::bare_lf:
      return "line ending without CR";
    case LineError::obs_fold:
      return "obsolete line folding";
    case LineError::bad_field_name:
      return "invalid header field name";
    case LineError::bad_field_value:
      return "invalid character in header field value";
    case LineError::too_many_fields:
      return "too many header fields";
  }
  return "malformed head";
}

std::string_view describe(FieldError error) {
  switch (error) {
    case FieldError::none:
      return "ok";
    case FieldError::invalid_content_length:
      return "invalid Content-Length";
    case FieldError::differing_content_length:
      return "conflicting Content-Length values";
    case FieldError::invalid_transfer_encoding:
      return "unsupported Transfer-Encoding (only a single \"chunked\" is accepted)";
    case FieldError::repeated_transfer_encoding:
      return "repeated Transfer-Encoding";
    case FieldError::ambiguous_framing:
      return "ambiguous framing: both Content-Length and Transfer-Encoding";
  }
  return "invalid framing";
}

}  // namespace apigw::http::detail
