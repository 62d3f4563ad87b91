// ServerSession's response side: heads and trailers as nghttp2_nv arrays, the per-stream send
// queue the data provider reads.
#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <cstdint>
#include <cstring>

#include "h2/server_stream.h"
#include "http/head_lines.h"

namespace apigw::h2 {
namespace {

// A token character's lower-case form; 0 for bytes a field name may not hold. One table
// lookup per byte lowers and checks the name at once (the per-response head is on the hot path).
const std::array<char, 256> kNameBytes = [] {
  std::array<char, 256> table{};
  for (int c = 0; c < 256; ++c) {
    if (http::detail::is_token_char(static_cast<char>(c))) {
      table[c] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : static_cast<char>(c);
    }
  }
  return table;
}();

nghttp2_nv make_nv(const char* name, std::size_t name_size, const char* value,
                   std::size_t value_size, std::uint8_t flags) {
  return nghttp2_nv{reinterpret_cast<std::uint8_t*>(const_cast<char*>(name)),
                    reinterpret_cast<std::uint8_t*>(const_cast<char*>(value)), name_size,
                    value_size, flags};
}

// Lower-cases the bytes of `in` through the table; false for a byte a field name may not hold.
// Locals only: a char store may alias anything, so a loop over a string_view member would reload
// it every byte.
bool lower_bytes(const char* in, std::size_t size, char* out) {
  char valid = 1;
  for (std::size_t i = 0; i < size; ++i) {
    const char mapped = kNameBytes[static_cast<unsigned char>(in[i])];
    out[i] = mapped;
    valid &= static_cast<char>(mapped != 0);
  }
  return valid != 0;
}

// The high bit of each byte of `word` (all below 0x80) that lies in [lo, hi]: adding 0x80 - lo
// sets it from lo up, adding 0x7f - hi from past hi up, and no sum carries into the next byte.
constexpr std::uint64_t bytes_within(std::uint64_t word, unsigned lo, unsigned hi) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  return (word + kOnes * (0x80 - lo)) & ~(word + kOnes * (0x7f - hi));
}

// Lower-cases `name` into `out`; false for an empty name or a byte a field name may not hold.
// Names are mostly letters, digits and '-': eight of those are checked and lowered with a few
// word operations (the table's way costs nine instructions a byte, and response heads are the
// hot path); any other byte sends its eight through the table.
bool lower_name(std::string_view name, char* out) {
  constexpr std::uint64_t kHighs = 0x8080808080808080ull;
  const char* in = name.data();
  const std::size_t size = name.size();
  if (size < 8) return size != 0 && lower_bytes(in, size, out);
  for (std::size_t i = 0;; i += 8) {
    if (i + 8 > size) i = size - 8;  // the tail as the last eight bytes, some done twice
    std::uint64_t word;
    std::memcpy(&word, in + i, 8);
    const std::uint64_t upper = bytes_within(word, 'A', 'Z');
    const std::uint64_t usual = bytes_within(word, 'a', 'z') | bytes_within(word, '0', '9') |
                                bytes_within(word, '-', '-') | upper;
    if ((word & kHighs) == 0 && (usual & kHighs) == kHighs) {
      word |= (upper & kHighs) >> 2;  // 0x80 >> 2 is the case bit, 0x20
      std::memcpy(out + i, &word, 8);
    } else if (!lower_bytes(in + i, 8, out + i)) {
      return false;
    }
    if (i + 8 == size) return true;
  }
}

}  // namespace

