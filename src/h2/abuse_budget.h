// The per-connection abuse budget of the HTTP/2 server (design note §3.6, decision D9). It sees
// every frame header before nghttp2 does (FrameScanner) and the streams the session resets, and
// says when a connection has cost more than any client needs: the session then answers
// GOAWAY(ENHANCE_YOUR_CALM) and closes once that is written. nghttp2's own limits stay set
// behind it, looser, as a backstop.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "h2/frame_scanner.h"

namespace apigw::h2 {

using Clock = std::chrono::steady_clock;

struct AbuseLimits {
  // Streams reset by the client (RST_STREAM) or refused by the gateway (malformed heads, header
  // bombs, streams nghttp2 refuses): a token bucket. CVE-2023-44487 (rapid reset), MadeYouReset.
  std::uint32_t max_resets = 100;
  double reset_rate = 10;  // tokens per second
  // Frames that ask for work and carry no request: SETTINGS, PING, PRIORITY, unknown types, and
  // WINDOW_UPDATE beyond one per DATA frame of ours on its stream (or the connection).
  std::uint32_t max_control_frames = 1000;
  double control_frame_rate = 100;
  // DATA frames without payload and without END_STREAM, per connection.
  std::uint32_t max_empty_data = 64;
  // CONTINUATION frames in one header block (CVE-2024-27316 family).
  std::uint32_t max_continuations = 8;
  // Streams whose header list passed twice a limit (HPACK or header-count bombs).
  std::uint32_t max_header_bombs = 10;
};

enum class Abuse : std::uint8_t {
  none,
  rapid_reset,
  control_flood,
  empty_data,
  continuation_flood,
  header_abuse,
};

// The name metrics and logs use ("rapid_reset", ...).
std::string_view abuse_name(Abuse abuse);

// `burst` tokens, refilled at `rate` per second. The take that empties it fails: with a burst of
// 100, the 100th event within a burst is the one refused.
class TokenBucket {
 public:
  TokenBucket(std::uint32_t burst, double rate) : burst_(burst), rate_(rate), tokens_(burst) {}
  bool take(Clock::time_point now);

 private:
  double burst_;
  double rate_;
  double tokens_;
  Clock::time_point last_{};
};

class AbuseBudget {
 public:
  // `max_header_block_bytes`: HEADERS + CONTINUATION payload bytes one header block may take.
  AbuseBudget(const AbuseLimits& limits, std::size_t max_header_block_bytes);

  // A frame header, before nghttp2 sees the frame. `useful_window_update`: for WINDOW_UPDATE,
  // whether it answers a DATA frame of ours on that stream (or the connection).
  Abuse on_frame(const FrameHeader& header, bool useful_window_update, Clock::time_point now);
  // A DATA frame that turned out to carry only padding (its pad length byte says so).
  Abuse on_padding_only_data(const FrameHeader& header);
  // A stream the gateway had to reset or refuse (malformed head, nghttp2's refusals).
  Abuse on_refused_stream(Clock::time_point now);
  // A stream whose header list passed twice a limit (its reset is charged like any other).
  Abuse on_header_bomb();

  // A header block is open (HEADERS without END_HEADERS): the caller's header_read deadline.
  bool header_block_open() const { return in_header_block_; }

 private:
  Abuse on_header_frame(const FrameHeader& header);

  AbuseLimits limits_;
  std::size_t max_header_block_bytes_;
  TokenBucket resets_;
  TokenBucket control_;
  std::uint32_t empty_data_ = 0;
  std::uint32_t header_bombs_ = 0;
  bool in_header_block_ = false;
  std::uint32_t continuations_ = 0;
  std::size_t header_block_bytes_ = 0;
};

}  // namespace apigw::h2
