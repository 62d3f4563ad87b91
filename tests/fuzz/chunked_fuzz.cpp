// Fuzzes the chunked body scanner that frames request and response bodies (ChunkedScanner, and
// BodyFramer around it). Input: the first 8 bytes seed how the rest is split, the rest is the
// body as it comes off the wire. A connection sees the body in whatever pieces TCP delivers, so
// every split must give the same verdict, the same end and the same decoded payload as one piece.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "http/body_framing.h"
#include "http/parser.h"

using apigw::http::ChunkedScanner;

namespace {

struct Outcome {
  std::size_t consumed = 0;
  bool done = false;
  bool error = false;
  std::uint64_t payload_bytes = 0;
  std::string payload;

  bool operator==(const Outcome&) const = default;
};

// Piece sizes from a small xorshift generator, so one input replays the same split everywhere.
class Splitter {
 public:
  explicit Splitter(std::uint64_t seed) : state_(seed | 1) {}
  std::size_t next_piece(std::size_t max_piece) {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return 1 + static_cast<std::size_t>(state_ % max_piece);
  }

 private:
  std::uint64_t state_;
};

// Feeds `body` as a connection does: each call sees the next piece, and the caller stops at done
// or error. A scanner that has not finished must take every byte it is given (it never buffers,
// so leaving bytes would stall the connection).
Outcome feed_in_pieces(std::string_view body, Splitter& splitter, std::size_t max_piece) {
  ChunkedScanner scanner;
  Outcome out;
  std::size_t pos = 0;
  while (pos < body.size() && !out.done && !out.error) {
    const std::string_view piece = body.substr(pos, splitter.next_piece(max_piece));
    const ChunkedScanner::Step step = scanner.scan(piece, &out.payload);
    FUZZ_CHECK(step.consumed <= piece.size());
    if (!step.done && !step.error) FUZZ_CHECK(step.consumed == piece.size());
    out.consumed += step.consumed;
    out.done = step.done;
    out.error = step.error;
    pos += piece.size();
  }
  out.payload_bytes = scanner.payload_bytes();
  // Finished is final: nothing more is consumed.
  if (out.done || out.error) FUZZ_CHECK(scanner.scan("0\r\n\r\n", &out.payload).consumed == 0);
  return out;
}

Outcome feed_whole(std::string_view body) {
  ChunkedScanner scanner;
  Outcome out;
  const ChunkedScanner::Step step = scanner.scan(body, &out.payload);
  out.consumed = step.consumed;
  out.done = step.done;
  out.error = step.error;
  out.payload_bytes = scanner.payload_bytes();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::uint64_t seed = 0;
  const std::size_t seed_bytes = size < sizeof seed ? size : sizeof seed;
  std::memcpy(&seed, data, seed_bytes);
  const std::string_view body(reinterpret_cast<const char*>(data) + seed_bytes, size - seed_bytes);

  const Outcome whole = feed_whole(body);
  FUZZ_CHECK(!(whole.done && whole.error));
  FUZZ_CHECK(whole.consumed <= body.size());
  FUZZ_CHECK(whole.payload.size() == whole.payload_bytes);
  if (!whole.done && !whole.error) FUZZ_CHECK(whole.consumed == body.size());
  if (whole.done) FUZZ_CHECK(body.substr(0, whole.consumed).ends_with("\r\n\r\n"));

  Splitter splitter(seed);
  FUZZ_CHECK(feed_in_pieces(body, splitter, 7) == whole);
  FUZZ_CHECK(feed_in_pieces(body, splitter, 300) == whole);
  Splitter one_byte(0);
  FUZZ_CHECK(feed_in_pieces(body, one_byte, 1) == whole);

  // Without a payload string the verdict is the same (the proxy's way of calling it).
  ChunkedScanner counting;
  const ChunkedScanner::Step step = counting.scan(body);
  FUZZ_CHECK(step.consumed == whole.consumed && step.done == whole.done &&
             step.error == whole.error && counting.payload_bytes() == whole.payload_bytes);

  // The body framer relays exactly what the scanner says.
  apigw::http::BodyFramer framer(apigw::http::BodyFraming::chunked, 0);
  const apigw::http::BodyFramer::Step framed = framer.next(body);
  FUZZ_CHECK(framed.consumed == whole.consumed && framed.error == whole.error &&
             framer.done() == whole.done);

  if (whole.done) {
    // The message alone ends at the same byte; without its last byte it is still arriving.
    const std::string_view message = body.substr(0, whole.consumed);
    FUZZ_CHECK(feed_whole(message) == whole);
    const Outcome cut = feed_whole(message.substr(0, message.size() - 1));
    FUZZ_CHECK(!cut.done && !cut.error && cut.consumed == message.size() - 1);
  }
  if (whole.error) {
    // More bytes cannot repair what is already wrong, and the error is found at the same byte.
    const Outcome longer = feed_whole(std::string(body) + "\r\n0\r\n\r\n");
    FUZZ_CHECK(longer.error && longer.consumed == whole.consumed);
  }
  return 0;
}
