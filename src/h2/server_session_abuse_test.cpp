// ServerSession against hostile clients (design note §3.5, §3.6, §5.3): the abuse budget cuts
// floods with GOAWAY(ENHANCE_YOUR_CALM) before nghttp2's own limits, memory stays bounded, and
// no malformed request reaches the caller.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "h2/server_session.h"
#include "h2/test_h2_peer.h"

namespace apigw::h2 {
namespace {

using testing::Fields;
using testing::Frames;
using testing::RawRun;

constexpr auto kCalm = static_cast<std::uint32_t>(NGHTTP2_ENHANCE_YOUR_CALM);

// A session that has taken the preface and the client's SETTINGS.
struct Connection {
  explicit Connection(const SessionLimits& limits = {}) : server(limits) {
    testing::feed_raw(server, frames.preface().take(), run);
  }
  void send(std::string_view bytes) { testing::feed_raw(server, bytes, run, now); }
  void send() { send(frames.take()); }
  std::uint32_t goaway_code() const {
    const testing::Frame* goaway = run.find(NGHTTP2_GOAWAY);
    return goaway == nullptr ? 0xffffffffu : goaway->code();
  }

  ServerSession server;
  Frames frames;
  RawRun run;
  Clock::time_point now = Clock::time_point{} + std::chrono::hours(1);
};

TEST(H2Abuse, RapidResetInOneReadIsCutAndNothingIsReported) {
  Connection c;
  std::int32_t id = 1;
  int batches = 0;
  for (; batches < 100 && !c.server.closing(); ++batches) {
    for (int i = 0; i < 100; ++i, id += 2) {
      c.frames.headers(id, testing::get_request(), Frames::kEndHeaders).rst(id);
    }
    c.send();
  }
  EXPECT_TRUE(c.server.closing());
  EXPECT_EQ(c.server.abuse(), Abuse::rapid_reset);
  EXPECT_EQ(c.goaway_code(), kCalm);
  EXPECT_EQ(batches, 1) << "the 100th reset within the burst trips the budget";
  EXPECT_TRUE(c.run.events.empty()) << "streams opened and reset in one read are never reported";
  EXPECT_TRUE(c.server.finished());
}

TEST(H2Abuse, RapidResetAcrossReadsReportsAtMostTheBudget) {
  Connection c;
  std::size_t reported = 0;
  for (std::int32_t id = 1; id < 20'000 && !c.server.closing(); id += 2) {
    c.frames.headers(id, testing::get_request(), Frames::kEndHeaders);
    c.send();
    reported += c.run.count(EventKind::request);
    c.run.events.clear();
    c.frames.rst(id);
    c.send();
  }
  EXPECT_EQ(c.goaway_code(), kCalm);
  EXPECT_LE(reported, 100u);
  EXPECT_GE(reported, 90u) << "a budget, not a ban";
}

TEST(H2Abuse, ResetBudgetRefillsOverTime) {
  Connection c;
  std::int32_t id = 1;
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 90; ++i, id += 2) {
      c.frames.headers(id, testing::get_request(), Frames::kEndHeaders).rst(id);
    }
    c.send();
    c.now += std::chrono::seconds(10);  // 10 per second refill 100 tokens
  }
  EXPECT_FALSE(c.server.closing()) << "450 resets at 9 per second stay within the budget";
}

TEST(H2Abuse, StreamsTheGatewayRefusesCountAsResets) {
  Connection c;
  for (std::int32_t id = 1; id < 400 && !c.server.closing(); id += 2) {
    c.frames.headers(id, {{":method", "GET"},
                          {":scheme", "https"},
                          {":path", "/"},
                          {":authority", "h"},
                          {"connection", "close"}});
    c.send();
  }
  EXPECT_EQ(c.goaway_code(), kCalm);
  EXPECT_EQ(c.server.abuse(), Abuse::rapid_reset);
  EXPECT_LE(c.run.count(NGHTTP2_RST_STREAM), 100u);
  EXPECT_EQ(c.run.count(EventKind::request), 0u);
}

