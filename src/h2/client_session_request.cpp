// ClientSession's request side: heads and trailers as nghttp2_nv arrays, the per-stream send
// queue the data provider reads.
#include <algorithm>

#include "h2/client_stream.h"

namespace apigw::h2 {
namespace {

bool is_ows(char c) { return c == ' ' || c == '\t'; }

// A value the server will take as it is: no CR, LF, NUL or other control, no whitespace at
// either end (RFC 9113 §8.2.1; nghttp2 servers reset a stream that has one).
bool can_send_value(std::string_view value) {
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte != '\t' && (byte < 0x20 || byte == 0x7f)) return false;
  }
  return value.empty() || (!is_ows(value.front()) && !is_ows(value.back()));
}

// An origin-form :path (or "*"), as the HTTP/1 request line accepts it: printable ASCII, no
// space, no '#'.
bool can_send_path(std::string_view path) {
  if (path.empty() || (path[0] != '/' && path != "*")) return false;
  for (char c : path) {
    if (c <= 0x20 || c >= 0x7f || c == '#') return false;
  }
  return true;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

nghttp2_nv make_nv(std::string_view name, std::string_view value) {
  return nghttp2_nv{reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
                    value.size(), NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

// Fills nv_ with the pseudo-header fields (when `pseudo` is given: a request head, otherwise
// trailers) and the regular fields as they may go out. False if one cannot be sent.
bool ClientSession::prepare_nv(const RequestPseudo* pseudo, std::span<const http::Header> headers) {
  std::string& text = nv_->text;
  std::vector<nghttp2_nv>& nv = nv_->nv;
  text.clear();
  nv.clear();
  // Sized first, so the views into `text` that nv holds never move.
  std::size_t size = 0;
  for (const http::Header& header : headers) size += header.name.size();
  text.reserve(size);

  std::string_view host;
  for (const http::Header& header : headers) {
    const http::Field field = header.field;
    if (field == http::Field::te) {
      // Connection-specific but for "trailers", which a request may carry (RFC 9113 §8.2.2).
      if (pseudo != nullptr && http::list_contains_token(header.value, "trailers")) {
        nv.push_back(make_nv("te", "trailers"));
      }
      continue;
    }
    // Connection-specific fields make the request malformed (RFC 9113 §8.2.2): the same set the
    // HTTP/1 head writers drop.
    if (http::is_hop_by_hop(field)) continue;
    if (field == http::Field::host) {
      if (host.empty()) host = header.value;
      continue;  // sent as :authority
    }
    if (pseudo == nullptr && field == http::Field::content_length) continue;  // no framing
    if (!http::is_token(header.name) || !can_send_value(header.value)) return false;
    std::string_view name = header.name;
    if (std::any_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
      const std::size_t at = text.size();
      for (char c : name) text.push_back(ascii_lower(c));
      name = std::string_view(text).substr(at, name.size());
    }
    nv.push_back(make_nv(name, header.value));
  }
  if (pseudo == nullptr) return true;

  const std::string_view authority = pseudo->authority.empty() ? host : pseudo->authority;
  // Plain CONNECT has no :scheme or :path (RFC 9113 §8.5); the gateway does not tunnel this way.
  if (!http::is_token(pseudo->method) || pseudo->method == "CONNECT" ||
      !http::is_token(pseudo->scheme) || !can_send_path(pseudo->path) ||
      (pseudo->path == "*" && pseudo->method != "OPTIONS") ||
      !http::is_valid_authority(authority, /*require_port=*/false)) {
    return false;
  }
  const nghttp2_nv pseudo_fields[] = {
      make_nv(":method", pseudo->method), make_nv(":scheme", pseudo->scheme),
      make_nv(":authority", authority), make_nv(":path", pseudo->path)};
  nv.insert(nv.begin(), std::begin(pseudo_fields), std::end(pseudo_fields));
  return true;
}

SubmitResult ClientSession::submit_request(const RequestPseudo& pseudo,
                                           std::span<const http::Header> headers, bool has_body) {
  if (!can_submit()) return SubmitResult{0, SubmitError::no_stream};
  if (!prepare_nv(&pseudo, headers)) return SubmitResult{0, SubmitError::invalid_field};
  nghttp2_data_provider provider{};
  provider.read_callback = Callbacks::read_request;
  const std::int32_t id = nghttp2_submit_request(session_, nullptr, nv_->nv.data(), nv_->nv.size(),
                                                 has_body ? &provider : nullptr, nullptr);
  if (id <= 0) return SubmitResult{0, SubmitError::no_stream};  // ids ran out (checked above)
  std::unique_ptr<Stream> stream;
  if (free_streams_.empty()) {
    stream = std::make_unique<Stream>();
    stream->id = id;
  } else {
    stream = std::move(free_streams_.back());
    free_streams_.pop_back();
    stream->reset(id);
  }
  stream->head_request = pseudo.method == "HEAD";
  stream->sending.has_body = has_body;
  streams_[id] = std::move(stream);
  ++open_streams_;
  return SubmitResult{id, SubmitError::none};
}

std::size_t ClientSession::send_space(std::int32_t stream) const {
  const Stream* found = find(stream);
  if (found == nullptr || found->closed || found->failed) return 0;
  return found->sending.space(limits_.max_send_queue);
}

std::size_t ClientSession::submit_data(std::int32_t stream, std::string_view bytes, bool end) {
  Stream* found = find(stream);
  if (found == nullptr || found->closed || found->failed) return 0;
  return found->sending.append(session_, stream, bytes, end, limits_.max_send_queue);
}

bool ClientSession::submit_trailers(std::int32_t stream, std::span<const http::Header> trailers) {
  Stream* found = find(stream);
  if (found == nullptr || found->closed || found->failed || !found->sending.open()) return false;
  if (trailers.empty()) {
    submit_data(stream, {}, true);
    return true;
  }
  if (!prepare_nv(nullptr, trailers)) return false;
  found->sending.end_with_trailers(session_, stream, nv_->nv);
  return true;
}

}  // namespace apigw::h2
