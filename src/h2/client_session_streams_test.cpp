// ClientSession's streams against the gateway's own ServerSession: the server's stream limit,
// its GOAWAY and RST_STREAM, response heads over the limits, and how every stream ends (which
// says whether a retry is safe).
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "h2/client_session.h"
#include "h2/test_h2_upstream.h"

namespace apigw::h2 {
namespace {

using testing::Backend;
using testing::Link;

std::int32_t submit_get(ClientSession& client) {
  const SubmitResult submitted = client.submit_request(testing::pseudo(), {}, false);
  EXPECT_TRUE(submitted.ok());
  return submitted.stream;
}

TEST(H2ClientStreams, StreamsUpToTheServersLimitThenCanSubmitIsFalse) {
  SessionLimits server_limits;
  server_limits.max_concurrent_streams = 3;
  ClientSession client{ClientLimits{}};
  ServerSession server{server_limits};
  Link link(client, server);
  Backend backend{server};
  backend.hold = true;
  link.run(std::ref(backend));  // SETTINGS both ways
  std::vector<std::int32_t> ids;
  while (client.can_submit() && ids.size() < 10) ids.push_back(submit_get(client));
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(client.submit_request(testing::pseudo(), {}, false).error, SubmitError::no_stream);
  link.run(std::ref(backend));
  EXPECT_EQ(backend.requests, ids);
  EXPECT_FALSE(client.can_submit()) << "all three are still open";

  backend.answer(ids[0]);
  link.run(std::ref(backend));
  EXPECT_EQ(link.recorder.streams[ids[0]].end, StreamEnd::complete);
  EXPECT_TRUE(client.can_submit());
  EXPECT_FALSE(client.closing());
}

TEST(H2ClientStreams, AssumedLimitHoldsUntilTheServersSettingsCome) {
  ClientLimits limits;
  limits.assumed_concurrent_streams = 2;
  ClientSession client{limits};
  ServerSession server{SessionLimits{}};
  Link link(client, server);
  Backend backend{server};
  submit_get(client);
  submit_get(client);
  EXPECT_FALSE(client.can_submit());
  link.run(std::ref(backend));
  EXPECT_TRUE(client.can_submit()) << "the server allows 100";
}

TEST(H2ClientStreams, StreamsPastTheLimitBeforeItsSettingsAreRefusedAndRetryable) {
  // Sent before the client knew the server's limit: nghttp2's server refuses the extra streams
  // (REFUSED_STREAM), which the client reports as never processed.
  SessionLimits server_limits;
  server_limits.max_concurrent_streams = 2;
  ClientSession client{ClientLimits{}};
  ServerSession server{server_limits};
  Link link(client, server);
  Backend backend{server};
  backend.hold = true;
  std::vector<std::int32_t> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(submit_get(client));
  link.run(std::ref(backend));
  EXPECT_EQ(backend.requests, (std::vector<std::int32_t>{1, 3}));
  EXPECT_EQ(link.recorder.streams[5].end, StreamEnd::refused);
  EXPECT_EQ(link.recorder.streams[7].end, StreamEnd::refused);
  EXPECT_FALSE(client.can_submit());
  EXPECT_FALSE(client.closing());
}

TEST(H2ClientStreams, GoawayFromTheServerRefusesNewerStreamsAndNewSubmits) {
  ClientSession client{ClientLimits{}};
  ServerSession server{SessionLimits{}};
  Link link(client, server);
  Backend backend{server};
  backend.hold = true;
  submit_get(client);
  submit_get(client);
  link.run(std::ref(backend));
  ASSERT_EQ(backend.requests.size(), 2u);
  server.goaway(/*graceful=*/true);              // GOAWAY(last stream 3), not yet written
  const std::int32_t late = submit_get(client);  // 5: sent before the client reads the GOAWAY
  link.run(std::ref(backend));
  EXPECT_EQ(link.recorder.streams[late].end, StreamEnd::refused);
  EXPECT_EQ(client.goaway_last_stream(), 3);
  EXPECT_EQ(client.goaway_error_code(), 0u);
  EXPECT_TRUE(client.closing());
  EXPECT_EQ(client.close_reason(), ClientCloseReason::peer_goaway);
  EXPECT_FALSE(client.can_submit());
  EXPECT_EQ(client.submit_request(testing::pseudo(), {}, false).error, SubmitError::no_stream);
  EXPECT_FALSE(client.finished()) << "streams 1 and 3 are in flight";

  backend.answer(1);
  backend.answer(3);
  link.run(std::ref(backend));
  EXPECT_EQ(link.recorder.streams[1].end, StreamEnd::complete);
  EXPECT_EQ(link.recorder.streams[3].end, StreamEnd::complete);
  EXPECT_TRUE(client.finished());
  EXPECT_TRUE(server.finished());
}

TEST(H2ClientStreams, RequestStillQueuedWhenTheGoawayArrivesIsNeverSent) {
  ClientSession client{ClientLimits{}};
  ServerSession server{SessionLimits{}};
  Link link(client, server);
  Backend backend{server};
  submit_get(client);
  link.run(std::ref(backend));
  server.goaway(/*graceful=*/true);
  const std::int32_t queued = submit_get(client);  // not written yet
  const std::string goaway(server.pending_output());
  server.output_written(goaway.size());
  link.recorder(client.feed(testing::as_bytes(goaway)));
  const std::string out(client.pending_output());  // nghttp2 drops the HEADERS now
  client.output_written(out.size());
  link.recorder(client.take_events());
  EXPECT_EQ(link.recorder.streams[queued].end, StreamEnd::refused);
  for (const testing::Frame& frame : testing::parse_frames(out)) {
    EXPECT_NE(frame.stream, queued) << "nothing of the stream left";
  }
  EXPECT_TRUE(client.finished());
}

TEST(H2ClientStreams, ServerResetsAreReportedWithTheirCode) {
  ClientSession client{ClientLimits{}};
  ServerSession server{SessionLimits{}};
  Link link(client, server);
  Backend backend{server};
  backend.hold = true;
  const std::int32_t failed = submit_get(client);
  const std::int32_t refused = submit_get(client);
  const std::int32_t midway = submit_get(client);
  link.run(std::ref(backend));
  server.reset_stream(failed, NGHTTP2_INTERNAL_ERROR);
  server.reset_stream(refused, NGHTTP2_REFUSED_STREAM);
  ASSERT_TRUE(server.submit_response(midway, 200, {}, true));
  server.submit_data(midway, "part", false);
  link.run(std::ref(backend));
  server.reset_stream(midway, NGHTTP2_CANCEL);
  link.run(std::ref(backend));

  EXPECT_EQ(link.recorder.streams[failed].end, StreamEnd::reset_by_server);
  EXPECT_EQ(link.recorder.streams[failed].error_code,
            static_cast<std::uint32_t>(NGHTTP2_INTERNAL_ERROR));
  EXPECT_EQ(link.recorder.streams[refused].end, StreamEnd::refused);
  const testing::UpstreamStream& partial = link.recorder.streams[midway];
  EXPECT_EQ(partial.status, 200);
  EXPECT_EQ(partial.body, "part");
  EXPECT_FALSE(partial.ended);
  EXPECT_EQ(partial.end, StreamEnd::reset_by_server) << "the caller must abort its answer";
  EXPECT_TRUE(client.can_submit()) << "stream errors leave the connection usable";
}

TEST(H2ClientStreams, CompleteAnswerBeforeTheWholeRequestIsComplete) {
  // The server answers 413 before the body is in, then stops it with RST_STREAM(NO_ERROR)
  // (RFC 9113 §8.1): the response stands.
  ClientSession client{ClientLimits{}};
  ServerSession server{SessionLimits{}};
  Link link(client, server);
  Backend backend{server};
  backend.status = 413;
  const std::int32_t id = client.submit_request(testing::pseudo("POST"), {}, true).stream;
  client.submit_data(id, "start of a long body", false);
  link.run(std::ref(backend));
  const testing::UpstreamStream& stream = link.recorder.streams[id];
  EXPECT_EQ(stream.status, 413);
  EXPECT_TRUE(stream.ended);
  EXPECT_EQ(stream.end, StreamEnd::complete);
  EXPECT_EQ(client.submit_data(id, "more", true), 0u);
}

TEST(H2ClientStreams, OversizedResponseHeadResetsOnlyItsStream) {
  ClientLimits limits;
  limits.head.max_header_bytes = 1024;
  ClientSession client{limits};
  ServerSession server{SessionLimits{}};
  Link link(client, server);
  Backend backend{server};
  backend.hold = true;
  const std::string big_value(2000, 'b');  // http::Header holds views
  const std::vector<http::Header> headers = {{"x-big", big_value}};
  const std::int32_t big = submit_get(client);
  link.run(std::ref(backend));
  ASSERT_TRUE(server.submit_response(big, 200, headers, /*has_body=*/true));
  link.run(std::ref(backend));
  const testing::UpstreamStream& stream = link.recorder.streams[big];
  EXPECT_EQ(stream.kinds, (std::vector<ClientEventKind>{ClientEventKind::closed}))
      << "the head is never reported";
  EXPECT_EQ(stream.end, StreamEnd::response_too_large);
  EXPECT_EQ(backend.closed[big], static_cast<std::uint32_t>(NGHTTP2_INTERNAL_ERROR));

  backend.hold = false;
  const std::int32_t next = submit_get(client);
  link.run(std::ref(backend));
  EXPECT_EQ(link.recorder.streams[next].end, StreamEnd::complete);
  EXPECT_FALSE(client.closing());
}

TEST(H2ClientStreams, TooManyResponseFieldsResetTheStream) {
  ClientLimits limits;
  limits.head.max_header_count = 4;
  ClientSession client{limits};
  ServerSession server{SessionLimits{}};
  Link link(client, server);
  Backend backend{server};
  for (int i = 0; i < 5; ++i) {
    backend.headers.emplace_back(i % 2 == 0 ? "x-a" : "x-b", "v");
  }
  const std::int32_t id = submit_get(client);
  link.run(std::ref(backend));
  EXPECT_EQ(link.recorder.streams[id].end, StreamEnd::response_too_large);
}

TEST(H2ClientStreams, OversizedTrailersEndAStreamWhoseHeadWasReported) {
  ClientLimits limits;
  limits.head.max_header_bytes = 1024;
  ClientSession client{limits};
  ServerSession server{SessionLimits{}};
  Link link(client, server);
  Backend backend{server};
  backend.body = "payload";
  const std::string message(1500, 'm');
  backend.trailers = {{"grpc-status", "0"}, {"grpc-message", message}};
  const std::int32_t id = submit_get(client);
  link.run(std::ref(backend));
  const testing::UpstreamStream& stream = link.recorder.streams[id];
  EXPECT_EQ(stream.status, 200);
  EXPECT_EQ(stream.body, "payload");
  EXPECT_FALSE(stream.ended);
  EXPECT_EQ(stream.end, StreamEnd::response_too_large);
}

TEST(H2ClientStreams, CallerResetCancelsTheStream) {
  ClientSession client{ClientLimits{}};
  ServerSession server{SessionLimits{}};
  Link link(client, server);
  Backend backend{server};
  backend.hold = true;
  const std::int32_t sent = submit_get(client);
  link.run(std::ref(backend));
  client.reset_stream(sent);
  const std::int32_t never = submit_get(client);
  client.reset_stream(never);  // still in nghttp2's queue: its HEADERS never go out
  link.run(std::ref(backend));
  EXPECT_EQ(link.recorder.streams[sent].end, StreamEnd::cancelled);
  EXPECT_EQ(backend.closed[sent], static_cast<std::uint32_t>(NGHTTP2_CANCEL));
  EXPECT_EQ(link.recorder.streams[never].end, StreamEnd::cancelled);
  EXPECT_EQ(backend.requests, (std::vector<std::int32_t>{sent}));
  EXPECT_EQ(client.open_streams(), 0u);
}

TEST(H2ClientStreams, ReleaseOfAnOpenStreamCancelsItWithoutMoreEvents) {
  ClientSession client{ClientLimits{}};
  ServerSession server{SessionLimits{}};
  Link link(client, server);
  Backend backend{server};
  backend.hold = true;
  const std::int32_t id = submit_get(client);
  link.run(std::ref(backend));
  client.release(id);
  link.run(std::ref(backend));
  EXPECT_TRUE(link.recorder.streams[id].kinds.empty());
  EXPECT_EQ(backend.closed[id], static_cast<std::uint32_t>(NGHTTP2_CANCEL));
  EXPECT_EQ(client.open_streams(), 0u);
  EXPECT_EQ(client.response_head(id), nullptr);
}

TEST(H2ClientStreams, LostConnectionClosesEveryStreamSayingWhichWereSent) {
  ClientSession client{ClientLimits{}};
  ServerSession server{SessionLimits{}};
  Link link(client, server);
  Backend backend{server};
  backend.hold = true;
  const std::int32_t sent = submit_get(client);
  link.run(std::ref(backend));
  const std::int32_t unsent = submit_get(client);
  link.recorder(client.connection_lost());
  EXPECT_EQ(link.recorder.streams[sent].end, StreamEnd::connection_error);
  EXPECT_EQ(link.recorder.streams[unsent].end, StreamEnd::refused) << "never left: retry it";
  EXPECT_TRUE(client.finished());
  EXPECT_EQ(client.close_reason(), ClientCloseReason::connection_lost);
  EXPECT_FALSE(client.can_submit());
  EXPECT_TRUE(client.pending_output().empty());
}

TEST(H2ClientStreams, GracefulGoawayWaitsForTheStreamsInFlight) {
  ClientSession client{ClientLimits{}};
  ServerSession server{SessionLimits{}};
  Link link(client, server);
  Backend backend{server};
  backend.hold = true;
  const std::int32_t id = submit_get(client);
  link.run(std::ref(backend));
  client.goaway(/*graceful=*/true);
  EXPECT_TRUE(client.closing());
  EXPECT_FALSE(client.can_submit());
  link.run(std::ref(backend));
  EXPECT_FALSE(server.closing()) << "no GOAWAY while a stream is in flight";
  backend.answer(id);
  link.run(std::ref(backend));
  EXPECT_EQ(link.recorder.streams[id].end, StreamEnd::complete);
  EXPECT_EQ(server.close_reason(), CloseReason::peer_done);
  EXPECT_TRUE(client.finished());
}

TEST(H2ClientStreams, AbruptGoawayCancelsTheStreamsInFlight) {
  ClientSession client{ClientLimits{}};
  ServerSession server{SessionLimits{}};
  Link link(client, server);
  Backend backend{server};
  backend.hold = true;
  const std::int32_t id = submit_get(client);
  link.run(std::ref(backend));
  client.goaway(/*graceful=*/false);
  link.recorder(client.take_events());
  EXPECT_EQ(link.recorder.streams[id].end, StreamEnd::cancelled);
  link.run(std::ref(backend));
  EXPECT_EQ(backend.closed[id], static_cast<std::uint32_t>(NGHTTP2_CANCEL))
      << "reset before the GOAWAY, so the server stops working on it at once";
  EXPECT_TRUE(client.finished());
}

}  // namespace
}  // namespace apigw::h2
