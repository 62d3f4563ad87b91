// The frame scanner against frames built here byte by byte (RFC 6455 §5.2): what it counts, what
// it refuses and where, bytes split anywhere, and the frames the gateway writes.
#include "ws/frame.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

namespace apigw::ws {
namespace {

using Bytes = std::vector<std::uint8_t>;

// One frame: FIN, RSV bits, opcode, a payload, masked with `key` when given (a client's).
Bytes frame(bool fin, Opcode opcode, const std::string& payload,
            std::optional<std::uint32_t> key = std::nullopt, std::uint8_t rsv = 0) {
  Bytes out;
  out.push_back(
      static_cast<std::uint8_t>((fin ? 0x80 : 0) | rsv | static_cast<std::uint8_t>(opcode)));
  const std::uint8_t mask_bit = key ? 0x80 : 0;
  const std::uint64_t size = payload.size();
  if (size < 126) {
    out.push_back(static_cast<std::uint8_t>(mask_bit | size));
  } else if (size <= 0xffff) {
    out.push_back(mask_bit | 126);
    out.push_back(static_cast<std::uint8_t>(size >> 8));
    out.push_back(static_cast<std::uint8_t>(size));
  } else {
    out.push_back(mask_bit | 127);
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(size >> (8 * i)));
  }
  std::uint8_t mask[4] = {};
  if (key) {
    for (int i = 0; i < 4; ++i) mask[i] = static_cast<std::uint8_t>(*key >> (24 - 8 * i));
    out.insert(out.end(), mask, mask + 4);
  }
  for (std::size_t i = 0; i < payload.size(); ++i) {
    out.push_back(static_cast<std::uint8_t>(payload[i] ^ (key ? mask[i % 4] : 0)));
  }
  return out;
}

Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

constexpr std::uint32_t kKey = 0x37fa213d;

TEST(WsFrameScanner, CountsFramesMessagesAndPayloadOfAClientStream) {
  FrameScanner scanner(Sender::client, {});
  const Bytes stream = frame(true, Opcode::text, "Hello", kKey) +
                       frame(false, Opcode::binary, std::string(300, 'b'), kKey) +
                       frame(true, Opcode::ping, "p", kKey) +  // inside a fragmented message
                       frame(true, Opcode::continuation, std::string(70000, 'c'), kKey) +
                       frame(true, Opcode::pong, "", kKey);
  const ScanProgress progress = scanner.feed(stream);
  EXPECT_EQ(progress.violation, Violation::none);
  EXPECT_EQ(progress.accepted, stream.size());
  EXPECT_EQ(progress.frames, 5u);
  EXPECT_EQ(progress.messages, 2u) << "text, then binary in two fragments";
  EXPECT_EQ(progress.payload, 5u + 300 + 1 + 70000);
  EXPECT_EQ(progress.pongs, 1u);
  EXPECT_FALSE(scanner.in_message());
}

TEST(WsFrameScanner, BytesSplitAnywhereGiveTheSameCountsWhenTheCallerKeepsTheTail) {
  const Bytes stream = frame(true, Opcode::text, "Hello", kKey) +
                       frame(false, Opcode::text, std::string(200, 'x'), kKey) +
                       frame(true, Opcode::continuation, std::string(66000, 'y'), kKey) +
                       frame(true, Opcode::close,
                             "\x03\xe8"
                             "bye",
                             kKey);
  for (std::size_t step : {1, 2, 3, 7, 13, 64, 1000}) {
    FrameScanner scanner(Sender::client, {});
    ScanProgress total;
    Bytes pending;
    for (std::size_t at = 0; at < stream.size(); at += step) {
      const std::size_t end = std::min(stream.size(), at + step);
      pending.insert(pending.end(), stream.begin() + static_cast<std::ptrdiff_t>(at),
                     stream.begin() + static_cast<std::ptrdiff_t>(end));
      const ScanProgress progress = scanner.feed(pending);
      ASSERT_EQ(progress.violation, Violation::none) << step;
      total.accepted += progress.accepted;
      total.frames += progress.frames;
      total.messages += progress.messages;
      total.payload += progress.payload;
      total.close_frame = total.close_frame || progress.close_frame;
      ASSERT_LE(pending.size() - progress.accepted, 13u) << "only a partial header is kept";
      pending.erase(pending.begin(),
                    pending.begin() + static_cast<std::ptrdiff_t>(progress.accepted));
    }
    EXPECT_TRUE(pending.empty()) << step;
    EXPECT_EQ(total.accepted, stream.size()) << step;
    EXPECT_EQ(total.frames, 4u) << step;
    EXPECT_EQ(total.messages, 2u) << step;  // a close frame is no data message
    EXPECT_EQ(total.payload, 5u + 200 + 66000 + 5) << step;
    EXPECT_TRUE(total.close_frame) << step;
    EXPECT_EQ(scanner.close_code(), 1000) << "read through the mask, whatever the split";
  }
}

TEST(WsFrameScanner, MaskingRulesDependOnTheSender) {
  {
    FrameScanner from_client(Sender::client, {});
    const Bytes unmasked = frame(true, Opcode::text, "hi");
    const ScanProgress progress = from_client.feed(unmasked);
    EXPECT_EQ(progress.violation, Violation::masking);
    EXPECT_EQ(progress.accepted, 0u);
    EXPECT_EQ(close_code_for(progress.violation), kCloseProtocolError);
  }
  {
    FrameScanner from_server(Sender::server, {});
    EXPECT_EQ(from_server.feed(frame(true, Opcode::text, "hi")).violation, Violation::none);
    EXPECT_EQ(from_server.feed(frame(true, Opcode::text, "hi", kKey)).violation,
              Violation::masking);
  }
}

TEST(WsFrameScanner, RefusedFrameIsNotAcceptedAndNothingAfterIt) {
  FrameScanner scanner(Sender::server, {});
  const Bytes good = frame(true, Opcode::text, "ok");
  const Bytes stream = good + frame(true, static_cast<Opcode>(0x3), "?") + good;
  const ScanProgress progress = scanner.feed(stream);
  EXPECT_EQ(progress.violation, Violation::bad_opcode);
  EXPECT_EQ(progress.accepted, good.size()) << "the good frame before it may go";
  EXPECT_EQ(progress.frames, 1u);
  const ScanProgress after = scanner.feed(good);
  EXPECT_EQ(after.accepted, 0u);
  EXPECT_EQ(after.violation, Violation::bad_opcode);
}

TEST(WsFrameScanner, ProtocolViolations) {
  struct Case {
    const char* what;
    Bytes bytes;
    ScanLimits limits;
    Violation expected;
  };
  Bytes long_length = {0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0};
  std::vector<Case> cases = {
      {"ping of 126 bytes",
       frame(true, Opcode::ping, std::string(126, 'p')),
       {},
       Violation::bad_control},
      {"fragmented close", frame(false, Opcode::close, ""), {}, Violation::bad_control},
      {"continuation first",
       frame(true, Opcode::continuation, "x"),
       {},
       Violation::bad_continuation},
      {"text inside a message",
       frame(false, Opcode::text, "a") + frame(true, Opcode::text, "b"),
       {},
       Violation::bad_continuation},
      {"RSV1 without permessage-deflate",
       frame(true, Opcode::text, "z", std::nullopt, 0x40),
       {},
       Violation::reserved_bits},
      {"RSV2 even with it",
       frame(true, Opcode::text, "z", std::nullopt, 0x20),
       {0, true},
       Violation::reserved_bits},
      {"RSV1 on a control frame",
       frame(true, Opcode::ping, "", std::nullopt, 0x40),
       {0, true},
       Violation::reserved_bits},
      {"64-bit length with its top bit", long_length, {}, Violation::bad_length},
      {"reserved control opcode",
       frame(true, static_cast<Opcode>(0xb), ""),
       {},
       Violation::bad_opcode},
  };
  // Lengths in a longer form than they need (§5.2: the minimal number of bytes MUST be used).
  cases.push_back({"125 in 16 bits",
                   Bytes{0x82, 0x7e, 0x00, 0x7d} + Bytes(125, 'x'),
                   {},
                   Violation::bad_length});
  cases.push_back({"65535 in 64 bits",
                   Bytes{0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0xff, 0xff},
                   {},
                   Violation::bad_length});
  cases.push_back(
      {"close with a 1-byte body", frame(true, Opcode::close, "x"), {}, Violation::bad_control});
  cases.push_back({"RSV1 on a continuation",
                   frame(false, Opcode::text, "a", std::nullopt, 0x40) +
                       frame(true, Opcode::continuation, "b", std::nullopt, 0x40),
                   {0, true},
                   Violation::reserved_bits});
  cases.push_back({"data after close",
                   frame(true, Opcode::close, "\x03\xe8") + frame(true, Opcode::text, "late"),
                   {},
                   Violation::after_close});
  for (const Case& c : cases) {
    FrameScanner scanner(Sender::server, c.limits);
    EXPECT_EQ(scanner.feed(c.bytes).violation, c.expected) << c.what;
  }
  FrameScanner deflate(Sender::server, {0, true});
  EXPECT_EQ(deflate.feed(frame(true, Opcode::text, "z", std::nullopt, 0x40)).violation,
            Violation::none)
      << "RSV1 on a data frame once permessage-deflate is negotiated";
}

TEST(WsFrameScanner, MessageSizeCountsEveryFragmentAndIsJudgedAtTheHeader) {
  FrameScanner scanner(Sender::client, {1000, false});
  const Bytes first = frame(false, Opcode::binary, std::string(600, 'a'), kKey);
  const Bytes second = frame(true, Opcode::continuation, std::string(401, 'b'), kKey);
  const ScanProgress progress = scanner.feed(first + second);
  EXPECT_EQ(progress.violation, Violation::too_big);
  EXPECT_EQ(progress.accepted, first.size()) << "the fragment that goes over is not relayed";
  EXPECT_EQ(close_code_for(progress.violation), kCloseTooBig);
  FrameScanner exact(Sender::client, {1000, false});
  EXPECT_EQ(exact
                .feed(frame(false, Opcode::binary, std::string(600, 'a'), kKey) +
                      frame(true, Opcode::continuation, std::string(400, 'b'), kKey))
                .violation,
            Violation::none)
      << "exactly the limit is allowed";
  FrameScanner huge(Sender::server, {1000, false});
  const Bytes claim = {0x82, 0x7f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  EXPECT_EQ(huge.feed(claim).violation, Violation::too_big) << "no overflow on a huge length";
}

TEST(WsFrameBuilders, CloseAndPingFramesParseBack) {
  std::array<std::uint8_t, kMaxBuiltFrame> out{};
  const std::size_t to_client = write_close(out, kCloseGoingAway, std::nullopt);
  FrameScanner client_side(Sender::server, {});
  const ScanProgress read = client_side.feed(std::span(out.data(), to_client));
  EXPECT_EQ(read.violation, Violation::none);
  EXPECT_TRUE(read.close_frame);
  EXPECT_EQ(client_side.close_code(), kCloseGoingAway);
  EXPECT_EQ(to_client, 4u);

  const std::size_t to_server = write_close(out, kCloseTooBig, 0x01020304);
  FrameScanner server_side(Sender::client, {});
  EXPECT_EQ(server_side.feed(std::span(out.data(), to_server)).violation, Violation::none);
  EXPECT_EQ(server_side.close_code(), kCloseTooBig) << "masked, and read back through the mask";
  EXPECT_EQ(to_server, 8u);

  const std::size_t ping = write_ping(out, std::nullopt);
  FrameScanner pinged(Sender::server, {});
  const ScanProgress got = pinged.feed(std::span(out.data(), ping));
  EXPECT_EQ(got.violation, Violation::none);
  EXPECT_EQ(got.frames, 1u);
  EXPECT_EQ(got.messages, 0u) << "a control frame is no message";
}

}  // namespace
}  // namespace apigw::ws
