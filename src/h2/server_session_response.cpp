// ServerSession's response side: heads and trailers as nghttp2_nv arrays, the per-stream send
// queue the data provider reads.
#include <algorithm>
#include <array>
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

// Whether a value can go out in an HTTP/2 head: no CR, LF, NUL or other controls but HTAB (the
// peer would reset the stream as malformed).
bool can_send_value(std::string_view value) {
  // Eight bytes at a time: a word with no byte below 0x20 and none equal to 0x7f passes without
  // a look at each byte (values are a response head's bulk; the bit tricks are the classic
  // "has a byte less than n" / "has a zero byte" tests).
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHighs = 0x8080808080808080ull;
  std::size_t i = 0;
  for (; i + 8 <= value.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, value.data() + i, 8);
    const std::uint64_t below_space = (word - kOnes * 0x20) & ~word & kHighs;
    const std::uint64_t del = word ^ (kOnes * 0x7f);
    const std::uint64_t is_del = (del - kOnes) & ~del & kHighs;
    if ((below_space | is_del) != 0) break;  // look closer (a tab is fine)
  }
  for (; i < value.size(); ++i) {
    const auto byte = static_cast<unsigned char>(value[i]);
    if (byte < 0x20 ? byte != '\t' : byte == 0x7f) return false;
  }
  return true;
}

nghttp2_nv make_nv(const char* name, std::size_t name_size, const char* value,
                   std::size_t value_size) {
  return nghttp2_nv{reinterpret_cast<std::uint8_t*>(const_cast<char*>(name)),
                    reinterpret_cast<std::uint8_t*>(const_cast<char*>(value)), name_size,
                    value_size, NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

bool ServerSession::prepare_nv(std::span<const http::Header> headers, int status) {
  std::string& text = nv_->text;
  std::vector<nghttp2_nv>& nv = nv_->nv;
  text.clear();
  nv.clear();
  // Sized first, so the views into `text` that nv holds never move.
  std::size_t size = 3;
  for (const http::Header& header : headers) size += header.name.size();
  text.reserve(size);
  if (status != 0) {
    if (status < 100 || status > 999) return false;
    char digits[3];
    std::to_chars(digits, digits + 3, status);
    text.append(digits, 3);
    nv.push_back(make_nv(":status", 7, text.data(), 3));
  }
  nv.reserve(headers.size() + 1);
  for (const http::Header& header : headers) {
    // Connection-specific fields mean nothing in HTTP/2 and make the response malformed
    // (RFC 9113 §8.2.2); the same set the HTTP/1 client head drops.
    if (http::is_hop_by_hop(header.field)) continue;
    if (header.name.empty() || !can_send_value(header.value)) return false;
    const std::size_t at = text.size();
    text.resize(at + header.name.size());  // within the reserved size: `text` does not move
    char* lower = text.data() + at;
    for (const char c : header.name) {
      const char mapped = kNameBytes[static_cast<unsigned char>(c)];
      if (mapped == 0) return false;
      *lower++ = mapped;
    }
    nv.push_back(
        make_nv(text.data() + at, header.name.size(), header.value.data(), header.value.size()));
  }
  return true;
}

bool ServerSession::submit_response(std::int32_t stream, int status,
                                    std::span<const http::Header> headers, bool has_body) {
  Stream* found = find(stream);
  if (found == nullptr || !found->reported || found->closed || found->responded) return false;
  if (status < 200 || !prepare_nv(headers, status)) return false;
  nghttp2_data_provider provider{};
  provider.read_callback = Callbacks::read_response;
  const int rv = nghttp2_submit_response(session_, stream, nv_->nv.data(), nv_->nv.size(),
                                         has_body ? &provider : nullptr);
  if (rv != 0) return false;
  found->responded = true;
  found->has_body = has_body;
  return true;
}

bool ServerSession::submit_informational(std::int32_t stream, int status) {
  Stream* found = find(stream);
  if (found == nullptr || !found->reported || found->closed || found->responded) return false;
  if (status < 100 || status > 199 || !prepare_nv({}, status)) return false;
  return nghttp2_submit_headers(session_, NGHTTP2_FLAG_NONE, stream, nullptr, nv_->nv.data(),
                                nv_->nv.size(), nullptr) == 0;
}

std::size_t ServerSession::send_space(std::int32_t stream) const {
  const Stream* found = find(stream);
  if (found == nullptr || found->closed || !found->has_body || found->send_end) return 0;
  return limits_.max_send_queue - std::min(limits_.max_send_queue, found->queued());
}

std::size_t ServerSession::submit_data(std::int32_t stream, std::string_view bytes, bool end) {
  Stream* found = find(stream);
  if (found == nullptr || found->closed || !found->has_body || found->send_end) return 0;
  const std::size_t take = std::min(bytes.size(), send_space(stream));
  if (found->send_offset != 0 && found->send_offset * 2 > found->send_queue.size()) {
    found->send_queue.erase(0, found->send_offset);
    found->send_offset = 0;
  }
  found->send_queue.append(bytes.substr(0, take));
  // Full (whether or not everything fitted): send_ready will say when there is room again.
  if (take < bytes.size() || found->queued() >= limits_.max_send_queue) {
    found->queue_was_full = true;
  }
  if (end && take == bytes.size()) found->send_end = true;
  if (found->deferred && (take != 0 || found->send_end)) {
    found->deferred = false;
    nghttp2_session_resume_data(session_, stream);
  }
  return take;
}

bool ServerSession::submit_trailers(std::int32_t stream, std::span<const http::Header> trailers) {
  Stream* found = find(stream);
  if (found == nullptr || found->closed || !found->has_body || found->send_end) return false;
  if (trailers.empty()) {
    submit_data(stream, {}, true);
    return true;
  }
  if (!prepare_nv(trailers, 0)) return false;
  found->response_trailers.clear();
  for (const nghttp2_nv& field : nv_->nv) {
    found->response_trailers.emplace_back(
        std::string(reinterpret_cast<const char*>(field.name), field.namelen),
        std::string(reinterpret_cast<const char*>(field.value), field.valuelen));
  }
  found->send_end = true;
  if (found->deferred) {
    found->deferred = false;
    nghttp2_session_resume_data(session_, stream);
  }
  return true;
}

}  // namespace apigw::h2
