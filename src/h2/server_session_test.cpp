// ServerSession with a real nghttp2 client in memory: requests through to events, bodies and
// flow control, responses with bodies and trailers, concurrency and GOAWAY.
#include "h2/server_session.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "h2/test_h2_peer.h"

namespace apigw::h2 {
namespace {

using testing::Client;
using testing::Fields;
using testing::Frames;
using testing::RawRun;

std::vector<EventKind> kinds(std::span<const Event> events, std::int32_t stream) {
  std::vector<EventKind> out;
  for (const Event& event : events) {
    if (event.stream == stream) out.push_back(event.kind);
  }
  return out;
}

// Collects every event of an exchange.
struct Recorder {
  std::vector<Event> events;
  void operator()(std::span<const Event> batch) {
    events.insert(events.end(), batch.begin(), batch.end());
  }
};

TEST(H2ServerSession, HeadLimitsAreTheHttp1Ones) {
  config::ServerLimits server;
  server.max_header_bytes = 9000;
  server.max_header_count = 42;
  server.max_uri_bytes = 777;
  const SessionLimits limits = session_limits(server);
  EXPECT_EQ(limits.head.max_header_bytes, 9000u);
  EXPECT_EQ(limits.head.max_header_count, 42u);
  EXPECT_EQ(limits.head.max_uri_bytes, 777u);
  EXPECT_EQ(limits.max_concurrent_streams, 100u);
  EXPECT_EQ(limits.abuse.max_resets, 100u);
}

TEST(H2ServerSession, GetIsReportedWithItsHeadAndAnswered) {
  ServerSession server{SessionLimits{}};
  Client client;
  const std::int32_t id = client.request({{":method", "GET"},
                                          {":scheme", "https"},
                                          {":path", "/a?b=1"},
                                          {":authority", "h.test"},
                                          {"accept", "text/plain"},
                                          {"cookie", "x=1"},
                                          {"cookie", "y=2"}});
  Recorder seen;
  bool answered = false;
  testing::exchange(client, server, [&](std::span<const Event> events) {
    seen(events);
    for (const Event& event : events) {
      if (event.kind != EventKind::request) continue;
      const http::RequestHead* head = server.request_head(event.stream);
      ASSERT_NE(head, nullptr);
      EXPECT_EQ(head->method, http::Method::get);
      EXPECT_EQ(head->path, "/a");
      EXPECT_EQ(head->query, "b=1");
      EXPECT_EQ(head->host, "h.test");
      EXPECT_EQ(head->protocol, http::Protocol::http2);
      EXPECT_EQ(head->framing, http::BodyFraming::none);
      EXPECT_EQ(http::find_header(head->headers, http::Field::cookie), "x=1; y=2");
      const std::vector<http::Header> headers = {{"Content-Type", "text/plain"},
                                                 {"Connection", "keep-alive"}};
      ASSERT_TRUE(server.submit_response(event.stream, 200, headers, true));
      EXPECT_EQ(server.submit_data(event.stream, "hello", true), 5u);
      answered = true;
    }
  });
  ASSERT_TRUE(answered);
  EXPECT_EQ(
      kinds(seen.events, id),
      (std::vector<EventKind>{EventKind::request, EventKind::request_end, EventKind::closed}));
  const testing::ClientStream& response = client.streams[id];
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "hello");
  EXPECT_TRUE(response.ended);
  const Fields expected = {{"content-type", "text/plain"}};
  EXPECT_EQ(response.headers, expected) << "names lower-cased, Connection dropped";
  server.release(id);
  EXPECT_EQ(server.request_head(id), nullptr);
}

TEST(H2ServerSession, PostBodyArrivesThenItsEnd) {
  ServerSession server{SessionLimits{}};
  Client client;
  const std::string body(10'000, 'b');
  Fields fields = {{":method", "POST"},
                   {":scheme", "http"},
                   {":path", "/upload"},
                   {":authority", "h.test"},
                   {"content-length", "10000"}};
  const std::int32_t id = client.request(fields, &body);
  Recorder seen;
  std::string received;
  testing::exchange(client, server, [&](std::span<const Event> events) {
    seen(events);
    for (const Event& event : events) {
      if (event.kind == EventKind::request) {
        EXPECT_EQ(server.request_head(event.stream)->framing, http::BodyFraming::content_length);
        EXPECT_EQ(server.request_head(event.stream)->content_length, 10'000u);
      }
      if (event.kind == EventKind::body) {
        const std::string_view bytes = server.request_body(event.stream);
        received.append(bytes);
        server.consume(event.stream, bytes.size());
      }
      if (event.kind == EventKind::request_end) {
        ASSERT_TRUE(server.submit_response(event.stream, 201, {}, false));
      }
    }
  });
  EXPECT_EQ(received, body);
  const std::vector<EventKind> stream_kinds = kinds(seen.events, id);
  ASSERT_GE(stream_kinds.size(), 4u);
  EXPECT_EQ(stream_kinds.front(), EventKind::request);
  EXPECT_EQ(stream_kinds[stream_kinds.size() - 2], EventKind::request_end);
  EXPECT_EQ(stream_kinds.back(), EventKind::closed);
  EXPECT_EQ(client.streams[id].status, 201);
}

TEST(H2ServerSession, BodyWithoutContentLengthEndsWithTheStream) {
  ServerSession server{SessionLimits{}};
  Client client;
  const std::string body = "chunk me";
  const std::int32_t id = client.request(
      {{":method", "PUT"}, {":scheme", "http"}, {":path", "/"}, {":authority", "h.test"}}, &body);
  http::BodyFraming framing = http::BodyFraming::none;
  testing::exchange(client, server, [&](std::span<const Event> events) {
    for (const Event& event : events) {
      if (event.kind == EventKind::request) {
        framing = server.request_head(event.stream)->framing;
      }
    }
  });
  EXPECT_EQ(framing, http::BodyFraming::stream_end);
  EXPECT_EQ(server.request_body(id), body);
}

TEST(H2ServerSession, UnconsumedBodyStopsThePeerAtTheStreamWindow) {
  ServerSession server{SessionLimits{}};
  Client client;
  const std::string body(200'000, 'w');
  const std::int32_t id = client.request(
      {{":method", "POST"}, {":scheme", "http"}, {":path", "/"}, {":authority", "h.test"}}, &body);
  testing::exchange(client, server);
  EXPECT_EQ(server.request_body(id).size(), 65'535u) << "exactly the initial stream window";
  EXPECT_LE(server.bytes_held(), 200'000u);

  // Consuming opens the window again: a WINDOW_UPDATE goes out and more body arrives.
  server.consume(id, 65'535);
  const std::string out(server.pending_output());
  server.output_written(out.size());
  bool stream_update = false;
  for (const testing::Frame& frame : testing::parse_frames(out)) {
    stream_update |= frame.type == NGHTTP2_WINDOW_UPDATE && frame.stream == id;
  }
  EXPECT_TRUE(stream_update);
  client.input(out);
  std::size_t total = 65'535;
  for (int i = 0; i < 10 && total < body.size(); ++i) {
    testing::exchange(client, server);
    const std::size_t now = server.request_body(id).size();
    total += now;
    server.consume(id, now);
  }
  EXPECT_EQ(total, body.size());
}

TEST(H2ServerSession, PartlyConsumedBodyStaysWithinItsWindow) {
  ServerSession server{SessionLimits{}};
  Client client;
  const std::string body(1'000'000, 'p');
  const std::int32_t id = client.request(
      {{":method", "POST"}, {":scheme", "http"}, {":path", "/"}, {":authority", "h"}}, &body);
  std::size_t consumed = 0;
  std::size_t most_held = 0;
  for (int round = 0; round < 200 && consumed + 1 < body.size(); ++round) {
    testing::exchange(client, server);
    const std::size_t unread = server.request_body(id).size();
    ASSERT_LE(unread, 65'535u);
    // An upstream that always leaves a byte behind.
    server.consume(id, unread - 1);
    consumed += unread - 1;
    most_held = std::max(most_held, server.bytes_held());
  }
  EXPECT_EQ(consumed + 1, body.size());
  EXPECT_LT(most_held, 400'000u) << "consumed bytes are forgotten, whatever is left unread";
}

TEST(H2ServerSession, ConnectionWindowBoundsAllStreamsTogether) {
  SessionLimits limits;
  limits.connection_window = 100'000;
  ServerSession server{limits};
  Client client;
  const std::string body(60'000, 'c');
  std::vector<std::int32_t> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(client.request(
        {{":method", "POST"}, {":scheme", "http"}, {":path", "/"}, {":authority", "h"}}, &body));
  }
  testing::exchange(client, server);
  std::size_t buffered = 0;
  for (const std::int32_t id : ids) buffered += server.request_body(id).size();
  EXPECT_EQ(buffered, 100'000u);
}

TEST(H2ServerSession, ResetStreamGivesItsUnreadBodyBackToTheConnection) {
  SessionLimits limits;
  limits.connection_window = 65'535;  // the protocol's initial window: no WINDOW_UPDATE at start
  ServerSession server{limits};
  Client client;
  const std::string body(60'000, 'r');
  const std::int32_t first = client.request(
      {{":method", "POST"}, {":scheme", "http"}, {":path", "/"}, {":authority", "h"}}, &body);
  testing::exchange(client, server);
  ASSERT_EQ(server.request_body(first).size(), 60'000u);
  client.reset(first);
  const std::int32_t second = client.request(
      {{":method", "POST"}, {":scheme", "http"}, {":path", "/"}, {":authority", "h"}}, &body);
  testing::exchange(client, server);
  EXPECT_EQ(server.request_body(second).size(), 60'000u)
      << "the reset stream's 60,000 unread bytes were given back to the connection window";
}

TEST(H2ServerSession, ResponseWithBodyAndTrailers) {
  ServerSession server{SessionLimits{}};
  Client client;
  const std::int32_t id = client.request(testing::get_request());
  testing::exchange(client, server, [&](std::span<const Event> events) {
    for (const Event& event : events) {
      if (event.kind != EventKind::request) continue;
      ASSERT_TRUE(server.submit_response(event.stream, 200, {}, true));
      EXPECT_EQ(server.submit_data(event.stream, "part 1, ", false), 8u);
      EXPECT_EQ(server.submit_data(event.stream, "part 2", false), 6u);
      const std::vector<http::Header> trailers = {{"Grpc-Status", "0"}};
      ASSERT_TRUE(server.submit_trailers(event.stream, trailers));
      EXPECT_EQ(server.submit_data(event.stream, "late", false), 0u) << "the response has ended";
    }
  });
  const testing::ClientStream& response = client.streams[id];
  EXPECT_EQ(response.body, "part 1, part 2");
  const Fields expected = {{"grpc-status", "0"}};
  EXPECT_EQ(response.trailers, expected);
  EXPECT_TRUE(response.ended);
}

TEST(H2ServerSession, SendQueueIsBoundedAndSaysWhenItHasRoom) {
  SessionLimits limits;
  limits.max_send_queue = 4096;
  ServerSession server{limits};
  Client client;
  const std::int32_t id = client.request(testing::get_request());
  const std::string body(20'000, 'q');
  std::size_t sent = 0;
  int ready = 0;
  testing::exchange(client, server, [&](std::span<const Event> events) {
    for (const Event& event : events) {
      if (event.kind == EventKind::request) {
        ASSERT_TRUE(server.submit_response(event.stream, 200, {}, true));
      } else if (event.kind != EventKind::send_ready) {
        continue;
      } else {
        ++ready;
      }
      EXPECT_LE(server.send_space(event.stream), 4096u);
      sent += server.submit_data(event.stream, std::string_view(body).substr(sent), true);
    }
  });
  EXPECT_GE(ready, 4) << "20,000 bytes through a 4,096-byte queue";
  EXPECT_EQ(client.streams[id].body, body);
}

TEST(H2ServerSession, StreamsOverTheConcurrencyLimitAreRefused) {
  SessionLimits limits;
  limits.max_concurrent_streams = 2;
  ServerSession server{limits};
  Frames frames;
  RawRun run;
  // Before the client has seen (and acknowledged) our SETTINGS, nghttp2 refuses the stream.
  frames.preface();
  for (std::int32_t id : {1, 3, 5}) frames.headers(id, testing::get_request());
  testing::feed_raw(server, frames.take(), run);
  EXPECT_EQ(run.count(EventKind::request), 2u);
  const testing::Frame* refused = run.find(NGHTTP2_RST_STREAM, 5);
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->code(), static_cast<std::uint32_t>(NGHTTP2_REFUSED_STREAM));
  EXPECT_FALSE(server.closing());

  // Once they are acknowledged, nghttp2 1.52 treats one more as a connection error.
  frames.settings({}, /*ack=*/true);
  frames.headers(7, testing::get_request());
  testing::feed_raw(server, frames.take(), run);
  const testing::Frame* goaway = run.find(NGHTTP2_GOAWAY);
  ASSERT_NE(goaway, nullptr);
  EXPECT_EQ(goaway->code(), static_cast<std::uint32_t>(NGHTTP2_PROTOCOL_ERROR));
  EXPECT_EQ(run.count(EventKind::request), 2u);
}

TEST(H2ServerSession, WellBehavedClientWaitsForAStreamSlot) {
  SessionLimits limits;
  limits.max_concurrent_streams = 1;
  ServerSession server{limits};
  Client client;
  const std::int32_t first = client.request(testing::get_request("/1"));
  testing::exchange(client, server);  // SETTINGS reach the client
  const std::int32_t second = client.request(testing::get_request("/2"));
  Recorder seen;
  testing::exchange(client, server, [&](std::span<const Event> events) { seen(events); });
  EXPECT_EQ(seen.events.size(), 0u) << "the second stream waits in the client";
  ASSERT_TRUE(server.submit_response(first, 204, {}, false));
  testing::exchange(client, server, [&](std::span<const Event> events) {
    seen(events);
    for (const Event& event : events) {
      if (event.kind == EventKind::request) server.submit_response(event.stream, 204, {}, false);
    }
  });
  EXPECT_EQ(kinds(seen.events, second).front(), EventKind::request);
  EXPECT_EQ(client.streams[second].status, 204);
}

TEST(H2ServerSession, GracefulGoawayFinishesStreamsInFlightAndRefusesNewer) {
  ServerSession server{SessionLimits{}};
  Frames frames;
  RawRun run;
  frames.preface();
  frames.headers(1, testing::get_request("/1"));
  frames.headers(3, testing::get_request("/3"));
  testing::feed_raw(server, frames.take(), run);
  ASSERT_EQ(run.count(EventKind::request), 2u);
  server.goaway(/*graceful=*/true);
  frames.settings({}, true);
  frames.headers(5, testing::get_request("/5"));
  testing::feed_raw(server, frames.take(), run);
  const testing::Frame* goaway = run.find(NGHTTP2_GOAWAY);
  ASSERT_NE(goaway, nullptr);
  EXPECT_EQ(goaway->goaway_last_stream(), 3);
  EXPECT_EQ(goaway->code(), static_cast<std::uint32_t>(NGHTTP2_NO_ERROR));
  EXPECT_EQ(run.count(EventKind::request), 2u) << "stream 5 came after the GOAWAY";
  EXPECT_FALSE(server.finished());

  for (std::int32_t id : {1, 3}) ASSERT_TRUE(server.submit_response(id, 200, {}, false));
  testing::feed_raw(server, "", run);
  std::size_t answered = 0;
  for (const testing::Frame& frame : run.frames) {
    answered += frame.type == NGHTTP2_HEADERS && (frame.stream == 1 || frame.stream == 3);
  }
  EXPECT_EQ(answered, 2u);
  EXPECT_TRUE(server.finished()) << "nothing left once the streams in flight are done";
  EXPECT_EQ(server.close_reason(), CloseReason::goaway);
}

TEST(H2ServerSession, AbruptGoawayFinishesOnceWritten) {
  ServerSession server{SessionLimits{}};
  Frames frames;
  RawRun run;
  testing::feed_raw(server, frames.preface().headers(1, testing::get_request()).take(), run);
  server.goaway(/*graceful=*/false);
  EXPECT_TRUE(server.closing());
  testing::feed_raw(server, "", run);
  ASSERT_NE(run.find(NGHTTP2_GOAWAY), nullptr);
  EXPECT_TRUE(server.finished());
}

TEST(H2ServerSession, StreamOpenedAndResetInOneReadIsNeverReported) {
  ServerSession server{SessionLimits{}};
  Frames frames;
  RawRun run;
  frames.preface();
  frames.headers(1, testing::get_request(), Frames::kEndHeaders);
  frames.data(1, "some body");
  frames.rst(1);
  testing::feed_raw(server, frames.take(), run);
  EXPECT_TRUE(run.events.empty());
  EXPECT_EQ(server.request_head(1), nullptr);
}

TEST(H2ServerSession, PeerResetOfAReportedStreamIsAClosedEvent) {
  ServerSession server{SessionLimits{}};
  Frames frames;
  RawRun run;
  testing::feed_raw(
      server, frames.preface().headers(1, testing::get_request(), Frames::kEndHeaders).take(), run);
  ASSERT_EQ(run.count(EventKind::request), 1u);
  const std::string_view keep_path = server.request_head(1)->path;
  testing::feed_raw(server, frames.rst(1, NGHTTP2_CANCEL).take(), run);
  ASSERT_EQ(run.events.back().kind, EventKind::closed);
  EXPECT_EQ(run.events.back().error_code, static_cast<std::uint32_t>(NGHTTP2_CANCEL));
  EXPECT_EQ(keep_path, "/") << "the head stays readable until release";
  EXPECT_FALSE(server.submit_response(1, 200, {}, false));
  server.release(1);
  EXPECT_EQ(server.request_head(1), nullptr);
}

TEST(H2ServerSession, RefusedHeadIsReportedForTheCallerToAnswer) {
  SessionLimits limits;
  limits.head.max_header_count = 3;
  ServerSession server{limits};
  Client client;
  Fields fields = testing::get_request();
  for (int i = 0; i < 4; ++i) fields.emplace_back("x-" + std::to_string(i), "v");
  const std::int32_t id = client.request(fields);
  Recorder seen;
  testing::exchange(client, server, [&](std::span<const Event> events) {
    seen(events);
    for (const Event& event : events) {
      if (event.kind == EventKind::refused) {
        EXPECT_EQ(event.refusal.status, 431);
        ASSERT_TRUE(server.submit_response(event.stream, event.refusal.status, {}, false));
      }
    }
  });
  EXPECT_EQ(kinds(seen.events, id).front(), EventKind::refused);
  EXPECT_EQ(client.streams[id].status, 431);
}

TEST(H2ServerSession, EarlyCompleteAnswerStopsTheRestOfTheBody) {
  ServerSession server{SessionLimits{}};
  Frames frames;
  RawRun run;
  frames.preface().headers(1, testing::get_request(), Frames::kEndHeaders).data(1, "start");
  testing::feed_raw(server, frames.take(), run);
  ASSERT_TRUE(server.submit_response(1, 413, {}, false));
  testing::feed_raw(server, "", run);
  const testing::Frame* reset = run.find(NGHTTP2_RST_STREAM, 1);
  ASSERT_NE(reset, nullptr);
  EXPECT_EQ(reset->code(), static_cast<std::uint32_t>(NGHTTP2_NO_ERROR));
  EXPECT_EQ(run.events.back().kind, EventKind::closed);
  EXPECT_EQ(run.events.back().error_code, static_cast<std::uint32_t>(NGHTTP2_NO_ERROR));
}

TEST(H2ServerSession, InterimContinueThenFinalResponse) {
  ServerSession server{SessionLimits{}};
  Client client;
  const std::string body = "x";
  Fields fields = {{":method", "POST"},
                   {":scheme", "http"},
                   {":path", "/"},
                   {":authority", "h"},
                   {"expect", "100-continue"}};
  const std::int32_t id = client.request(fields, &body);
  testing::exchange(client, server, [&](std::span<const Event> events) {
    for (const Event& event : events) {
      if (event.kind == EventKind::request) {
        EXPECT_TRUE(server.request_head(event.stream)->expect_continue);
        EXPECT_TRUE(server.submit_informational(event.stream, 100));
      }
      if (event.kind == EventKind::request_end) {
        EXPECT_TRUE(server.submit_response(event.stream, 200, {}, false));
      }
    }
  });
  EXPECT_EQ(client.streams[id].informational, 1);
  EXPECT_EQ(client.streams[id].status, 200);
}

TEST(H2ServerSession, ResponseFieldsThatCannotBeSentAreRefused) {
  ServerSession server{SessionLimits{}};
  Frames frames;
  RawRun run;
  testing::feed_raw(server, frames.preface().headers(1, testing::get_request()).take(), run);
  const std::vector<http::Header> bad = {{"x-bad", "a\r\nb"}};
  EXPECT_FALSE(server.submit_response(1, 200, bad, false));
  EXPECT_FALSE(server.submit_response(1, 99, {}, false));
  EXPECT_TRUE(server.submit_response(1, 200, {}, false));
  EXPECT_FALSE(server.submit_response(1, 200, {}, false)) << "answered once";
}

TEST(H2ServerSession, ResponseNamesOfEveryLengthGoOutLowerCased) {
  // Names shorter than a word, exactly one, with a tail, and with token characters other than
  // letters, digits and '-' (which take the byte-by-byte way).
  ServerSession server{SessionLimits{}};
  Client client;
  const std::int32_t id = client.request(testing::get_request());
  testing::exchange(client, server, [&](std::span<const Event> events) {
    for (const Event& event : events) {
      if (event.kind != EventKind::request) continue;
      std::string name = "X-Made-Here";
      const std::vector<http::Header> headers = {{"ETag", "\"1\""},
                                                 {"ABCDEFGH", "8"},
                                                 {name, "tail"},
                                                 {"Strict-Transport-Security", "max-age=1"},
                                                 {"X_Under.Score~Z|1", "odd"}};
      ASSERT_TRUE(server.submit_response(event.stream, 200, headers, false));
      name.assign(name.size(), 'Q');  // the caller's strings may change once submitted
    }
  });
  const Fields expected = {{"etag", "\"1\""},
                           {"abcdefgh", "8"},
                           {"x-made-here", "tail"},
                           {"strict-transport-security", "max-age=1"},
                           {"x_under.score~z|1", "odd"}};
  EXPECT_EQ(client.streams[id].headers, expected);
}

TEST(H2ServerSession, ResponseNamesThatAreNotTokensAreRefused) {
  ServerSession server{SessionLimits{}};
  Frames frames;
  RawRun run;
  testing::feed_raw(server, frames.preface().headers(1, testing::get_request()).take(), run);
  // "\xc3\x9c\x62\x65\x72" is "Über": bytes past ASCII.
  for (const std::string name : {"X Bad", "Content(Type", "X-Very-Long-Name:Colon",
                                 "\xc3\x9c\x62\x65\x72", "Twelve-Chars\x7f", ""}) {
    const std::vector<http::Header> bad = {{name, "v"}};
    EXPECT_FALSE(server.submit_response(1, 200, bad, false)) << name;
  }
  EXPECT_TRUE(server.submit_response(1, 200, {}, false));
}

TEST(H2ServerSession, HeadsOfStreamsAnsweredInOnePassKeepTheirOwnFields) {
  // Each stream keeps its head's fields until nghttp2 writes them (no copy by nghttp2): two
  // answers submitted before any output must not share storage.
  ServerSession server{SessionLimits{}};
  Client client;
  const std::int32_t first = client.request(testing::get_request("/1"));
  const std::int32_t second = client.request(testing::get_request("/2"));
  testing::exchange(client, server, [&](std::span<const Event> events) {
    for (const Event& event : events) {
      if (event.kind != EventKind::request) continue;
      const std::string path(server.request_head(event.stream)->path);
      const std::vector<http::Header> headers = {{"X-Path", path}};
      ASSERT_TRUE(server.submit_response(event.stream, 200, headers, false));
    }
  });
  EXPECT_EQ(client.streams[first].headers, (Fields{{"x-path", "/1"}}));
  EXPECT_EQ(client.streams[second].headers, (Fields{{"x-path", "/2"}}));
}

}  // namespace
}  // namespace apigw::h2
