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

TraceContext start(std::string_view traceparent, double ratio, util::FastRandom& random,
                   const MadeRequestId* made, TraceparentText& sent) {
  TraceContext context;
  start_trace(traceparent, ratio, random, made, context, sent);
  return context;
}

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
  TraceparentText sent;
  const TraceContext continued = start(kExample, 0.0, random, nullptr, sent);
  EXPECT_TRUE(continued.active);
  EXPECT_TRUE(continued.sampled) << "parent-based: the caller sampled it";
  EXPECT_TRUE(continued.has_parent());
  const auto parent = to_hex(continued.parent_span_id);
  EXPECT_EQ(std::string(parent.data(), parent.size()), "00f067aa0ba902b7");
  EXPECT_NE(continued.span_id, continued.parent_span_id);
  // What a call sends: the caller's trace, the call's own span, the caller's decision.
  const SpanId call = new_span_id(random);
  set_traceparent_span(call, sent);
  const auto call_hex = to_hex(call);
  EXPECT_EQ(text(sent), "00-4bf92f3577b34da6a3ce929d0e0e4736-" +
                            std::string(call_hex.data(), call_hex.size()) + "-01");
  TraceparentText formatted;
  format_traceparent(continued.trace_id, call, true, formatted);
  EXPECT_EQ(text(formatted), text(sent));
  const TraceContext unsampled = start(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", 1.0, random, nullptr, sent);
  EXPECT_FALSE(unsampled.sampled) << "parent-based: the caller did not sample it";
  EXPECT_EQ(text(sent).substr(52), "-00");
}

TEST(TraceContext, WithoutACallerATraceStartsSampledAtTheRatio) {
  util::FastRandom random(2);
  TraceparentText sent;
  const TraceContext always = start("", 1.0, random, nullptr, sent);
  EXPECT_TRUE(always.sampled);
  EXPECT_FALSE(always.has_parent());
  EXPECT_FALSE(start("garbage", 0.0, random, nullptr, sent).sampled);
  int sampled = 0;
  std::set<TraceId> traces;
  for (int i = 0; i < 20'000; ++i) {
    const TraceContext context = start("", 0.1, random, nullptr, sent);
    sampled += context.sampled ? 1 : 0;
    traces.insert(context.trace_id);
    const auto hex = to_hex(context.trace_id);
    ASSERT_EQ(text(sent).substr(0, 36), "00-" + std::string(hex.data(), hex.size()) + "-");
    ASSERT_EQ(text(sent).substr(52), context.sampled ? "-01" : "-00");
  }
  EXPECT_NEAR(sampled, 2000, 300);
  EXPECT_EQ(traces.size(), 20'000u) << "ids do not repeat";
}

TEST(TraceContext, ATraceTheGatewayStartsTakesTheRequestIdItMade) {
  util::FastRandom random(3);
  util::RequestIdText id;
  util::RequestIdBits bits;
  util::make_request_id(id, bits, random);
  const MadeRequestId made{bits, id};
  TraceparentText sent;
  const TraceContext started = start("", 0.0, random, &made, sent);
  EXPECT_EQ(started.trace_id, bits);
  EXPECT_EQ(text(sent).substr(3, 32), std::string(id.data(), id.size()));
  // A caller's trace wins over the request id.
  const TraceContext continued = start(kExample, 0.0, random, &made, sent);
  EXPECT_NE(continued.trace_id, bits);
  EXPECT_EQ(text(sent).substr(3, 32), "4bf92f3577b34da6a3ce929d0e0e4736");
}

}  // namespace
}  // namespace apigw::observe