TEST(H2Abuse, ContinuationFloodIsCutWithBoundedMemory) {
  for (const std::size_t size : {std::size_t{16'384}, std::size_t{1}}) {
    Connection c;
    const std::string block = c.frames.encode(testing::get_request());
    c.frames.frame(NGHTTP2_HEADERS, 0, 1, block);
    c.send();
    // Valid HPACK (each byte: the static table's "cookie" with an empty value), so nghttp2
    // decodes it and only the budget can stop the flood.
    const std::string piece(size, '\xa0');
    std::string continuations;
    for (int i = 0; i < 100; ++i) c.frames.continuation(1, piece);
    continuations = c.frames.take();
    int sent = 0;
    for (; sent < 1000 && !c.server.closing(); ++sent) c.send(continuations);
    EXPECT_EQ(sent, 1) << size;
    EXPECT_EQ(c.goaway_code(), kCalm) << size;
    EXPECT_EQ(c.server.abuse(), size == 1 ? Abuse::continuation_flood : Abuse::header_abuse);
    EXPECT_LT(c.server.bytes_held(), 256u * 1024) << size;
    EXPECT_TRUE(c.run.events.empty());
  }
}

TEST(H2Abuse, HpackBombIsResetAndRepeatedBombsCloseTheConnection) {
  Connection c;
  // One 2,000-byte value enters the HPACK table (nghttp2's encoder indexes entries up to 3/4 of
  // the table); each later reference costs the client one byte and decodes to 2 KB: 200 of them
  // are far past twice the 16 KiB header list limit.
  const Fields big = {{"x-bomb", std::string(2000, 'b')}};
  for (std::int32_t id = 1; id <= 19 && !c.server.closing(); id += 2) {
    Fields fields = testing::get_request();
    for (int i = 0; i < 200; ++i) fields.push_back(big[0]);
    c.frames.headers(id, fields);
    c.send();
    if (id == 1) {
      const testing::Frame* reset = c.run.find(NGHTTP2_RST_STREAM, 1);
      ASSERT_NE(reset, nullptr);
      EXPECT_EQ(reset->code(), kCalm);
      EXPECT_FALSE(c.server.closing());
    }
    EXPECT_LT(c.server.bytes_held(), 256u * 1024);
  }
  EXPECT_EQ(c.server.abuse(), Abuse::header_abuse);
  EXPECT_EQ(c.goaway_code(), kCalm);
  EXPECT_EQ(c.run.count(EventKind::request) + c.run.count(EventKind::refused), 0u);
}

TEST(H2Abuse, TooManyHeadersIs431AndAHeaderCountBombIsReset) {
  Connection c;
  Fields many = testing::get_request();
  for (int i = 0; i < 150; ++i) many.emplace_back("x-" + std::to_string(i), "v");
  c.frames.headers(1, many);
  c.send();
  ASSERT_EQ(c.run.count(EventKind::refused), 1u);
  EXPECT_EQ(c.run.events[0].refusal.status, 431);

  Fields bomb = testing::get_request();
  for (int i = 0; i < 10'000; ++i) bomb.emplace_back("x", "");
  c.frames.headers(3, bomb);
  c.send();
  EXPECT_EQ(c.run.count(EventKind::refused) + c.run.count(EventKind::request), 1u);
  ASSERT_NE(c.run.find(NGHTTP2_RST_STREAM, 3), nullptr);
  EXPECT_FALSE(c.server.closing()) << "one bomb resets its stream; ten close the connection";
}

TEST(H2Abuse, SettingsPingPriorityAndUselessWindowUpdateFloodsAreCut) {
  const std::vector<std::pair<const char*, std::function<void(Frames&)>>> floods = {
      {"settings",
       [](Frames& f) {
         f.settings({{NGHTTP2_SETTINGS_ENABLE_PUSH, 0}});
       }},
      {"ping", [](Frames& f) { f.ping(); }},
      {"priority", [](Frames& f) { f.priority(1); }},
      {"window update", [](Frames& f) { f.window_update(0, 1); }},
      {"unknown type", [](Frames& f) { f.frame(0xfa, 0, 0, "ext"); }},
  };
  for (const auto& [name, write] : floods) {
    Connection c;
    int frames = 0;
    while (frames < 100'000 && !c.server.closing()) {
      for (int i = 0; i < 100; ++i, ++frames) write(c.frames);
      c.send();
    }
    EXPECT_EQ(c.server.abuse(), Abuse::control_flood) << name;
    EXPECT_EQ(c.goaway_code(), kCalm) << name;
    EXPECT_LE(frames, 1000) << name;
    EXPECT_LT(c.server.bytes_held(), 256u * 1024) << name;
  }
}

TEST(H2Abuse, ControlFramesAtAModestRateAreFine) {
  Connection c;
  for (int second = 0; second < 30; ++second) {
    for (int i = 0; i < 90; ++i) c.frames.ping();
    c.send();
    c.now += std::chrono::seconds(1);
  }
  EXPECT_FALSE(c.server.closing());
  EXPECT_EQ(c.run.count(NGHTTP2_PING), 2700u) << "every PING answered";
}

TEST(H2Abuse, WindowUpdatesAfterOurDataAreNotCharged) {
  SessionLimits limits;
  limits.abuse.max_control_frames = 100;  // a small budget: 5 MB needs hundreds of updates
  Connection c(limits);
  c.frames.headers(1, testing::get_request());
  c.send();
  ASSERT_TRUE(c.server.submit_response(1, 200, {}, true));
  std::size_t sent = 0;
  std::size_t received = 0;
  std::size_t counted = 0;  // frames of run.frames already looked at
  const std::string body(5'000'000, 'd');
  for (int round = 0; round < 2000 && received < body.size(); ++round) {
    sent += c.server.submit_data(1, std::string_view(body).substr(sent), true);
    c.send("");
    // The client opens both windows after every DATA frame it reads, as some clients do.
    for (; counted < c.run.frames.size(); ++counted) {
      const testing::Frame& frame = c.run.frames[counted];
      if (frame.type != NGHTTP2_DATA || frame.payload.empty()) continue;
      received += frame.payload.size();
      const auto size = static_cast<std::uint32_t>(frame.payload.size());
      c.frames.window_update(1, size).window_update(0, size);
    }
    c.send();
  }
  EXPECT_FALSE(c.server.closing()) << "hundreds of updates, each for DATA the client read";
  EXPECT_EQ(received, body.size());
  // The same updates with no DATA to answer for are a flood.
  for (int i = 0; i < 100; ++i) c.frames.window_update(1, 1);
  c.send();
  EXPECT_EQ(c.server.abuse(), Abuse::control_flood);
}

TEST(H2Abuse, EmptyDataFloodIsCut) {
  for (const bool padded : {false, true}) {
    Connection c;
    c.frames.headers(1, testing::get_request(), Frames::kEndHeaders);
    c.send();
    int frames = 0;
    while (frames < 100'000 && !c.server.closing()) {
      for (int i = 0; i < 10; ++i, ++frames) {
        if (padded) {
          c.frames.frame(NGHTTP2_DATA, Frames::kPadded, 1, std::string(1, '\0'));
        } else {
          c.frames.data(1, "");
        }
      }
      c.send();
    }
    EXPECT_EQ(c.server.abuse(), Abuse::empty_data) << padded;
    EXPECT_EQ(c.goaway_code(), kCalm) << padded;
    EXPECT_LE(frames, 70) << padded;
  }
}

TEST(H2Abuse, EmptyDataWithEndStreamIsNotCounted) {
  Connection c;
  for (std::int32_t id = 1; id < 200; id += 2) {
    c.frames.headers(id, testing::get_request(), Frames::kEndHeaders);
    c.frames.data(id, "", Frames::kEndStream);
    c.send();
    c.server.submit_response(id, 204, {}, false);
    for (const Event& event : c.run.events) {
      if (event.kind == EventKind::closed) c.server.release(event.stream);
    }
    c.run.events.clear();
  }
  EXPECT_FALSE(c.server.closing());
}

// Every smuggling rule, through the session: the stream is reset and nothing is reported.
TEST(H2Abuse, MalformedHeadsAreResetAndNeverReported) {
  const Fields base = testing::get_request();
  auto plus = [&](Fields more) {
    Fields fields = base;
    fields.insert(fields.end(), more.begin(), more.end());
    return fields;
  };
  const std::vector<std::pair<const char*, Fields>> cases = {
      {"connection", plus({{"connection", "keep-alive"}})},
      {"keep-alive", plus({{"keep-alive", "timeout=5"}})},
      {"proxy-connection", plus({{"proxy-connection", "close"}})},
      {"transfer-encoding", plus({{"transfer-encoding", "chunked"}})},
      {"upgrade", plus({{"upgrade", "websocket"}})},
      {"te gzip", plus({{"te", "gzip"}})},
      {"uppercase name", plus({{"X-Upper", "1"}})},
      {"space in name", plus({{"x y", "1"}})},
      {"CR in value", plus({{"x-v", "a\rb"}})},
      {"LF in value", plus({{"x-v", "a\nb"}})},
      {"NUL in value", plus({{"x-v", std::string("a\0b", 3)}})},
      {"CRLF in path",
       {{":method", "GET"}, {":scheme", "https"}, {":path", "/a\r\nX: y"}, {":authority", "h"}}},
      {"pseudo after regular",
       {{":method", "GET"},
        {"accept", "*/*"},
        {":scheme", "https"},
        {":path", "/"},
        {":authority", "h"}}},
      {"unknown pseudo", plus({{":protocol", "websocket"}})},
      {"repeated pseudo",
       {{":method", "GET"},
        {":method", "POST"},
        {":scheme", "https"},
        {":path", "/"},
        {":authority", "h"}}},
      {"missing method", {{":scheme", "https"}, {":path", "/"}, {":authority", "h"}}},
      {"missing scheme", {{":method", "GET"}, {":path", "/"}, {":authority", "h"}}},
      {"missing path", {{":method", "GET"}, {":scheme", "https"}, {":authority", "h"}}},
      {"missing authority and host", {{":method", "GET"}, {":scheme", "https"}, {":path", "/"}}},
      {"authority and host differ", plus({{"host", "evil.test"}})},
      {"two content-lengths", plus({{"content-length", "1"}, {"content-length", "1"}})},
      {"content-length list", plus({{"content-length", "1, 1"}})},
      {"content-length not a number", plus({{"content-length", "1x"}})},
      {"path not origin-form",
       {{":method", "GET"}, {":scheme", "https"}, {":path", "x"}, {":authority", "h"}}},
  };
  for (const auto& [name, fields] : cases) {
    Connection c;
    c.frames.headers(1, fields, Frames::kEndHeaders);
    c.frames.data(1, "x", Frames::kEndStream);
    c.send();
    EXPECT_TRUE(c.run.events.empty()) << name;
    const testing::Frame* reset = c.run.find(NGHTTP2_RST_STREAM, 1);
    const testing::Frame* goaway = c.run.find(NGHTTP2_GOAWAY);
    EXPECT_TRUE(reset != nullptr || goaway != nullptr) << name;
    if (reset != nullptr) {
      EXPECT_EQ(reset->code(), static_cast<std::uint32_t>(NGHTTP2_PROTOCOL_ERROR)) << name;
    }
  }
}

TEST(H2Abuse, ContentLengthThatTheBodyContradictsResetsAReportedStream) {
  Connection c;
  c.frames.headers(1,
                   {{":method", "POST"},
                    {":scheme", "https"},
                    {":path", "/"},
                    {":authority", "h"},
                    {"content-length", "3"}},
                   Frames::kEndHeaders);
  c.frames.data(1, "toolong", Frames::kEndStream);
  c.send();
  EXPECT_EQ(c.run.count(EventKind::request_end), 0u) << "the request never completes";
  const testing::Frame* reset = c.run.find(NGHTTP2_RST_STREAM, 1);
  ASSERT_NE(reset, nullptr);
  EXPECT_EQ(reset->code(), static_cast<std::uint32_t>(NGHTTP2_PROTOCOL_ERROR));
}

TEST(H2Abuse, BadPrefaceIsAProtocolError) {
  ServerSession server{SessionLimits{}};
  RawRun run;
  testing::feed_raw(server, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", run);
  EXPECT_TRUE(server.closing());
  EXPECT_EQ(server.close_reason(), CloseReason::protocol_error);
  EXPECT_TRUE(server.finished());
}

}  // namespace
}  // namespace apigw::h2
