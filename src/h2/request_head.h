// An HTTP/2 request header block, as nghttp2 delivers it field by field, turned into the same
// http::RequestHead an HTTP/1 request gets, so one request path serves both. This is where the
// HTTP/2 -> HTTP/1 downgrade is made safe (RFC 9113 §8.2, §8.3; design note §3.5): every field
// an HTTP/1 upstream could read differently from us is refused here, whatever nghttp2 checked
// before. Names and values are copied into the stream's HeaderArena; the head's views point there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "h2/header_arena.h"
#include "http/message.h"
#include "http/parser.h"

namespace apigw::h2 {

// What one field did to the block.
enum class FieldVerdict : std::uint8_t {
  ok,
  // The block can never be a request (RFC 9113 §8.1.1 "malformed"): reset the stream, report
  // nothing.
  malformed,
  // The header list passed twice a limit (max_header_bytes or max_header_count): an HPACK or
  // header-count bomb, not a client that happens to send large heads. Reset the stream and count
  // it against the connection.
  abusive,
};

// What a finished block is.
struct HeadOutcome {
  enum class Kind : std::uint8_t {
    request,    // `head` is filled and may be served
    refused,    // well-formed, but answered by the gateway with `error.status` (431, 414, 400, 501)
    malformed,  // reset the stream (PROTOCOL_ERROR); `error.message` says why, for logs and tests
  };
  Kind kind = Kind::request;
  http::ParseError error{};
};

// Builds one stream's RequestHead from its header block, then takes the trailer block if one
// comes. Reused across streams: start() forgets the previous one.
class RequestHeadBuilder {
 public:
  // Begins a request header block. `out` is cleared and filled as fields arrive; `arena` holds
  // their copies. Both must outlive the use of `out`.
  void start(const http::HeadLimits& limits, HeaderArena& arena, http::RequestHead& out);
  // One field of the block, in the order received (pseudo-header fields first).
  FieldVerdict add(std::string_view name, std::string_view value);
  // The block ended (END_HEADERS); `end_stream`: it also ended the request (no body).
  HeadOutcome finish(bool end_stream);

  // Begins the trailer block of the same stream: fields go to `out` (after the request's head
  // was finished), under the same limits counted afresh.
  void start_trailers(std::vector<http::Header>& out);
  // One trailer field: pseudo-header fields and the fields that frame or route a message
  // (Content-Length, Host, TE and the connection-specific ones) make the block malformed.
  FieldVerdict add_trailer(std::string_view name, std::string_view value);
  // Whether the trailer block, now ended, may be kept (false: malformed or over a limit).
  bool trailers_ok() const { return !malformed_ && !too_large_; }

  // Whether the block (so far) passed a limit without being abusive: it is answered 431.
  bool too_large() const { return too_large_; }

 private:
  enum Pseudo : std::uint8_t { kMethod = 1, kScheme = 2, kPath = 4, kAuthority = 8 };

  FieldVerdict fail(std::string_view why);
  // Counts a field against the limits; false when it must not be stored (over a limit).
  bool count(std::string_view name, std::string_view value, bool regular, FieldVerdict& verdict);
  FieldVerdict add_pseudo(std::string_view name, std::string_view value, bool store);
  FieldVerdict add_regular(std::string_view name, std::string_view value, bool store,
                           std::vector<http::Header>& into);
  HeadOutcome check_target();
  void join_cookies();

  http::HeadLimits limits_{};
  HeaderArena* arena_ = nullptr;
  http::RequestHead* head_ = nullptr;
  std::vector<http::Header>* trailers_ = nullptr;
  std::size_t bytes_ = 0;   // RFC 9113 §6.5.2 size: name + value + 32 per field
  std::size_t fields_ = 0;  // regular fields (as HTTP/1 counts field lines)
  std::uint8_t pseudo_seen_ = 0;
  bool regular_seen_ = false;
  bool malformed_ = false;
  bool too_large_ = false;
  bool abusive_ = false;
  std::string_view scheme_;
  std::string_view authority_;
  std::string_view host_field_;
  int host_fields_ = 0;
  int content_length_fields_ = 0;
  int cookie_fields_ = 0;
  std::string_view malformed_reason_;
};

}  // namespace apigw::h2
