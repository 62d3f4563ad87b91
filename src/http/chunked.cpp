// ChunkedScanner: validates a chunked body byte by byte (chunk data in bulk) without buffering,
// so any split of the input across calls gives the same verdict.
#include <algorithm>
#include <limits>

#include "http/head_lines.h"
#include "http/parser.h"
#include "http/path.h"

namespace apigw::http {
namespace {

constexpr std::size_t kMaxSizeDigits = 16;            // 64 bits of hex
constexpr std::size_t kMaxExtensionBytes = 4 * 1024;  // per chunk-size line
constexpr std::size_t kMaxTrailerLineBytes = 8 * 1024;
constexpr std::size_t kMaxTrailerBytes = 16 * 1024;

}  // namespace

ChunkedScanner::Step ChunkedScanner::scan(std::string_view data, std::string* payload) {
  Step step;
  std::size_t i = 0;
  // Each case either accepts data[i] (falls out of the switch to ++i) or sets State::error.
  while (i < data.size() && state_ != State::done && state_ != State::error) {
    if (state_ == State::data) {
      const std::size_t take =
          static_cast<std::size_t>(std::min<std::uint64_t>(chunk_remaining_, data.size() - i));
      if (payload != nullptr) payload->append(data.substr(i, take));
      i += take;
      chunk_remaining_ -= take;
      payload_bytes_ += take;
      if (chunk_remaining_ == 0) state_ = State::data_cr;
      continue;
    }
    const char c = data[i];
    switch (state_) {
      case State::size: {
        const int digit = hex_digit_value(c);
        if (digit >= 0) {
          chunk_remaining_ = (chunk_remaining_ << 4) | static_cast<std::uint64_t>(digit);
          if (++size_digits_ > kMaxSizeDigits) state_ = State::error;
        } else if (size_digits_ == 0) {
          state_ = State::error;  // no digits, or whitespace / sign before them
        } else if (c == ';') {
          state_ = State::ext_name_start;
          line_bytes_ = 1;
        } else if (c == '\r') {
          state_ = State::size_lf;
        } else {
          state_ = State::error;  // includes "5 \r\n": peers disagree on whitespace here
        }
        break;
      }
      case State::ext_name_start:
      case State::ext_name:
      case State::ext_after_name:
      case State::ext_value_start:
      case State::ext_token:
      case State::ext_quoted:
      case State::ext_quoted_pair:
      case State::ext_after_quoted:
      case State::ext_before_semicolon:
        // Extensions are passed through unread, so they must parse one way only: a peer that
        // reads an unterminated quoted-string or a nameless "=v" its own way could take the
        // chunk's data for something else.
        state_ = ++line_bytes_ > kMaxExtensionBytes ? State::error : scan_extension(c);
        break;
      case State::size_lf:
        if (c != '\n') {
          state_ = State::error;
        } else if (chunk_remaining_ == 0) {
          state_ = State::trailer_start;
        } else if (payload_bytes_ > std::numeric_limits<std::uint64_t>::max() - chunk_remaining_) {
          state_ = State::error;
        } else {
          state_ = State::data;
        }
        break;
      case State::data_cr:
        state_ = c == '\r' ? State::data_lf : State::error;
        break;
      case State::data_lf:
        if (c == '\n') {
          state_ = State::size;
          size_digits_ = 0;
          line_bytes_ = 0;
        } else {
          state_ = State::error;
        }
        break;
      case State::trailer_start:
        line_bytes_ = 0;
        if (c == '\r') {
          state_ = State::final_lf;
        } else {
          // SP/HTAB here would be obs-fold; anything else but a name character is garbage.
          state_ = detail::is_token_char(c) ? State::trailer_line : State::error;
        }
        break;
      case State::trailer_line:
        if (c == ':') {
          state_ = State::trailer_value;
        } else if (!detail::is_token_char(c)) {
          state_ = State::error;
        }
        break;
      case State::trailer_value:
        if (c == '\r') {
          state_ = State::trailer_lf;
        } else if (!detail::is_field_value_char(c)) {
          state_ = State::error;
        }
        break;
      case State::trailer_lf:
        state_ = c == '\n' ? State::trailer_start : State::error;
        break;
      case State::final_lf:
        state_ = c == '\n' ? State::done : State::error;
        break;
      case State::data:
      case State::done:
      case State::error:
        break;
    }
    if (state_ == State::error) break;
    if (state_ >= State::trailer_start && state_ <= State::final_lf) {
      if (++trailer_bytes_ > kMaxTrailerBytes || ++line_bytes_ > kMaxTrailerLineBytes) {
        state_ = State::error;
        break;
      }
    }
    ++i;
  }
  step.consumed = i;
  step.done = state_ == State::done;
  step.error = state_ == State::error;
  return step;
}

// One byte of a chunk-ext (RFC 9112 §7.1.1):
//   *( BWS ";" BWS ext-name [ BWS "=" BWS ( token / quoted-string ) ] )
// Whitespace may come only before ';' or '=' and after them, never before the line's CRLF.
ChunkedScanner::State ChunkedScanner::scan_extension(char c) const {
  const bool ows = detail::is_ows(c);
  const bool token = detail::is_token_char(c);
  switch (state_) {
    case State::ext_name_start:
      return ows ? State::ext_name_start : token ? State::ext_name : State::error;
    case State::ext_name:
      if (token) return State::ext_name;
      if (c == ';') return State::ext_name_start;
      if (c == '=') return State::ext_value_start;
      if (c == '\r') return State::size_lf;
      return ows ? State::ext_after_name : State::error;
    case State::ext_after_name:
      if (c == ';') return State::ext_name_start;
      if (c == '=') return State::ext_value_start;
      return ows ? State::ext_after_name : State::error;
    case State::ext_value_start:
      if (c == '"') return State::ext_quoted;
      return ows ? State::ext_value_start : token ? State::ext_token : State::error;
    case State::ext_token:
      if (token) return State::ext_token;
      if (c == ';') return State::ext_name_start;
      if (c == '\r') return State::size_lf;
      return ows ? State::ext_before_semicolon : State::error;
    case State::ext_quoted: {
      // qdtext: HTAB, SP, '!', '#'-'[', ']'-'~', obs-text
      const auto u = static_cast<unsigned char>(c);
      if (c == '"') return State::ext_after_quoted;
      if (c == '\\') return State::ext_quoted_pair;
      return ows || (u >= 0x21 && u != 0x7f) ? State::ext_quoted : State::error;
    }
    case State::ext_quoted_pair: {
      const auto u = static_cast<unsigned char>(c);
      return ows || (u >= 0x21 && u != 0x7f) ? State::ext_quoted : State::error;
    }
    case State::ext_after_quoted:
      if (c == ';') return State::ext_name_start;
      if (c == '\r') return State::size_lf;
      return ows ? State::ext_before_semicolon : State::error;
    case State::ext_before_semicolon:
      if (c == ';') return State::ext_name_start;
      return ows ? State::ext_before_semicolon : State::error;
    default:
      return State::error;
  }
}

void ChunkedScanner::reset() { *this = ChunkedScanner(); }

}  // namespace apigw::http
