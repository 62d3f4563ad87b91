// WebSocket framing (RFC 6455 §5) without I/O, for a tunnel that relays frames it does not
// decode: a scanner follows the frame headers of one direction of a connection, however the bytes
// are split across reads, counts frames, messages and payload bytes, and judges each header
// against the protocol's rules and the route's limits before the frame is relayed. Payloads are
// skipped, never copied, except the two bytes of a close frame's status code. Builders write the
// few frames the gateway sends itself (a close with a code, a ping).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace apigw::ws {

// RFC 6455 §5.2 opcodes.
enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xa,
};

// RFC 6455 §7.4.1 status codes the gateway sends.
inline constexpr std::uint16_t kCloseNormal = 1000;
inline constexpr std::uint16_t kCloseGoingAway = 1001;      // idle, drain, route deleted
inline constexpr std::uint16_t kCloseProtocolError = 1002;  // a frame broke the rules
inline constexpr std::uint16_t kCloseTooBig = 1009;         // over max_message_size

// Which side sends the bytes a scanner reads: clients mask every frame, servers none (§5.1).
enum class Sender : std::uint8_t { client, server };

// What a scanner refuses, and the close code the gateway answers it with.
enum class Violation : std::uint8_t {
  none,
  reserved_bits,     // RSV bits without an extension that defines them (RSV1: permessage-deflate)
  bad_opcode,        // a reserved opcode
  bad_control,       // a control frame fragmented or over 125 bytes; a close body of 1 byte
  bad_continuation,  // a continuation outside a message, or a new message inside one
  bad_length,        // a length not in its shortest form, or a 64-bit one with its top bit set
  after_close,       // a frame after the sender's close frame (§5.5.1)
  masking,           // a client frame unmasked, or a server frame masked
  too_big,           // a message over the limit
};
std::uint16_t close_code_for(Violation violation);

struct ScanLimits {
  std::uint64_t max_message_size = 0;  // data bytes of one message, all its frames; 0: no limit
  bool rsv1_allowed = false;           // permessage-deflate was negotiated end to end
};

// What one feed() found.
struct ScanProgress {
  // Bytes of the input that belong to frames the rules allow: all of it without a violation, up
  // to the first byte of the refused frame's header otherwise (relay these and no more).
  std::size_t accepted = 0;
  std::uint64_t frames = 0;    // frame headers completed (of allowed frames)
  std::uint64_t messages = 0;  // data messages whose final frame's header was seen
  std::uint64_t payload = 0;   // payload bytes passed over
  std::uint64_t pongs = 0;     // pong frames (a ping answered)
  bool close_frame = false;    // a close frame has been seen whole
  Violation violation = Violation::none;
};

class FrameScanner {
 public:
  FrameScanner(Sender sender, ScanLimits limits) : sender_(sender), limits_(limits) {}

  // Follows the next bytes of the stream. A frame header that is not whole yet is not taken:
  // the caller keeps the bytes past `accepted` and presents them again, first, with what follows
  // (at most 13 bytes). After a violation every later call accepts nothing.
  ScanProgress feed(std::span<const std::uint8_t> bytes);

  // The status code of the close frame seen, when it carried one (§5.5.1).
  std::optional<std::uint16_t> close_code() const { return close_code_; }
  // Whether a data message is open (a fragment seen, its final one not yet).
  bool in_message() const { return in_message_; }
  // Whether the bytes accepted so far end on a frame's last byte: a frame the gateway writes
  // itself (a close, a ping) may go in here. A header not taken yet is not part of them.
  bool between_frames() const { return payload_left_ == 0; }
  // Whether the sender's close frame has passed whole.
  bool closed() const { return closed_; }
  // A reload changed the route's max_message_size: from the next frame header on.
  void set_max_message_size(std::uint64_t size) { limits_.max_message_size = size; }

 private:
  // Judges one whole frame header; sets up the walk over its payload when it is allowed.
  Violation take_header(const std::uint8_t* header);
  // A frame's last payload byte passed (or it had none).
  void end_frame(ScanProgress& progress);

  Sender sender_;
  ScanLimits limits_;
  std::uint64_t message_size_ = 0;  // data bytes of the open message so far
  bool in_message_ = false;
  bool closed_ = false;  // the sender's close frame has been seen
  bool failed_ = false;
  Violation violation_ = Violation::none;
  // The frame whose payload is being walked.
  Opcode opcode_ = Opcode::continuation;
  std::uint64_t payload_left_ = 0;
  std::uint64_t payload_seen_ = 0;
  std::uint8_t mask_[4] = {};
  bool masked_ = false;
  std::uint8_t close_bytes_[2] = {};
  std::optional<std::uint16_t> close_code_;
};

// The largest frame the builders write: 2 + 4 (mask) + 2 (code).
inline constexpr std::size_t kMaxBuiltFrame = 8;

// A close frame with `code` and no reason; masked with `mask` when it goes to a server (the
// gateway is that server's client). Returns its size.
std::size_t write_close(std::span<std::uint8_t, kMaxBuiltFrame> out, std::uint16_t code,
                        std::optional<std::uint32_t> mask);
// An empty ping frame; masked likewise.
std::size_t write_ping(std::span<std::uint8_t, kMaxBuiltFrame> out,
                       std::optional<std::uint32_t> mask);

}  // namespace apigw::ws
