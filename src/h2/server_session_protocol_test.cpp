// ServerSession against clients that break the stream rules nghttp2 leaves unchecked in the way
// the session runs it (no closed streams kept, RFC 7540 priorities off): frames on streams the
// client already ended, lower stream ids, PRIORITY on stream 0 or on itself (RFC 9113 §5.1,
// §5.1.1, §5.3.1, §6.3; h2spec http2/5.1/8-12, 5.1.1/2, 5.3.1/2, 6.3/1). And what must stay
// allowed: frames in flight on a stream the server reset.
#include <gtest/gtest.h>

#include <string>

#include "h2/server_session.h"
#include "h2/test_h2_peer.h"

namespace apigw::h2 {
namespace {

using testing::Fields;
using testing::Frames;
using testing::RawRun;

constexpr auto kProtocolError = static_cast<std::uint32_t>(NGHTTP2_PROTOCOL_ERROR);
constexpr auto kStreamClosed = static_cast<std::uint32_t>(NGHTTP2_STREAM_CLOSED);

struct Connection {
  Connection() { testing::feed_raw(server, frames.preface().take(), run); }
  void send() { testing::feed_raw(server, frames.take(), run); }
  // The GOAWAY's code, or none.
  std::uint32_t goaway_code() const {
    const testing::Frame* goaway = run.find(NGHTTP2_GOAWAY);
    return goaway == nullptr ? 0xffffffffu : goaway->code();
  }
  // Answers every reported stream with a 200 and no body, and releases closed ones.
  void answer_all() {
    for (const Event& event : run.events) {
      if (event.kind == EventKind::request) server.submit_response(event.stream, 200, {}, false);
      if (event.kind == EventKind::closed) server.release(event.stream);
    }
    run.events.clear();
    send();
  }

  ServerSession server{SessionLimits{}};
  Frames frames;
  RawRun run;
};

Fields post_request() {
  return {{":method", "POST"}, {":scheme", "https"}, {":path", "/"}, {":authority", "h"}};
}

TEST(H2Protocol, AStreamIdLowerThanOneUsedIsAConnectionError) {
  Connection c;
  c.frames.headers(5, testing::get_request());
  c.frames.headers(3, testing::get_request());
  c.send();
  EXPECT_TRUE(c.server.closing());
  EXPECT_EQ(c.server.close_reason(), CloseReason::protocol_error);
  EXPECT_EQ(c.goaway_code(), kProtocolError);
  EXPECT_EQ(c.run.count(EventKind::request), 0u) << "the connection is closed in the same read";
}

TEST(H2Protocol, DataOrHeadersOnAStreamTheClientResetIsAConnectionError) {
  for (const bool data : {true, false}) {
    Connection c;
    c.frames.headers(1, post_request(), Frames::kEndHeaders);
    c.frames.rst(1);
    if (data) {
      c.frames.data(1, "test", Frames::kEndStream);
    } else {
      c.frames.headers(1, testing::get_request());
    }
    c.send();
    EXPECT_EQ(c.goaway_code(), kStreamClosed) << data;
    EXPECT_TRUE(c.server.closing()) << data;
  }
}

TEST(H2Protocol, DataOrHeadersAfterBothSidesEndedIsAConnectionError) {
  for (const bool data : {true, false}) {
    Connection c;
    c.frames.headers(1, testing::get_request());
    c.send();
    c.answer_all();  // the 200 ends the stream: closed on both sides
    ASSERT_FALSE(c.server.closing());
    if (data) {
      c.frames.data(1, "test", Frames::kEndStream);
    } else {
      c.frames.headers(1, testing::get_request());
    }
    c.send();
    EXPECT_EQ(c.goaway_code(), kStreamClosed) << data;
  }
}

TEST(H2Protocol, FramesInFlightOnAStreamTheServerResetAreIgnored) {
  Connection c;
  c.frames.headers(1, post_request(), Frames::kEndHeaders);
  c.frames.data(1, "part one");
  c.send();
  ASSERT_EQ(c.run.count(EventKind::request), 1u);
  c.server.reset_stream(1);  // say, the upstream failed
  c.send();
  ASSERT_NE(c.run.find(NGHTTP2_RST_STREAM, 1), nullptr);
  // The client sent these before it read the RST_STREAM (RFC 9113 §5.1: MUST be ignored).
  c.frames.data(1, "part two");
  c.frames.headers(1, {{"x-trailer", "1"}});  // trailers: HPACK state must stay in step
  c.send();
  EXPECT_FALSE(c.server.closing());
  EXPECT_EQ(c.run.find(NGHTTP2_GOAWAY), nullptr);
  c.run.events.clear();
  c.frames.headers(3, testing::get_request());
  c.send();
  EXPECT_EQ(c.run.count(EventKind::request), 1u) << "the connection goes on";
}

TEST(H2Protocol, StreamsRefusedOverTheConcurrencyLimitMayStillSendTheirBodies) {
  Connection c;
  // 101 streams with bodies at once: the last is refused (REFUSED_STREAM) before the client can
  // know the limit; its DATA was already on the way.
  for (std::int32_t id = 1; id <= 201; id += 2) {
    c.frames.headers(id, post_request(), Frames::kEndHeaders);
    c.frames.data(id, "body", Frames::kEndStream);
  }
  c.send();
  EXPECT_FALSE(c.server.closing());
  EXPECT_EQ(c.run.count(EventKind::request), 100u);
  const testing::Frame* refused = c.run.find(NGHTTP2_RST_STREAM, 201);
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->code(), static_cast<std::uint32_t>(NGHTTP2_REFUSED_STREAM));
}

TEST(H2Protocol, PriorityOnStreamZeroIsAConnectionError) {
  Connection c;
  c.frames.frame(NGHTTP2_PRIORITY, 0, 0, Frames::be32(0) + "\xff");
  c.send();
  EXPECT_EQ(c.goaway_code(), kProtocolError);
}

TEST(H2Protocol, PriorityOnItselfIsAConnectionErrorEvenWhenItArrivesByteByByte) {
  Connection c;
  c.frames.frame(NGHTTP2_PRIORITY, 0, 3, Frames::be32(1) + "\xff");  // depends on another: fine
  c.send();
  EXPECT_FALSE(c.server.closing());
  c.frames.frame(NGHTTP2_PRIORITY, 0, 1, Frames::be32(0x80000001u) + "\xff");  // exclusive bit
  const std::string bytes = c.frames.take();
  for (const char byte : bytes) testing::feed_raw(c.server, std::string(1, byte), c.run);
  EXPECT_EQ(c.goaway_code(), kProtocolError);
}

}  // namespace
}  // namespace apigw::h2
