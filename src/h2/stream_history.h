// What the client did with the stream ids it opened recently: which it used, and on which it
// ended its side (END_STREAM or RST_STREAM). nghttp2 forgets a stream once it is closed (the
// session keeps no closed streams), so it cannot tell a frame on a stream the client itself
// finished (a protocol error, RFC 9113 §5.1) from one on a stream the server reset while the
// client was still sending (which must be ignored), nor a new stream whose id is lower than one
// already used (§5.1.1: PROTOCOL_ERROR) from trailers on an old one. This remembers the last
// kWindow client stream ids in two bitmaps (256 bytes, no allocation); older ids are "unknown".
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace apigw::h2 {

class StreamHistory {
 public:
  static constexpr std::size_t kWindow = 1024;  // client (odd) stream ids remembered

  enum class Past : std::uint8_t {
    unknown,        // above the highest id seen, or older than the window
    never_opened,   // below the highest id, and no HEADERS ever came on it
    open,           // opened and the client has not ended its side
    client_closed,  // the client sent END_STREAM or RST_STREAM on it
  };

  // A HEADERS frame on `id` (a client id, odd): ids above the highest become the highest.
  void on_headers(std::int32_t id);
  // The client ended its side of `id` (a frame with END_STREAM, or RST_STREAM).
  void on_client_end(std::int32_t id);

  Past past(std::int32_t id) const;
  std::int32_t highest() const { return highest_; }

 private:
  using Bits = std::array<std::uint64_t, kWindow / 64>;
  static std::size_t slot(std::int32_t id) {
    return (static_cast<std::uint32_t>(id) >> 1) % kWindow;
  }
  static bool test(const Bits& bits, std::size_t slot) {
    return (bits[slot / 64] >> (slot % 64)) & 1;
  }
  static void set(Bits& bits, std::size_t slot) {
    bits[slot / 64] |= std::uint64_t{1} << (slot % 64);
  }
  static void clear(Bits& bits, std::size_t slot) {
    bits[slot / 64] &= ~(std::uint64_t{1} << (slot % 64));
  }
  bool in_window(std::int32_t id) const;

  std::int32_t highest_ = 0;
  Bits opened_{};
  Bits ended_{};
};

}  // namespace apigw::h2
