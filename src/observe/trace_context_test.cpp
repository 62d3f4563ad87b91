#include "observe/trace_context.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <vector>
#include <string>

namespace apigw::observe {
namespace {

constexpr std::string_view kExample = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

std::string text(const TraceparentText& value) { return std::string(value.data(), value.size()); }

TEST(TraceContext, TheSpecsExampleParsesAndFormatsBackTheSame) {
  ParsedTraceparent parsed;
  ASSERT_TRUE(parse_traceparent(kExample, parsed));
  EXPECT_TRUE(parsed.sampled);
  const auto trace = to_hex(parsed.trace_id);
  EXPECT_EQ(std::string(trace.data(), trace.size()), "4bf92f3577b34da6a3ce929d0e0e4736");
  TraceparentText out;
  format_traceparent(parsed.trace_id, parsed.parent_span_id, true, out);
  EXPECT_EQ(text(out), kExample);
  format_traceparent(parsed.trace_id, parsed.parent_span_id, false, out);
  EXPECT_EQ(text(out).substr(53), "00");
}

TEST(TraceContext, HexOfAnyLengthMatchesPrintf) {
  std::vector<std::uint8_t> bytes(40);
  std::uint32_t seed = 12345;
  for (int round = 0; round < 50; ++round) {
    for (auto& byte : bytes) byte = static_cast<std::uint8_t>((seed = seed * 1103515245 + 12345) >> 16);
    for (std::size_t size = 0; size <= bytes.size(); ++size) {
      std::string expected;
      for (std::size_t i = 0; i < size; ++i) {
        char pair[3];
        std::snprintf(pair, sizeof pair, "%02x", bytes[i]);
        expected += pair;
      }
      std::string got(2 * size, '?');
      write_hex(bytes.data(), size, got.data());
      ASSERT_EQ(got, expected) << size;
    }
  }
}

TEST(TraceContext, InvalidValuesAreRefused) {
  ParsedTraceparent parsed;
  for (const std::string_view bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",     // short
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero parent id
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version ff
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // 00 with more
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // separator
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",    // not hex
       }) {
    EXPECT_FALSE(parse_traceparent(bad, parsed)) << bad;
  }
  // A later version is read as far as version 00 goes.
  EXPECT_TRUE(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-extra",
                                parsed));
  EXPECT_FALSE(parsed.sampled);
  EXPECT_FALSE(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00x",
                                 parsed));
}

TEST(TraceContext, ACallersTraceIsContinuedAndItsSamplingFollowed) {
  util::FastRandom random(1);
  const TraceContext continued = start_trace(kExample, 0.0, random);
  EXPECT_TRUE(continued.active);
  EXPECT_TRUE(continued.sampled) << "parent-based: the caller sampled it";
  EXPECT_TRUE(continued.has_parent());
  const auto parent = to_hex(continued.parent_span_id);
  EXPECT_EQ(std::string(parent.data(), parent.size()), "00f067aa0ba902b7");
  EXPECT_NE(continued.span_id, continued.parent_span_id);
  const TraceContext unsampled =
      start_trace("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", 1.0, random);
  EXPECT_FALSE(unsampled.sampled) << "parent-based: the caller did not sample it";
}

TEST(TraceContext, WithoutACallerATraceStartsSampledAtTheRatio) {
  util::FastRandom random(2);
  const TraceContext always = start_trace("", 1.0, random);
  EXPECT_TRUE(always.sampled);
  EXPECT_FALSE(always.has_parent());
  EXPECT_FALSE(start_trace("garbage", 0.0, random).sampled);
  int sampled = 0;
  std::set<TraceId> traces;
  for (int i = 0; i < 20'000; ++i) {
    const TraceContext context = start_trace("", 0.1, random);
    sampled += context.sampled ? 1 : 0;
    traces.insert(context.trace_id);
  }
  EXPECT_NEAR(sampled, 2000, 300);
  EXPECT_EQ(traces.size(), 20'000u) << "ids do not repeat";
}

}  // namespace
}  // namespace apigw::observe
