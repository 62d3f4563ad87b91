#include "http/head_lines.h"

#include <bit>
#include <cstring>
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

// Values are most of a head's bytes, so they are checked eight at a time: the masks flag bytes
// below 0x20 and 0x7f, and their lowest set bit is exact (a borrow only disturbs higher bytes).
// HTAB, the one allowed CTL, is stepped over and the scan resumes.
const char* skip_field_value(const char* p, const char* end) {
  constexpr std::uint64_t kOnes = 0x0101010101010101;
  constexpr std::uint64_t kHighs = 0x8080808080808080;
  while (true) {
    if constexpr (std::endian::native == std::endian::little) {
      while (end - p >= 8) {
        std::uint64_t word;
        std::memcpy(&word, p, sizeof word);
        const std::uint64_t del = word ^ (kOnes * 0x7f);
        const std::uint64_t flagged =
            ((word - kOnes * 0x20) & ~word & kHighs) | ((del - kOnes) & ~del & kHighs);
        if (flagged != 0) {
          p += std::countr_zero(flagged) / 8;
          break;
        }
        p += 8;
      }
    }
    if (p == end || !is_field_value_char(*p)) return p;
    ++p;
  }
}

bool is_field_value(std::string_view value) {
  // A whole value, not a line: its last bytes are checked as one overlapping word rather than
  // byte by byte (the values of a head handed to HTTP/2 are mostly short). A flagged word may
  // hold an HTAB, which is allowed: the byte-exact scan decides.
  constexpr std::uint64_t kOnes = 0x0101010101010101;
  constexpr std::uint64_t kHighs = 0x8080808080808080;
  const char* p = value.data();
  const std::size_t size = value.size();
  const char* end = p + size;
  if (size < 8) return skip_field_value(p, end) == end;
  for (std::size_t i = 0;; i += 8) {
    if (i + 8 > size) i = size - 8;
    std::uint64_t word;
    std::memcpy(&word, p + i, sizeof word);
    const std::uint64_t del = word ^ (kOnes * 0x7f);
    if ((((word - kOnes * 0x20) & ~word & kHighs) | ((del - kOnes) & ~del & kHighs)) != 0) {
      return skip_field_value(p + i, end) == end;
    }
    if (i + 8 == size) return true;
  }
}

FieldLinesResult parse_field_lines(std::string_view head, std::size_t pos, std::size_t max_count,
                                   std::vector<Header>& headers) {
  FieldLinesResult result;
  auto fail = [&result](LineError error) {
    result.status = ParseStatus::error;
    result.error = error;
    return result;
  };
  const char* const data = head.data();
  const char* const end = data + head.size();
  // One pass per line: the scan that validates the value also finds its CR, so there is no
  // separate search for the line end. Every LF must directly follow a CR; each branch below that
  // meets an LF elsewhere refuses it.
  while (true) {
    const char* p = data + pos;
    if (p == end) return result;  // incomplete
    if (*p == '\r' || *p == '\n') {
      if (*p == '\n') return fail(LineError::bare_lf);
      if (p + 1 == end) return result;
      if (p[1] != '\n') return fail(LineError::bad_field_name);
      result.status = ParseStatus::complete;  // the empty line
      result.end = pos + 2;
      return result;
    }
    if (is_ows(*p)) return fail(LineError::obs_fold);

    const char* name_end = p;
    while (name_end != end && is_token_char(*name_end)) ++name_end;
    if (name_end == end) return result;
    // Catches an empty name and "Name :" alike: anything but a colon right after the token.
    if (name_end == p || *name_end != ':') return fail(LineError::bad_field_name);

    const char* value = name_end + 1;
    while (value != end && is_ows(*value)) ++value;
    const char* stop = skip_field_value(value, end);
    if (stop == end) return result;
    if (*stop == '\n') return fail(LineError::bare_lf);
    if (*stop != '\r') return fail(LineError::bad_field_value);
    if (stop + 1 == end) return result;
    if (stop[1] != '\n') return fail(LineError::bad_field_value);  // CR inside the value

    const char* value_end = stop;
    while (value_end != value && is_ows(value_end[-1])) --value_end;
    if (headers.size() >= max_count) return fail(LineError::too_many_fields);
    headers.emplace_back(std::string_view(p, static_cast<std::size_t>(name_end - p)),
                         std::string_view(value, static_cast<std::size_t>(value_end - value)));
    pos = static_cast<std::size_t>(stop + 2 - data);
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
    switch (header.field) {
      case Field::host:
        ++summary.host_count;
        summary.host = header.value;
        break;
      case Field::expect:
        summary.expect = header.value;
        break;
      case Field::connection:
        summary.connection.add(header.value);
        break;
      case Field::content_length: {
        std::uint64_t length = 0;
        if (!parse_content_length(header.value, length)) return FieldError::invalid_content_length;
        if (summary.has_content_length && length != summary.content_length) {
          return FieldError::differing_content_length;
        }
        summary.has_content_length = true;
        summary.content_length = length;
        break;
      }
      case Field::transfer_encoding:
        // Two TE fields are a list split in two; refusing beats guessing how a peer joins them.
        if (summary.has_transfer_encoding) return FieldError::repeated_transfer_encoding;
        if (!iequals(header.value, "chunked")) return FieldError::invalid_transfer_encoding;
        summary.has_transfer_encoding = true;
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