bool ServerSession::prepare_nv(std::span<const http::Header> headers, int status, std::string& text,
                               std::uint8_t flags, ValueCheck values) {
  std::vector<nghttp2_nv>& nv = nv_->nv;
  nv.clear();
  nv.reserve(headers.size() + 1);
  // Sized first, so the views into `text` that nv holds never move.
  std::size_t size = 3;
  const bool copy_values = (flags & NGHTTP2_NV_FLAG_NO_COPY_VALUE) != 0;
  for (const http::Header& header : headers) {
    size += header.name.size() + (copy_values ? header.value.size() : 0);
  }
  text.clear();
  text.resize(size);
  char* out = text.data();
  if (status != 0) {
    if (status < 100 || status > 999) return false;
    std::to_chars(out, out + 3, status);
    // ":status" is a literal: it lives as long as the program, whatever the flags.
    nv.push_back(make_nv(":status", 7, out, 3, flags));
    out += 3;
  }
  for (const http::Header& header : headers) {
    // Connection-specific fields mean nothing in HTTP/2 and make the response malformed
    // (RFC 9113 §8.2.2); the same set the HTTP/1 client head drops.
    if (http::is_hop_by_hop(header.field)) continue;
    // A value with CR, LF, NUL or another control but HTAB would have the peer reset the
    // stream as malformed.
    if (values == ValueCheck::check && !http::detail::is_field_value(header.value)) return false;
    assert(http::detail::is_field_value(header.value) && "a trusted value that cannot be sent");
    if (!lower_name(header.name, out)) return false;
    const char* name = out;
    out += header.name.size();
    const char* value = header.value.data();
    if (copy_values) {
      std::memcpy(out, value, header.value.size());
      value = out;
      out += header.value.size();
    }
    nv.push_back(make_nv(name, header.name.size(), value, header.value.size(), flags));
  }
  return true;
}

bool ServerSession::submit_response(std::int32_t stream, int status,
                                    std::span<const http::Header> headers, bool has_body,
                                    ValueCheck values) {
  Stream* found = find(stream);
  if (found == nullptr || !found->reported || found->closed || found->responded) return false;
  // The head's names and values are copied once, into the stream (not again by nghttp2, which
  // would copy and lower-case each): the stream outlives the HEADERS frame (Stream::head_fields).
  constexpr std::uint8_t kNoCopy = NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE;
  if (status < 200 || !prepare_nv(headers, status, found->head_fields, kNoCopy, values)) {
    return false;
  }
  nghttp2_data_provider provider{};
  provider.read_callback = Callbacks::read_response;
  const int rv = nghttp2_submit_response(session_, stream, nv_->nv.data(), nv_->nv.size(),
                                         has_body ? &provider : nullptr);
  if (rv != 0) return false;
  found->responded = true;
  found->sending.has_body = has_body;
  return true;
}

bool ServerSession::submit_informational(std::int32_t stream, int status) {
  Stream* found = find(stream);
  if (found == nullptr || !found->reported || found->closed || found->responded) return false;
  if (status < 100 || status > 199 || !prepare_nv({}, status, nv_->text, NGHTTP2_NV_FLAG_NONE)) {
    return false;
  }
  return nghttp2_submit_headers(session_, NGHTTP2_FLAG_NONE, stream, nullptr, nv_->nv.data(),
                                nv_->nv.size(), nullptr) == 0;
}

std::size_t ServerSession::send_space(std::int32_t stream) const {
  const Stream* found = find(stream);
  if (found == nullptr || found->closed) return 0;
  return found->sending.space(limits_.max_send_queue);
}

std::size_t ServerSession::submit_data(std::int32_t stream, std::string_view bytes, bool end) {
  Stream* found = find(stream);
  if (found == nullptr || found->closed) return 0;
  return found->sending.append(session_, stream, bytes, end, limits_.max_send_queue);
}

bool ServerSession::submit_trailers(std::int32_t stream, std::span<const http::Header> trailers) {
  Stream* found = find(stream);
  if (found == nullptr || found->closed || !found->sending.open()) return false;
  if (trailers.empty()) {
    submit_data(stream, {}, true);
    return true;
  }
  if (!prepare_nv(trailers, 0, nv_->text, NGHTTP2_NV_FLAG_NONE)) return false;
  found->sending.end_with_trailers(session_, stream, nv_->nv);
  return true;
}

}  // namespace apigw::h2
