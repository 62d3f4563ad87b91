#include "ws/frame.h"

#include <algorithm>

namespace apigw::ws {
namespace {

constexpr std::uint8_t kFin = 0x80;
constexpr std::uint8_t kRsv1 = 0x40;
constexpr std::uint8_t kRsvAll = 0x70;
constexpr std::uint8_t kMaskBit = 0x80;
constexpr std::uint64_t kMaxControlPayload = 125;

bool is_control(Opcode opcode) { return static_cast<std::uint8_t>(opcode) >= 0x8; }

bool is_known(std::uint8_t opcode) {
  switch (opcode) {
    case 0x0:
    case 0x1:
    case 0x2:
    case 0x8:
    case 0x9:
    case 0xa:
      return true;
    default:
      return false;
  }
}

// Writes a frame of one opcode with a payload of at most 2 bytes, masked when `mask` is given.
std::size_t write_small(std::span<std::uint8_t, kMaxBuiltFrame> out, Opcode opcode,
                        std::span<const std::uint8_t> payload, std::optional<std::uint32_t> mask) {
  std::size_t at = 0;
  out[at++] = static_cast<std::uint8_t>(kFin | static_cast<std::uint8_t>(opcode));
  out[at++] = static_cast<std::uint8_t>((mask ? kMaskBit : 0) | payload.size());
  std::uint8_t key[4] = {};
  if (mask) {
    for (int i = 0; i < 4; ++i) key[i] = static_cast<std::uint8_t>(*mask >> (24 - 8 * i));
    std::copy_n(key, 4, out.begin() + static_cast<std::ptrdiff_t>(at));
    at += 4;
  }
  for (std::size_t i = 0; i < payload.size(); ++i) {
    out[at++] = static_cast<std::uint8_t>(payload[i] ^ (mask ? key[i % 4] : 0));
  }
  return at;
}

}  // namespace

std::uint16_t close_code_for(Violation violation) {
  return violation == Violation::too_big ? kCloseTooBig : kCloseProtocolError;
}

Violation FrameScanner::take_header(const std::uint8_t* header) {
  if (closed_) return Violation::after_close;
  const std::uint8_t first = header[0];
  const std::uint8_t second = header[1];
  const bool fin = (first & kFin) != 0;
  const std::uint8_t opcode_bits = first & 0x0f;
  if (!is_known(opcode_bits)) return Violation::bad_opcode;
  const auto opcode = static_cast<Opcode>(opcode_bits);
  const std::uint8_t rsv = first & kRsvAll;
  // RSV1 marks a compressed message (RFC 7692 §6.1): on a message's first frame only.
  if (rsv != 0 && !(rsv == kRsv1 && limits_.rsv1_allowed && !is_control(opcode) &&
                    opcode != Opcode::continuation)) {
    return Violation::reserved_bits;
  }
  const bool masked = (second & kMaskBit) != 0;
  if (masked != (sender_ == Sender::client)) return Violation::masking;
  std::uint64_t length = second & 0x7f;
  std::size_t at = 2;
  // "The minimal number of bytes MUST be used to encode the length" (§5.2).
  if (length == 126) {
    length = (std::uint64_t{header[2]} << 8) | header[3];
    if (length < 126) return Violation::bad_length;
    at = 4;
  } else if (length == 127) {
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | header[2 + i];
    if ((length >> 63) != 0 || length <= 0xffff) return Violation::bad_length;
    at = 10;
  }
  if (is_control(opcode)) {
    if (!fin || length > kMaxControlPayload) return Violation::bad_control;
    // A close frame's body is empty or a two-byte code and a reason (§5.5.1).
    if (opcode == Opcode::close && length == 1) return Violation::bad_control;
  } else if (opcode == Opcode::continuation) {
    if (!in_message_) return Violation::bad_continuation;
  } else if (in_message_) {
    return Violation::bad_continuation;  // a new message before the last one ended
  }
  if (!is_control(opcode)) {
    const std::uint64_t so_far = opcode == Opcode::continuation ? message_size_ : 0;
    if (limits_.max_message_size != 0 &&
        (length > limits_.max_message_size || so_far > limits_.max_message_size - length)) {
      return Violation::too_big;
    }
    message_size_ = so_far + length;
    in_message_ = !fin;
  }
  if (masked) std::copy_n(header + at, 4, mask_);
  masked_ = masked;
  opcode_ = opcode;
  payload_left_ = length;
  payload_seen_ = 0;
  return Violation::none;
}

ScanProgress FrameScanner::feed(std::span<const std::uint8_t> bytes) {
  ScanProgress progress;
  if (failed_) {
    progress.violation = violation_;
    return progress;
  }
  std::size_t at = 0;
  while (at < bytes.size()) {
    if (payload_left_ > 0) {
      const auto take =
          static_cast<std::size_t>(std::min<std::uint64_t>(payload_left_, bytes.size() - at));
      if (opcode_ == Opcode::close) {
        // The status code: the first two payload bytes, unmasked.
        for (std::size_t i = 0; i < take && payload_seen_ + i < 2; ++i) {
          const std::size_t position = payload_seen_ + i;
          close_bytes_[position] =
              static_cast<std::uint8_t>(bytes[at + i] ^ (masked_ ? mask_[position % 4] : 0));
        }
      }
      at += take;
      payload_left_ -= take;
      payload_seen_ += take;
      progress.payload += take;
      progress.accepted = at;
      if (payload_left_ == 0) end_frame(progress);
      continue;
    }
    // A frame header: its size is known from its first two bytes. An incomplete one is left for
    // the caller to present again with what follows (it is not accepted yet).
    const std::size_t left = bytes.size() - at;
    if (left < 2) break;
    const std::uint8_t length7 = bytes[at + 1] & 0x7f;
    const std::size_t size = 2 +
                             (length7 == 126   ? 2
                              : length7 == 127 ? 8
                                               : 0) +
                             ((bytes[at + 1] & kMaskBit) != 0 ? 4 : 0);
    if (left < size) break;
    const Violation violation = take_header(bytes.data() + at);
    if (violation != Violation::none) {
      failed_ = true;
      violation_ = violation;
      progress.violation = violation;
      return progress;
    }
    at += size;
    progress.accepted = at;
    ++progress.frames;
    if (!is_control(opcode_) && !in_message_) ++progress.messages;
    if (opcode_ == Opcode::pong) ++progress.pongs;
    if (payload_left_ == 0) end_frame(progress);
  }
  return progress;
}

void FrameScanner::end_frame(ScanProgress& progress) {
  if (opcode_ != Opcode::close) return;
  progress.close_frame = true;
  closed_ = true;
  if (payload_seen_ >= 2) {
    close_code_ = static_cast<std::uint16_t>((close_bytes_[0] << 8) | close_bytes_[1]);
  }
}

std::size_t write_close(std::span<std::uint8_t, kMaxBuiltFrame> out, std::uint16_t code,
                        std::optional<std::uint32_t> mask) {
  const std::uint8_t payload[2] = {static_cast<std::uint8_t>(code >> 8),
                                   static_cast<std::uint8_t>(code & 0xff)};
  return write_small(out, Opcode::close, payload, mask);
}

std::size_t write_ping(std::span<std::uint8_t, kMaxBuiltFrame> out,
                       std::optional<std::uint32_t> mask) {
  return write_small(out, Opcode::ping, {}, mask);
}

}  // namespace apigw::ws
