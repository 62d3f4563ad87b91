#include "h2/abuse_budget.h"

#include <algorithm>

namespace apigw::h2 {

std::string_view abuse_name(Abuse abuse) {
  switch (abuse) {
    case Abuse::none:
      return "none";
    case Abuse::rapid_reset:
      return "rapid_reset";
    case Abuse::control_flood:
      return "control_flood";
    case Abuse::empty_data:
      return "empty_data";
    case Abuse::continuation_flood:
      return "continuation";
    case Abuse::header_abuse:
      return "header_abuse";
  }
  return "none";
}

bool TokenBucket::take(Clock::time_point now) {
  if (last_ != Clock::time_point{} && now > last_) {
    const double seconds = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + seconds * rate_);
  }
  last_ = now;
  tokens_ -= 1;
  return tokens_ >= 1;
}

AbuseBudget::AbuseBudget(const AbuseLimits& limits, std::size_t max_header_block_bytes)
    : limits_(limits),
      max_header_block_bytes_(max_header_block_bytes),
      resets_(limits.max_resets, limits.reset_rate),
      control_(limits.max_control_frames, limits.control_frame_rate) {}

Abuse AbuseBudget::on_header_frame(const FrameHeader& header) {
  if (header.is(FrameType::headers)) {
    in_header_block_ = !header.has(kFlagEndHeaders);
    continuations_ = 0;
    header_block_bytes_ = header.length;
    return Abuse::none;
  }
  // CONTINUATION: nghttp2 refuses one outside a header block itself.
  if (++continuations_ > limits_.max_continuations) return Abuse::continuation_flood;
  header_block_bytes_ += header.length;
  if (header_block_bytes_ > max_header_block_bytes_) return Abuse::header_abuse;
  if (header.has(kFlagEndHeaders)) in_header_block_ = false;
  return Abuse::none;
}

Abuse AbuseBudget::on_frame(const FrameHeader& header, bool useful_window_update,
                            Clock::time_point now) {
  switch (static_cast<FrameType>(header.type)) {
    case FrameType::headers:
    case FrameType::continuation:
      return on_header_frame(header);
    case FrameType::data:
      if (header.length == 0 && !header.has(kFlagEndStream) &&
          ++empty_data_ >= limits_.max_empty_data) {
        return Abuse::empty_data;
      }
      return Abuse::none;
    case FrameType::rst_stream:
      return resets_.take(now) ? Abuse::none : Abuse::rapid_reset;
    case FrameType::window_update:
      if (useful_window_update) return Abuse::none;
      break;
    case FrameType::goaway:
    case FrameType::push_promise:  // a protocol error nghttp2 answers with GOAWAY
      return Abuse::none;
    default:  // SETTINGS, PING, PRIORITY, extension frames
      break;
  }
  return control_.take(now) ? Abuse::none : Abuse::control_flood;
}

Abuse AbuseBudget::on_padding_only_data(const FrameHeader& header) {
  if (header.has(kFlagEndStream)) return Abuse::none;
  return ++empty_data_ >= limits_.max_empty_data ? Abuse::empty_data : Abuse::none;
}

Abuse AbuseBudget::on_refused_stream(Clock::time_point now) {
  return resets_.take(now) ? Abuse::none : Abuse::rapid_reset;
}

Abuse AbuseBudget::on_header_bomb() {
  return ++header_bombs_ >= limits_.max_header_bombs ? Abuse::header_abuse : Abuse::none;
}

}  // namespace apigw::h2
