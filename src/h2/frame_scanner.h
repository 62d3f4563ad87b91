// Follows the frame boundaries of a client's HTTP/2 byte stream without decoding anything, so
// that each frame's header (type, flags, length, stream) can be judged by the abuse budget before
// nghttp2 sees any byte of that frame. A frame header is handed on only once its nine bytes are
// all in, from the scanner's own copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace apigw::h2 {

// RFC 9113 §6 frame types.
enum class FrameType : std::uint8_t {
  data = 0x0,
  headers = 0x1,
  priority = 0x2,
  rst_stream = 0x3,
  settings = 0x4,
  push_promise = 0x5,
  ping = 0x6,
  goaway = 0x7,
  window_update = 0x8,
  continuation = 0x9,
};

inline constexpr std::uint8_t kFlagEndStream = 0x1;   // DATA, HEADERS
inline constexpr std::uint8_t kFlagAck = 0x1;         // SETTINGS, PING
inline constexpr std::uint8_t kFlagEndHeaders = 0x4;  // HEADERS, CONTINUATION
inline constexpr std::uint8_t kFlagPadded = 0x8;      // DATA, HEADERS

struct FrameHeader {
  std::uint32_t length = 0;
  std::uint8_t type = 0;
  std::uint8_t flags = 0;
  std::int32_t stream = 0;

  bool is(FrameType t) const { return type == static_cast<std::uint8_t>(t); }
  bool has(std::uint8_t flag) const { return (flags & flag) != 0; }
};

class FrameScanner {
 public:
  static constexpr std::size_t kPrefaceSize = 24;  // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
  static constexpr std::size_t kHeaderSize = 9;

  enum class Kind : std::uint8_t {
    none,     // nothing to hand on yet (a frame header still arriving)
    preface,  // bytes of the client connection preface
    header,   // one whole frame header: header() describes it
    payload,  // payload bytes of the frame header() describes
  };
  struct Piece {
    Kind kind = Kind::none;
    std::span<const std::uint8_t> bytes;
    std::size_t payload_offset = 0;  // kind payload: where in the payload `bytes` start
  };

  // Takes the next piece from the front of `in` (which it advances past what it took).
  Piece next(std::span<const std::uint8_t>& in);

  // The frame being received (valid after a header piece).
  const FrameHeader& header() const { return header_; }

 private:
  enum class State : std::uint8_t { preface, header, payload };
  State state_ = State::preface;
  std::size_t preface_left_ = kPrefaceSize;
  std::uint8_t header_bytes_[kHeaderSize] = {};
  std::size_t header_have_ = 0;
  std::size_t payload_left_ = 0;
  FrameHeader header_;
};

}  // namespace apigw::h2
