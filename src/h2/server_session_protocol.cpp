// The RFC 9113 stream rules ServerSession checks itself, on frame headers before nghttp2 sees
// them: nghttp2, run without closed streams and without RFC 7540 priorities, lets these pass
// (h2spec http2/5.1/8, 5.1/9, 5.1/11, 5.1/12, 5.1.1/2, 5.3.1/2 and 6.3/1 fail on it
// alone).
#include <nghttp2/nghttp2.h>

#include "h2/server_session.h"

namespace apigw::h2 {

std::uint32_t ServerSession::protocol_violation(const FrameHeader& header) const {
  // nghttp2 ignores PRIORITY frames once RFC 7540 priorities are off (we send
  // SETTINGS_NO_RFC7540_PRIORITIES), the checks of RFC 9113 §6.3 included.
  if (header.is(FrameType::priority) && header.stream == 0) return NGHTTP2_PROTOCOL_ERROR;
  if (!header.is(FrameType::data) && !header.is(FrameType::headers)) return 0;
  // A client stream at or below the highest one opened that nghttp2 no longer has: closed
  // (§5.1.1: opening a stream closes every idle one below it). nghttp2 keeps no closed streams
  // and ignores such frames; what the client did with the id tells whether that is right.
  const std::int32_t id = header.stream;
  if (id <= 0 || (id & 1) == 0 || id > history_.highest() ||
      nghttp2_session_find_stream(session_, id) != nullptr) {
    return 0;
  }
  switch (history_.past(id)) {
    case StreamHistory::Past::never_opened:
      // §5.1.1: a new stream's id MUST be above every id used before: PROTOCOL_ERROR. DATA on
      // it is DATA on a closed stream.
      return header.is(FrameType::headers) ? NGHTTP2_PROTOCOL_ERROR : NGHTTP2_STREAM_CLOSED;
    case StreamHistory::Past::client_closed:
      // The client ended the stream itself (END_STREAM, RST_STREAM) and sends on it again:
      // §5.1 "closed" lets this be a connection error of type STREAM_CLOSED (§6.1 asks at least
      // a stream error for DATA), which is what h2spec checks.
      return NGHTTP2_STREAM_CLOSED;
    case StreamHistory::Past::open:     // the server reset it while the client was sending:
    case StreamHistory::Past::unknown:  // ignored (§5.1), as are ids too old to judge
      return 0;
  }
  return 0;
}

void ServerSession::note_client_frame(const FrameHeader& header) {
  if (header.is(FrameType::headers)) history_.on_headers(header.stream);
  if (header.is(FrameType::rst_stream) ||
      ((header.is(FrameType::headers) || header.is(FrameType::data)) &&
       header.has(kFlagEndStream))) {
    history_.on_client_end(header.stream);
  }
  if (header.is(FrameType::priority)) priority_have_ = 0;
}

void ServerSession::check_priority(const FrameScanner::Piece& piece) {
  // §5.3.1: a stream cannot depend on itself (a stream error; answered as a connection error,
  // since the stream may be idle, and RST_STREAM must not be sent on an idle stream, §6.4).
  const FrameHeader& header = scanner_.header();
  if (header.length != 5 || piece.payload_offset >= 4) return;  // nghttp2 judges the size
  for (std::size_t i = 0; i < piece.bytes.size() && priority_have_ < 4; ++i) {
    priority_dependency_[priority_have_++] = piece.bytes[i];
  }
  if (priority_have_ < 4) return;
  const std::uint8_t* b = priority_dependency_;
  const std::uint32_t dependency = ((std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) |
                                    (std::uint32_t{b[2]} << 8) | b[3]) &
                                   0x7fffffffu;
  if (dependency == static_cast<std::uint32_t>(header.stream)) {
    connection_error(NGHTTP2_PROTOCOL_ERROR);
  }
}

}  // namespace apigw::h2
