// ClientSession against the gateway's own ServerSession, both in memory: requests and responses
// with bodies past the flow-control windows, trailers both ways (gRPC style), informational heads,
// and heads built from an HTTP/1 request the way the HTTP/1 head writer builds them.
#include "h2/client_session.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "h2/test_h2_upstream.h"
#include "http/parser.h"

namespace apigw::h2 {
namespace {

using testing::Backend;
using testing::Fields;
using testing::Link;

TEST(H2ClientSession, GetIsAnsweredHeadBodyEndThenClosed) {
  ClientSession client{ClientLimits{}};
  ServerSession server{SessionLimits{}};
  Link link(client, server);
  Backend backend{server};
  backend.headers = {{"Content-Type", "text/plain"}, {"Connection", "keep-alive"}};
  backend.body = "hello";
  const std::vector<http::Header> headers = {{"Accept", "text/plain"},
                                             {"Connection", "close"},
                                             {"Keep-Alive", "5"},
                                             {"Host", "ignored.test"},
                                             {"X-Trace", "abc"}};
  const SubmitResult submitted =
      client.submit_request(testing::pseudo("GET", "/a?b=1"), headers, false);
  ASSERT_TRUE(submitted.ok());
  EXPECT_EQ(submitted.stream, 1);
  http::RequestHead seen;
  link.run([&](std::span<const Event> events) {
    for (const Event& event : events) {
      if (event.kind == EventKind::request) {
        const http::RequestHead* head = server.request_head(event.stream);
        EXPECT_EQ(head->method, http::Method::get);
        EXPECT_EQ(head->target, "/a?b=1");
        EXPECT_EQ(head->host, "upstream.test") << ":authority wins over a host field";
      }
    }
    backend(events);
  });
  const Fields sent = {{"accept", "text/plain"}, {"x-trace", "abc"}};
  EXPECT_EQ(backend.request_headers[1], sent) << "names lower-cased, hop-by-hop fields dropped";

  const testing::UpstreamStream& stream = link.recorder.streams[1];
  EXPECT_EQ(stream.status, 200);
  EXPECT_EQ(stream.headers, (Fields{{"content-type", "text/plain"}}));
  EXPECT_EQ(stream.framing, http::BodyFraming::stream_end)
      << "no content-length: ends with END_STREAM";
  EXPECT_EQ(stream.body, "hello");
  EXPECT_EQ(stream.kinds,
            (std::vector<ClientEventKind>{ClientEventKind::response_head, ClientEventKind::body,
                                          ClientEventKind::response_end, ClientEventKind::closed}));
  EXPECT_EQ(stream.end, StreamEnd::complete);
  EXPECT_EQ(client.open_streams(), 0u);
  EXPECT_EQ(client.response_head(1), nullptr) << "released";
}

TEST(H2ClientSession, HostBecomesAuthorityWhenNoneIsGiven) {
  ClientSession client{ClientLimits{}};
  ServerSession server{SessionLimits{}};
  Link link(client, server);
  Backend backend{server};
  const std::vector<http::Header> headers = {{"Host", "from-host.test:8080"}};
  ASSERT_TRUE(client.submit_request(RequestPseudo{"GET", "http", "", "/"}, headers, false).ok());
  std::string_view host;
  link.run([&](std::span<const Event> events) {
    for (const Event& event : events) {
      if (event.kind == EventKind::request) host = server.request_head(event.stream)->host;
    }
    backend(events);
  });
  EXPECT_EQ(host, "from-host.test:8080");
  EXPECT_EQ(backend.request_headers[1], Fields{}) << "the host field itself is not sent";
}

TEST(H2ClientSession, FieldsThatCannotBeSentAreRefused) {
  ClientSession client{ClientLimits{}};
  const std::vector<http::Header> crlf = {{"x-v", "a\r\nb"}};
  EXPECT_EQ(client.submit_request(testing::pseudo(), crlf, false).error,
            SubmitError::invalid_field);
  const std::vector<http::Header> bad_name = {{"x v", "1"}};
  EXPECT_EQ(client.submit_request(testing::pseudo(), bad_name, false).error,
            SubmitError::invalid_field);
  EXPECT_EQ(client.submit_request(testing::pseudo("GET", "no-slash"), {}, false).error,
            SubmitError::invalid_field);
  EXPECT_EQ(client.submit_request(testing::pseudo("CONNECT", "/"), {}, false).error,
            SubmitError::invalid_field);
  EXPECT_EQ(client.submit_request(RequestPseudo{"GET", "http", "", "/"}, {}, false).error,
            SubmitError::invalid_field)
      << "neither :authority nor host";
  EXPECT_EQ(client.open_streams(), 0u);
  EXPECT_TRUE(client.submit_request(testing::pseudo(), {}, false).ok());
}

TEST(H2ClientSession, UpstreamRequestIsTheHttp1HeadRewrittenForHttp2) {
  const std::string raw =
      "POST /orders?x=1 HTTP/1.1\r\n"
      "Host: shop.test\r\n"
      "Connection: keep-alive, X-Hop\r\n"
      "X-Hop: 1\r\n"
      "TE: trailers\r\n"
      "Content-Type: application/json\r\n"
      "X-Forwarded-For: 10.0.0.1\r\n"
      "Content-Length: 2\r\n"
      "Expect: 100-continue\r\n"
      "Proxy-Authorization: Basic eA==\r\n"
      "X-Secret: s\r\n"
      "X-Request-Id: from-client\r\n"
      "\r\n";
  http::RequestHead head;
  ASSERT_EQ(http::parse_request_head(raw, http::HeadLimits{}, head).status,
            http::ParseStatus::complete);
  const std::vector<std::string_view> replaced = {"X-SECRET"};
  const std::vector<http::Header> added = {{"X-Added", "yes"}};
  UpstreamRequestInfo info;
  info.path_and_query = "/v1/orders?x=1";
  info.host = "orders.internal:8080";
  info.original_host = "shop.test";
  info.client_ip = "192.0.2.7";
  info.proto = "https";
  info.request_id = "req-1";
  info.replaced = replaced;
  info.added = added;
  UpstreamRequest request;
  request.build(head, info);
  EXPECT_EQ(request.pseudo().method, "POST");
  EXPECT_EQ(request.pseudo().scheme, "http");
  EXPECT_EQ(request.pseudo().authority, "orders.internal:8080");
  EXPECT_EQ(request.pseudo().path, "/v1/orders?x=1");
  EXPECT_TRUE(request.has_body());
  const Fields expected = {{"te", "trailers"},
                           {"content-type", "application/json"},
                           {"x-forwarded-for", "10.0.0.1, 192.0.2.7"},
                           {"x-forwarded-proto", "https"},
                           {"x-forwarded-host", "shop.test"},
                           {"x-request-id", "req-1"},
                           {"x-added", "yes"},
                           {"content-length", "2"}};
  EXPECT_EQ(testing::copy_fields(request.headers()), expected);

  // And the gateway's own HTTP/2 server takes it as it is.
  ClientSession client{ClientLimits{}};
  ServerSession server{SessionLimits{}};
  Link link(client, server);
  Backend backend{server};
  backend.answer_at_end = true;
  const SubmitResult submitted = client.submit_request(request);
  ASSERT_TRUE(submitted.ok());
  EXPECT_EQ(client.submit_data(submitted.stream, "{}", true), 2u);
  link.run(std::ref(backend));
  EXPECT_EQ(backend.request_headers[submitted.stream], expected);
  EXPECT_EQ(backend.received[submitted.stream], "{}");
  EXPECT_EQ(link.recorder.streams[submitted.stream].end, StreamEnd::complete);
}

TEST(H2ClientSession, UpstreamRequestFramingFollowsTheParsedFraming) {
  http::RequestHead head;
  const std::string chunked =
      "PUT /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTE: gzip\r\n\r\n";
  ASSERT_EQ(http::parse_request_head(chunked, http::HeadLimits{}, head).status,
            http::ParseStatus::complete);
  UpstreamRequestInfo info;
  info.path_and_query = "/c";
  info.host = "h";
  UpstreamRequest request;
  request.build(head, info);
  EXPECT_TRUE(request.has_body()) << "a chunked body ends with the stream";
  for (const http::Header& header : request.headers()) {
    EXPECT_NE(header.name, "transfer-encoding");
    EXPECT_NE(header.name, "content-length");
    EXPECT_NE(header.name, "te") << "TE without trailers is not sent";
  }

  const std::string get = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
  ASSERT_EQ(http::parse_request_head(get, http::HeadLimits{}, head).status,
            http::ParseStatus::complete);
  request.build(head, info);
  EXPECT_FALSE(request.has_body());

  info.body_length = 5;  // a body the filters held whole
  request.build(head, info);
  EXPECT_TRUE(request.has_body());
  EXPECT_EQ(request.headers().back().name, "content-length");
  EXPECT_EQ(request.headers().back().value, "5");
}

TEST(H2ClientSession, BodiesPastTheWindowsBothWaysFollowConsume) {
  ClientLimits limits;
  limits.connection_window = 100'000;
  ClientSession client{limits};
  ServerSession server{SessionLimits{}};
  Link link(client, server);
  link.recorder.consume = false;
  link.recorder.release = false;  // the body stays readable after the stream closed
  Backend backend{server};
  backend.body = std::string(300'000, 'r');
  const std::string upload(300'000, 'q');
  const std::vector<http::Header> headers = {{"content-length", "300000"}};
  const std::int32_t id =
      client.submit_request(testing::pseudo("POST", "/up"), headers, true).stream;
  std::size_t uploaded = client.submit_data(id, upload, true);
  EXPECT_EQ(uploaded, limits.max_send_queue) << "the send queue takes what fits";
  int send_ready = 0;
  link.recorder.on_event = [&](const ClientEvent& event) {
    if (event.kind != ClientEventKind::send_ready) return;
    ++send_ready;
    uploaded += client.submit_data(id, std::string_view(upload).substr(uploaded), true);
  };
  link.run(std::ref(backend));
  EXPECT_EQ(backend.received[id].size(), upload.size());
  EXPECT_TRUE(backend.received[id] == upload);
  EXPECT_GE(send_ready, 4);
  EXPECT_EQ(client.response_body(id).size(), 65'535u) << "exactly the stream window, unread";

  std::string response;
  std::size_t most_unread = 0;
  for (int round = 0; round < 100 && response.size() < backend.body.size(); ++round) {
    const std::string_view unread = client.response_body(id);
    most_unread = std::max(most_unread, unread.size());
    response.append(unread);
    client.consume(id, unread.size());
    link.run(std::ref(backend));
  }
  EXPECT_EQ(response.size(), backend.body.size());
  EXPECT_TRUE(response == backend.body);
  EXPECT_LE(most_unread, 65'535u);
  EXPECT_EQ(link.recorder.streams[id].end, StreamEnd::complete);
}

TEST(H2ClientSession, ConnectionWindowBoundsAllStreamsTogether) {
  ClientLimits limits;
  limits.connection_window = 100'000;
  ClientSession client{limits};
  ServerSession server{SessionLimits{}};
  Link link(client, server);
  link.recorder.consume = false;
  link.recorder.release = false;  // a released stream gives its unread body back
  Backend backend{server};
  backend.body = std::string(60'000, 'c');
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(client.submit_request(testing::pseudo(), {}, false).ok());
  link.run(std::ref(backend));
  std::size_t buffered = 0;
  for (std::int32_t id : {1, 3, 5, 7}) buffered += client.response_body(id).size();
  EXPECT_EQ(buffered, 100'000u);
  EXPECT_LE(client.bytes_held(), 300'000u);
}

TEST(H2ClientSession, ReleasingAnUnreadBodyGivesItsBytesBackToTheConnection) {
  ClientLimits limits;
  limits.connection_window = 65'535;  // the protocol's initial window: no WINDOW_UPDATE at start
  ClientSession client{limits};
  ServerSession server{SessionLimits{}};
  Link link(client, server);
  link.recorder.consume = false;
  link.recorder.release = false;
  Backend backend{server};
  backend.body = std::string(60'000, 'u');
  const std::int32_t first = client.submit_request(testing::pseudo(), {}, false).stream;
  link.run(std::ref(backend));
  ASSERT_EQ(client.response_body(first).size(), 60'000u);
  EXPECT_TRUE(link.recorder.streams[first].closed) << "closed, its body still readable";
  client.release(first);
  EXPECT_EQ(client.response_body(first).size(), 0u);
  const std::int32_t second = client.submit_request(testing::pseudo(), {}, false).stream;
  link.run(std::ref(backend));
  EXPECT_EQ(client.response_body(second).size(), 60'000u)
      << "the first stream's unread 60,000 bytes were given back to the connection window";
}

TEST(H2ClientSession, TrailersBothWaysGrpcStyle) {
  ClientSession client{ClientLimits{}};
  ServerSession server{SessionLimits{}};
  Link link(client, server);
  Backend backend{server};
  backend.answer_at_end = true;
  backend.headers = {{"content-type", "application/grpc"}};
  backend.body = std::string("\0\0\0\0\x02hi", 7);
  backend.trailers = {{"grpc-status", "0"}, {"grpc-message", "OK"}};
  const std::vector<http::Header> headers = {
      {"content-type", "application/grpc"}, {"te", "trailers"}, {"grpc-timeout", "5S"}};
  const std::int32_t id =
      client
          .submit_request(RequestPseudo{"POST", "http", "grpc.test", "/echo.Echo/Say"}, headers,
                          true)
          .stream;
  const std::string message("\0\0\0\0\x03hey", 8);
  EXPECT_EQ(client.submit_data(id, message, false), message.size());
  const std::vector<http::Header> trailers = {{"X-Checksum", "42"}, {"content-length", "8"}};
  ASSERT_TRUE(client.submit_trailers(id, trailers));
  EXPECT_EQ(client.submit_data(id, "late", false), 0u) << "the request has ended";
  link.run(std::ref(backend));

  EXPECT_EQ(
      backend.request_headers[id],
      (Fields{{"content-type", "application/grpc"}, {"te", "trailers"}, {"grpc-timeout", "5S"}}));
  EXPECT_EQ(backend.received[id], message);
  EXPECT_EQ(backend.request_trailers[id], (Fields{{"x-checksum", "42"}}))
      << "lower-cased; no framing field in trailers";
  const testing::UpstreamStream& stream = link.recorder.streams[id];
  EXPECT_EQ(stream.status, 200);
  EXPECT_EQ(stream.body, backend.body);
  EXPECT_EQ(stream.trailers, (Fields{{"grpc-status", "0"}, {"grpc-message", "OK"}}));
  EXPECT_EQ(stream.kinds.back(), ClientEventKind::closed);
  EXPECT_EQ(stream.kinds[stream.kinds.size() - 2], ClientEventKind::response_end);
  EXPECT_EQ(stream.end, StreamEnd::complete);
}

TEST(H2ClientSession, TrailersOnlyResponseEndsWithItsHead) {
  // gRPC's "Trailers-Only" answer: one HEADERS frame with grpc-status and END_STREAM.
  ClientSession client{ClientLimits{}};
  ServerSession server{SessionLimits{}};
  Link link(client, server);
  Backend backend{server};
  backend.headers = {
      {"content-type", "application/grpc"}, {"grpc-status", "5"}, {"grpc-message", "not found"}};
  const std::int32_t id = client.submit_request(testing::pseudo("POST"), {}, false).stream;
  link.run(std::ref(backend));
  const testing::UpstreamStream& stream = link.recorder.streams[id];
  EXPECT_EQ(stream.kinds,
            (std::vector<ClientEventKind>{ClientEventKind::response_head,
                                          ClientEventKind::response_end, ClientEventKind::closed}));
  EXPECT_EQ(stream.framing, http::BodyFraming::none);
  EXPECT_TRUE(stream.trailers.empty());
  EXPECT_EQ(stream.headers[1], (std::pair<std::string, std::string>{"grpc-status", "5"}));
}

TEST(H2ClientSession, InformationalHeadsComeBeforeTheFinalOne) {
  ClientSession client{ClientLimits{}};
  ServerSession server{SessionLimits{}};
  Link link(client, server);
  const std::int32_t id = client.submit_request(testing::pseudo(), {}, false).stream;
  link.run([&](std::span<const Event> events) {
    for (const Event& event : events) {
      if (event.kind != EventKind::request) continue;
      EXPECT_TRUE(server.submit_informational(event.stream, 103));
      EXPECT_TRUE(server.submit_informational(event.stream, 100));
      EXPECT_TRUE(server.submit_response(event.stream, 204, {}, false));
    }
  });
  const testing::UpstreamStream& stream = link.recorder.streams[id];
  EXPECT_EQ(stream.informational, (std::vector<int>{103, 100}));
  EXPECT_EQ(stream.status, 204);
  EXPECT_EQ(stream.kinds.front(), ClientEventKind::informational);
  EXPECT_EQ(stream.end, StreamEnd::complete);
}

TEST(H2ClientSession, HeadRequestHasNoBodyWhateverTheLengthSays) {
  ClientSession client{ClientLimits{}};
  ServerSession server{SessionLimits{}};
  Link link(client, server);
  Backend backend{server};
  backend.headers = {{"content-length", "1234"}};
  const std::int32_t id = client.submit_request(testing::pseudo("HEAD"), {}, false).stream;
  link.run(std::ref(backend));
  const testing::UpstreamStream& stream = link.recorder.streams[id];
  EXPECT_EQ(stream.framing, http::BodyFraming::none);
  EXPECT_EQ(stream.headers, (Fields{{"content-length", "1234"}}))
      << "kept: it describes the resource";
  EXPECT_EQ(stream.end, StreamEnd::complete);
}

}  // namespace
}  // namespace apigw::h2
