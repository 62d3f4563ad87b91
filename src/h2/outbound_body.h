// The body a stream sends — a request's to an upstream (ClientSession), a response's to a client
// (ServerSession): bytes the caller queues, up to a bound, that nghttp2's data provider reads,
// then the end or trailers. Both sessions' streams hold one; the flow (deferral, resumption,
// the "room again" signal, trailers from inside the provider) is the same on both sides.
#pragma once

#include <nghttp2/nghttp2.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "h2/byte_queue.h"

namespace apigw::h2 {

struct OutboundBody {
  bool has_body = false;  // the head announced a body (no END_STREAM on it)
  bool end = false;       // the last byte is queued (or trailers are)
  bool deferred = false;  // the data provider waits for more
  bool was_full = false;  // the queue filled: "room again" is owed once it drains to half
  ByteQueue queue;
  std::vector<std::pair<std::string, std::string>> trailers;

  // Whether bytes or trailers may still be queued.
  bool open() const { return has_body && !end; }
  // Room under `limit` for more bytes.
  std::size_t space(std::size_t limit) const {
    return open() ? limit - (queue.size() < limit ? queue.size() : limit) : 0;
  }
  // Queues what fits of `bytes` under `limit` (with `end`, if all fit, the body ends); wakes the
  // data provider if it waits. How many bytes were taken.
  std::size_t append(nghttp2_session* session, std::int32_t id, std::string_view bytes, bool ends,
                     std::size_t limit);
  // Ends the body with these trailers (names already lower-case) instead of END_STREAM on DATA.
  void end_with_trailers(nghttp2_session* session, std::int32_t id,
                         std::span<const nghttp2_nv> fields);
  // nghttp2's data provider: queued bytes into `buf`, EOF at the end (the trailers submitted from
  // here, as nghttp2 allows), NGHTTP2_ERR_DEFERRED when nothing is queued yet. `room_again` is set
  // when a queue that was full has drained to half of `limit`.
  ssize_t provide(nghttp2_session* session, std::int32_t id, std::uint8_t* buf, std::size_t length,
                  std::uint32_t* data_flags, std::vector<nghttp2_nv>& nv, std::size_t limit,
                  bool& room_again);
};

}  // namespace apigw::h2
