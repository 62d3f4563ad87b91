// ClientSession facing raw server frames, for what no well-behaved server sends: malformed
// response heads and trailers (stream errors, the connection goes on), header blocks far over the
// limits, and connection errors (every stream closed, nothing crashes).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "h2/client_session.h"
#include "h2/test_h2_upstream.h"

namespace apigw::h2 {
namespace {

using testing::Fields;
using testing::Frames;

constexpr std::uint8_t kEndStream = Frames::kEndStream;
constexpr std::uint8_t kEndHeaders = Frames::kEndHeaders;

// A ClientSession whose server is a script of raw frames.
struct RawUpstream {
  explicit RawUpstream(const ClientLimits& limits = ClientLimits{}) : client(limits) {
    flush();
    feed(frames.settings().settings({}, /*ack=*/true).take());
  }

  std::int32_t request(std::string_view method = "GET") {
    const SubmitResult submitted = client.submit_request(testing::pseudo(method), {}, false);
    EXPECT_TRUE(submitted.ok());
    flush();
    return submitted.stream;
  }
  void feed(std::string_view bytes) {
    recorder(client.feed(testing::as_bytes(bytes)));
    flush();
  }
  // Writes what the client has to say; its frames (after the preface) go to `sent`.
  void flush() {
    std::string out(client.pending_output());
    client.output_written(out.size());
    recorder(client.take_events());
    std::string_view frames_out = out;
    if (!preface_seen && frames_out.size() >= 24) {
      frames_out.remove_prefix(24);
      preface_seen = true;
    }
    for (testing::Frame& frame : testing::parse_frames(frames_out)) sent.push_back(frame);
  }
  const testing::Frame* reset_of(std::int32_t stream) const {
    for (const testing::Frame& frame : sent) {
      if (frame.type == NGHTTP2_RST_STREAM && frame.stream == stream) return &frame;
    }
    return nullptr;
  }
  const testing::Frame* goaway() const {
    for (const testing::Frame& frame : sent) {
      if (frame.type == NGHTTP2_GOAWAY) return &frame;
    }
    return nullptr;
  }

