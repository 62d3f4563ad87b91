// The frame scanner's boundaries and the abuse budget's counters, without nghttp2.
#include "h2/abuse_budget.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "h2/frame_scanner.h"

namespace apigw::h2 {
namespace {

std::string frame(std::uint8_t type, std::uint8_t flags, std::int32_t stream,
                  const std::string& payload) {
  const auto n = static_cast<std::uint32_t>(payload.size());
  std::string out = {static_cast<char>(n >> 16),
                     static_cast<char>(n >> 8),
                     static_cast<char>(n),
                     static_cast<char>(type),
                     static_cast<char>(flags),
                     0,
                     0,
                     0,
                     static_cast<char>(stream)};
  return out + payload;
}

std::span<const std::uint8_t> bytes_of(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

TEST(H2FrameScanner, FindsEveryHeaderWhateverTheSplit) {
  const std::string preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  const std::string stream = preface + frame(4, 0, 0, "") + frame(0, 1, 3, "hello") +
                             frame(6, 0, 0, "12345678") + frame(8, 0, 0, "abcd");
  for (std::size_t chunk : {std::size_t{1}, std::size_t{5}, std::size_t{9}, stream.size()}) {
    FrameScanner scanner;
    std::vector<FrameHeader> headers;
    std::string passed;
    for (std::size_t at = 0; at < stream.size(); at += chunk) {
      const std::string piece = stream.substr(at, chunk);
      std::span<const std::uint8_t> in = bytes_of(piece);
      while (!in.empty()) {
        const FrameScanner::Piece next = scanner.next(in);
        if (next.kind == FrameScanner::Kind::header) headers.push_back(scanner.header());
        passed.append(reinterpret_cast<const char*>(next.bytes.data()), next.bytes.size());
      }
    }
    EXPECT_EQ(passed, stream) << "every byte handed on once, in order; chunk " << chunk;
    ASSERT_EQ(headers.size(), 4u) << chunk;
    EXPECT_TRUE(headers[1].is(FrameType::data));
    EXPECT_EQ(headers[1].length, 5u);
    EXPECT_EQ(headers[1].stream, 3);
    EXPECT_TRUE(headers[1].has(kFlagEndStream));
    EXPECT_TRUE(headers[3].is(FrameType::window_update));
  }
}

TEST(H2TokenBucket, TheTakeThatEmptiesItFailsAndTimeRefillsIt) {
  TokenBucket bucket(3, 1.0);
  const Clock::time_point t0 = Clock::time_point{} + std::chrono::hours(1);
  EXPECT_TRUE(bucket.take(t0));
  EXPECT_TRUE(bucket.take(t0));
  EXPECT_FALSE(bucket.take(t0)) << "the 3rd of a burst of 3";
  TokenBucket refilled(3, 1.0);
  EXPECT_TRUE(refilled.take(t0));
  EXPECT_TRUE(refilled.take(t0));
  EXPECT_TRUE(refilled.take(t0 + std::chrono::seconds(2)));
  EXPECT_TRUE(refilled.take(t0 + std::chrono::seconds(2)));
  EXPECT_TRUE(refilled.take(t0 + std::chrono::seconds(100)));
  EXPECT_TRUE(refilled.take(t0 + std::chrono::seconds(100)));
  EXPECT_FALSE(refilled.take(t0 + std::chrono::seconds(100))) << "never more than the burst";
}

TEST(H2AbuseBudget, CountsWhatTheDesignNoteSays) {
  const Clock::time_point now = Clock::time_point{} + std::chrono::hours(1);
  AbuseBudget budget(AbuseLimits{}, 64 * 1024);
  FrameHeader empty_data{0, 0, 0, 1};
  for (int i = 1; i < 64; ++i) ASSERT_EQ(budget.on_frame(empty_data, false, now), Abuse::none);
  EXPECT_EQ(budget.on_frame(empty_data, false, now), Abuse::empty_data) << "the 64th";

  AbuseBudget windows(AbuseLimits{}, 64 * 1024);
  FrameHeader update{4, 8, 0, 0};
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(windows.on_frame(update, true, now), Abuse::none);
  for (int i = 1; i < 1000; ++i) ASSERT_EQ(windows.on_frame(update, false, now), Abuse::none);
  EXPECT_EQ(windows.on_frame(update, false, now), Abuse::control_flood);

  AbuseBudget blocks(AbuseLimits{}, 64 * 1024);
  EXPECT_EQ(blocks.on_frame(FrameHeader{10, 1, 0, 1}, false, now), Abuse::none);
  EXPECT_TRUE(blocks.header_block_open());
  FrameHeader continuation{1, 9, 0, 1};
  for (int i = 0; i < 8; ++i) ASSERT_EQ(blocks.on_frame(continuation, false, now), Abuse::none);
  EXPECT_EQ(blocks.on_frame(continuation, false, now), Abuse::continuation_flood);
  continuation.flags = kFlagEndHeaders;
  AbuseBudget closed(AbuseLimits{}, 64 * 1024);
  closed.on_frame(FrameHeader{10, 1, 0, 1}, false, now);
  EXPECT_EQ(closed.on_frame(continuation, false, now), Abuse::none);
  EXPECT_FALSE(closed.header_block_open());

  AbuseBudget bombs(AbuseLimits{}, 64 * 1024);
  for (int i = 1; i < 10; ++i) ASSERT_EQ(bombs.on_header_bomb(), Abuse::none);
  EXPECT_EQ(bombs.on_header_bomb(), Abuse::header_abuse);
}

}  // namespace
}  // namespace apigw::h2
