// An HTTP/2 response header block from an upstream, as nghttp2 delivers it field by field, turned
// into the http::ResponseHead an HTTP/1 upstream's response gets, so one response path serves
// both. The upstream is checked as the HTTP/1 response parser checks one: whatever a client of
// the gateway could read differently from us is refused here, whatever nghttp2 checked before.
// Names and values are copied into the stream's HeaderArena; the head's views point there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "h2/header_arena.h"
#include "http/message.h"
#include "http/parser.h"

namespace apigw::h2 {

// What one field (or a finished block) did to the response.
enum class ResponseVerdict : std::uint8_t {
  ok,
  malformed,  // breaks RFC 9113 §8 or the HTTP/1 field rules: reset the stream (PROTOCOL_ERROR)
  too_large,  // the header list passed max_header_bytes or max_header_count: reset the stream
};

// Builds one stream's ResponseHead from its header block (1xx heads first, if any), then takes
// the trailer block if one comes. Reused across streams: start() forgets the previous one.
class ResponseHeadBuilder {
 public:
  // Begins a response header block (an interim or the final one). `out` is cleared and filled as
  // fields arrive; `arena` holds their copies. Both must outlive the use of `out`.
  void start(const http::HeadLimits& limits, HeaderArena& arena, http::ResponseHead& out);
  // One field of the block, in the order received (:status first). Nothing is stored once a
  // verdict is not ok: the caller resets the stream.
  ResponseVerdict add(std::string_view name, std::string_view value);
  // The block ended (END_HEADERS). `end_stream`: it also ended the response; `head_request`: the
  // request was HEAD (no body follows whatever the fields say). Sets the head's framing: none
  // without a body, content_length when declared, otherwise stream_end (the body ends with the
  // stream; an HTTP/1.1 client gets it chunked).
  ResponseVerdict finish(bool end_stream, bool head_request);
  // The status of the block finished last (1xx for an interim head).
  int status() const { return head_->status; }

  // Begins the trailer block of the same stream: fields go to `out`, under the same limits
  // counted afresh.
  void start_trailers(std::vector<http::Header>& out);
  // One trailer field: pseudo-header fields and the fields that frame or route a message
  // (Content-Length, Host, TE and the connection-specific ones) make the block malformed.
  ResponseVerdict add_trailer(std::string_view name, std::string_view value);

  // Why the block was malformed, for logs and tests.
  std::string_view malformed_reason() const { return malformed_reason_; }

 private:
  ResponseVerdict fail(std::string_view why);
  bool count(std::string_view name, std::string_view value);
  ResponseVerdict add_regular(std::string_view name, std::string_view value,
                              std::vector<http::Header>& into);

  http::HeadLimits limits_{};
  HeaderArena* arena_ = nullptr;
  http::ResponseHead* head_ = nullptr;
  std::vector<http::Header>* trailers_ = nullptr;
  std::size_t bytes_ = 0;   // RFC 9113 §6.5.2 size: name + value + 32 per field
  std::size_t fields_ = 0;  // regular fields (as HTTP/1 counts field lines)
  bool status_seen_ = false;
  bool regular_seen_ = false;
  int content_length_fields_ = 0;
  std::string_view malformed_reason_;
};

}  // namespace apigw::h2