  ClientSession client;
  Frames frames;  // the server's frames, with its HPACK encoder
  testing::ClientRecorder recorder{client};
  std::vector<testing::Frame> sent;
  bool preface_seen = false;
};

// A response that must be refused as malformed: a stream error, never a crash nor a report.
struct MalformedCase {
  const char* name;
  Fields head;
  std::uint8_t head_flags = kEndHeaders | kEndStream;
  std::string data;  // DATA after the head, if any
  Fields trailers;   // a trailer block after the data, if any
  std::uint8_t trailer_flags = kEndHeaders | kEndStream;
  bool head_reported = false;  // the head itself was fine
};

Fields ok_head() { return {{":status", "200"}}; }

// An HPACK integer with an N-bit prefix (RFC 7541 §5.1), the prefix bits of `first` kept.
std::string hpack_integer(std::uint8_t first, int prefix_bits, std::size_t value) {
  const std::size_t limit = (std::size_t{1} << prefix_bits) - 1;
  std::string out;
  if (value < limit) {
    out.push_back(static_cast<char>(first | value));
    return out;
  }
  out.push_back(static_cast<char>(first | limit));
  value -= limit;
  while (value >= 128) {
    out.push_back(static_cast<char>(0x80 | (value % 128)));
    value /= 128;
  }
  out.push_back(static_cast<char>(value));
  return out;
}

// A literal field with incremental indexing and a literal name (RFC 7541 §6.2.1), no Huffman.
std::string hpack_indexed_literal(std::string_view name, std::string_view value) {
  std::string out(1, '\x40');
  out += hpack_integer(0, 7, name.size());
  out += name;
  out += hpack_integer(0, 7, value.size());
  out += value;
  return out;
}

std::vector<MalformedCase> malformed_cases() {
  const std::uint8_t open = kEndHeaders;  // a head with a body to follow
  return {
      {"uppercase_name", {{":status", "200"}, {"X-Up", "1"}}},
      {"connection", {{":status", "200"}, {"connection", "close"}}},
      {"keep_alive", {{":status", "200"}, {"keep-alive", "5"}}},
      {"transfer_encoding", {{":status", "200"}, {"transfer-encoding", "chunked"}}},
      {"upgrade", {{":status", "200"}, {"upgrade", "h2c"}}},
      {"te_gzip", {{":status", "200"}, {"te", "gzip"}}},
      {"missing_status", {{"content-type", "text/plain"}}},
      {"status_two_digits", {{":status", "20"}}},
      {"status_letters", {{":status", "2x0"}}},
      {"status_101", {{":status", "101"}}},
      {"status_600", {{":status", "600"}}},
      {"status_repeated", {{":status", "200"}, {":status", "204"}}},
      {"pseudo_after_regular", {{"a", "b"}, {":status", "200"}}},
      {"request_pseudo", {{":status", "200"}, {":path", "/"}}},
      {"control_in_value", {{":status", "200"}, {"x-v", "a\x01z"}}},
      {"crlf_in_value", {{":status", "200"}, {"x-v", "a\r\nb"}}},
      {"nul_in_value", {{":status", "200"}, {"x-v", std::string("a\0b", 3)}}},
      {"leading_space", {{":status", "200"}, {"x-v", " v"}}},
      {"name_not_token", {{":status", "200"}, {"x v", "1"}}},
      {"empty_name", {{":status", "200"}, {"", "1"}}},
      {"two_content_lengths",
       {{":status", "200"}, {"content-length", "1"}, {"content-length", "1"}}},
      {"content_length_sign", {{":status", "200"}, {"content-length", "+1"}}, open, "x"},
      {"content_length_without_body", {{":status", "200"}, {"content-length", "5"}}},
      {"interim_with_end_stream", {{":status", "100"}}},
      {"content_length_mismatch",
       {{":status", "200"}, {"content-length", "5"}},
       open,
       "abc",
       {},
       kEndHeaders | kEndStream,
       true},
      {"trailer_pseudo",
       ok_head(),
       open,
       "x",
       {{":status", "200"}},
       kEndHeaders | kEndStream,
       true},
      {"trailer_content_length",
       ok_head(),
       open,
       "x",
       {{"content-length", "1"}},
       kEndHeaders | kEndStream,
       true},
      {"trailer_without_end_stream",
       ok_head(),
       open,
       "x",
       {{"grpc-status", "0"}},
       kEndHeaders,
       true},
      {"trailer_uppercase",
       ok_head(),
       open,
       "x",
       {{"Grpc-Status", "0"}},
       kEndHeaders | kEndStream,
       true},
  };
}

TEST(H2ClientMalformed, MalformedResponsesAreStreamErrors) {
  for (const MalformedCase& test : malformed_cases()) {
    SCOPED_TRACE(test.name);
    RawUpstream upstream;
    const std::int32_t id = upstream.request();
    upstream.frames.headers(id, test.head, test.head_flags);
    if (!test.data.empty()) {
      upstream.frames.data(id, test.data, test.trailers.empty() ? kEndStream : 0);
    }
    if (!test.trailers.empty()) upstream.frames.headers(id, test.trailers, test.trailer_flags);
    upstream.feed(upstream.frames.take());

    const testing::UpstreamStream& stream = upstream.recorder.streams[id];
    EXPECT_TRUE(stream.closed);
    EXPECT_EQ(stream.end, StreamEnd::malformed_response);
    EXPECT_EQ(stream.status != 0, test.head_reported) << "a malformed head is never reported";
    EXPECT_FALSE(stream.ended);
    const testing::Frame* reset = upstream.reset_of(id);
    ASSERT_NE(reset, nullptr);
    EXPECT_EQ(reset->code(), static_cast<std::uint32_t>(NGHTTP2_PROTOCOL_ERROR));
    EXPECT_FALSE(upstream.client.closing()) << "a stream error leaves the connection usable";

    // The connection still serves the next request.
    const std::int32_t next = upstream.request();
    upstream.feed(upstream.frames.headers(next, {{":status", "204"}}).take());
    EXPECT_EQ(upstream.recorder.streams[next].end, StreamEnd::complete);
  }
}

TEST(H2ClientMalformed, WellFormedOdditiesPass) {
  RawUpstream upstream;
  // 204 with content-length 0 (common), obs-text in a value, an empty value, te: trailers.
  const std::int32_t id = upstream.request();
  upstream.feed(upstream.frames
                    .headers(id, {{":status", "204"},
                                  {"content-length", "0"},
                                  {"x-latin", "caf\xe9"},
                                  {"x-empty", ""},
                                  {"te", "trailers"}})
                    .take());
  const testing::UpstreamStream& stream = upstream.recorder.streams[id];
  EXPECT_EQ(stream.end, StreamEnd::complete);
  EXPECT_EQ(stream.status, 204);
  // nghttp2 1.52 removes a 204's "content-length: 0" (and refuses any other value).
  const Fields expected = {{"x-latin", "caf\xe9"}, {"x-empty", ""}, {"te", "trailers"}};
  EXPECT_EQ(stream.headers, expected);
}

TEST(H2ClientMalformed, HpackBombIsCutAtTheLimitWithoutStoringIt) {
  // One 4,000-byte field in the dynamic table, then referenced 4,000 times by one-byte indexes:
  // a 16 MB header list in an 8 KB block.
  ClientLimits limits;
  limits.head.max_header_bytes = 16 * 1024;
  RawUpstream upstream(limits);
  const std::int32_t id = upstream.request();
  const std::string value(4000, 'b');
  std::string block = upstream.frames.encode({{":status", "200"}});
  block += hpack_indexed_literal("x-bomb", value);   // 4,038 bytes: fits the 4,096-byte table
  block.append(4000, static_cast<char>(0x80 | 62));  // indexed: the newest dynamic entry
  upstream.frames.frame(NGHTTP2_HEADERS, kEndHeaders | kEndStream, id, block);
  upstream.feed(upstream.frames.take());
  EXPECT_EQ(upstream.recorder.streams[id].end, StreamEnd::response_too_large);
  EXPECT_LT(upstream.client.bytes_held(), 200'000u);
  EXPECT_FALSE(upstream.client.closing()) << "HPACK state survived: the connection goes on";
  const std::int32_t next = upstream.request();
  upstream.feed(upstream.frames.headers(next, {{":status", "200"}, {"x-bomb", value}}).take());
  EXPECT_EQ(upstream.recorder.streams[next].end, StreamEnd::complete);
}

TEST(H2ClientMalformed, HeaderBlockInTooManyContinuationsFailsTheConnection) {
  // nghttp2's max_continuations (8): the ninth CONTINUATION of one block is a fatal error for
  // nghttp2 1.52 (no GOAWAY is sent); every stream closes with the connection.
  RawUpstream upstream;
  const std::int32_t id = upstream.request();
  const std::int32_t other = upstream.request();
  const std::string block = upstream.frames.encode({{":status", "200"}});
  upstream.frames.frame(NGHTTP2_HEADERS, 0, id, block);
  for (int i = 0; i < 10; ++i) upstream.frames.continuation(id, std::string(10, '\x40'));
  upstream.feed(upstream.frames.take());
  EXPECT_EQ(upstream.recorder.streams[id].end, StreamEnd::connection_error);
  EXPECT_EQ(upstream.recorder.streams[other].end, StreamEnd::connection_error);
  EXPECT_EQ(upstream.client.close_reason(), ClientCloseReason::protocol_error);
  EXPECT_TRUE(upstream.client.finished());
  EXPECT_FALSE(upstream.client.can_submit());
}

TEST(H2ClientMalformed, LongFieldIsCutWhileTheBlockIsDecoded) {
  // nghttp2 1.52 decodes a 70,000-byte field whole (it does not enforce our
  // SETTINGS_MAX_HEADER_LIST_SIZE itself); the head limit resets the stream as the field comes.
  RawUpstream upstream;
  const std::int32_t id = upstream.request();
  const std::string value(70'000, 'v');
  const std::string block = upstream.frames.encode({{":status", "200"}, {"x-huge", value}});
  upstream.frames.frame(NGHTTP2_HEADERS, 0, id, block.substr(0, 16'384));
  std::size_t at = 16'384;
  while (at < block.size()) {
    const std::size_t size = std::min<std::size_t>(16'384, block.size() - at);
    upstream.frames.continuation(id, block.substr(at, size),
                                 at + size == block.size() ? kEndHeaders : 0);
    at += size;
  }
  upstream.feed(upstream.frames.take());
  EXPECT_EQ(upstream.recorder.streams[id].end, StreamEnd::response_too_large);
  EXPECT_LT(upstream.client.bytes_held(), 40'000u);
  EXPECT_FALSE(upstream.client.closing());
}

TEST(H2ClientMalformed, PushPromiseBeforeOurSettingsAreAckedIsCancelled) {
  // Until the server acknowledges SETTINGS_ENABLE_PUSH=0 it may still push: nghttp2 1.52 cancels
  // the promised stream, the request's own stream goes on.
  ClientSession client{ClientLimits{}};
  testing::ClientRecorder recorder{client};
  const std::int32_t id = client.submit_request(testing::pseudo(), {}, false).stream;
  std::string out(client.pending_output());
  client.output_written(out.size());
  Frames frames;
  frames.settings();
  const std::string promise = Frames::be32(2) + frames.encode(testing::get_request("/pushed"));
  frames.frame(NGHTTP2_PUSH_PROMISE, kEndHeaders, id, promise);
  frames.headers(2, {{":status", "200"}}, kEndHeaders);
  frames.data(2, "pushed body", kEndStream);
  frames.headers(id, {{":status", "200"}});
  recorder(client.feed(testing::as_bytes(frames.take())));
  out = client.pending_output();
  client.output_written(out.size());
  bool cancelled = false;
  for (const testing::Frame& frame : testing::parse_frames(out)) {
    cancelled |= frame.type == NGHTTP2_RST_STREAM && frame.stream == 2 &&
                 frame.code() == static_cast<std::uint32_t>(NGHTTP2_CANCEL);
  }
  EXPECT_TRUE(cancelled);
  EXPECT_EQ(recorder.streams[id].end, StreamEnd::complete);
  EXPECT_EQ(recorder.streams.count(2), 0u) << "nothing of the pushed stream reported";
  EXPECT_FALSE(client.closing());
}

TEST(H2ClientMalformed, PushPromiseIsAConnectionError) {
  RawUpstream upstream;
  const std::int32_t id = upstream.request();
  const std::string promise =
      Frames::be32(2) + upstream.frames.encode(testing::get_request("/pushed"));
  upstream.feed(upstream.frames.frame(NGHTTP2_PUSH_PROMISE, kEndHeaders, id, promise).take());
  const testing::Frame* goaway = upstream.goaway();
  ASSERT_NE(goaway, nullptr);
  EXPECT_EQ(goaway->code(), static_cast<std::uint32_t>(NGHTTP2_PROTOCOL_ERROR));
  EXPECT_EQ(upstream.recorder.streams[id].end, StreamEnd::connection_error);
  EXPECT_EQ(upstream.client.close_reason(), ClientCloseReason::protocol_error);
  EXPECT_TRUE(upstream.client.finished());
}

TEST(H2ClientMalformed, DataPastTheStreamWindowIsAStreamError) {
  // nghttp2 1.52 resets the stream (FLOW_CONTROL_ERROR); the connection window still holds.
  RawUpstream upstream;
  const std::int32_t id = upstream.request();
  upstream.frames.headers(id, {{":status", "200"}}, kEndHeaders);
  for (int i = 0; i < 5; ++i) upstream.frames.data(id, std::string(16'384, 'd'));
  upstream.feed(upstream.frames.take());
  EXPECT_LE(upstream.client.response_body(id).size(), 65'535u);
  EXPECT_EQ(upstream.recorder.streams[id].end, StreamEnd::malformed_response);
  const testing::Frame* reset = upstream.reset_of(id);
  ASSERT_NE(reset, nullptr);
  EXPECT_EQ(reset->code(), static_cast<std::uint32_t>(NGHTTP2_FLOW_CONTROL_ERROR));
  EXPECT_FALSE(upstream.client.closing());
}

TEST(H2ClientMalformed, GoawayWithAnErrorKeepsTheStreamsItMayHaveProcessed) {
  RawUpstream upstream;
  const std::int32_t first = upstream.request();
  const std::int32_t second = upstream.request();
  upstream.feed(upstream.frames.goaway(first, NGHTTP2_ENHANCE_YOUR_CALM).take());
  EXPECT_EQ(upstream.recorder.streams[second].end, StreamEnd::refused);
  EXPECT_FALSE(upstream.recorder.streams[first].closed) << "it may still be answered";
  EXPECT_EQ(upstream.client.goaway_error_code(),
            static_cast<std::uint32_t>(NGHTTP2_ENHANCE_YOUR_CALM));
  EXPECT_FALSE(upstream.client.can_submit());
  // The server closes the connection without answering.
  upstream.recorder(upstream.client.connection_lost());
  EXPECT_EQ(upstream.recorder.streams[first].end, StreamEnd::connection_error);
}

TEST(H2ClientMalformed, ServerThatNeverSendsSettingsFirstFailsTheConnection) {
  ClientSession client{ClientLimits{}};
  testing::ClientRecorder recorder{client};
  const std::int32_t id = client.submit_request(testing::pseudo(), {}, false).stream;
  const std::string out(client.pending_output());
  client.output_written(out.size());
  Frames frames;
  recorder(client.feed(testing::as_bytes(frames.ping().take())));
  const std::string reply(client.pending_output());
  client.output_written(reply.size());
  recorder(client.take_events());
  EXPECT_EQ(recorder.streams[id].end, StreamEnd::connection_error);
  EXPECT_TRUE(client.finished());
}

}  // namespace
}  // namespace apigw::h2
