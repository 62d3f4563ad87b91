// HTTP/2 header blocks -> RequestHead: what becomes a request, and every field an HTTP/1 upstream
// could read differently (RFC 9113 §8.2, §8.3; design note §3.5) refused.
#include "h2/request_head.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace apigw::h2 {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

Fields get(std::string path = "/items?id=7") {
  return {{":method", "GET"},
          {":scheme", "https"},
          {":path", std::move(path)},
          {":authority", "api.example.test"}};
}

Fields with(Fields fields, const Fields& more) {
  fields.insert(fields.end(), more.begin(), more.end());
  return fields;
}

struct Built {
  HeaderArena arena;
  http::RequestHead head;
  HeadOutcome outcome;
  FieldVerdict worst = FieldVerdict::ok;
};

void build(Built& out, const Fields& fields, bool end_stream = true,
           const http::HeadLimits& limits = {}) {
  RequestHeadBuilder builder;
  builder.start(limits, out.arena, out.head);
  for (const auto& [name, value] : fields) {
    const FieldVerdict verdict = builder.add(name, value);
    if (verdict != FieldVerdict::ok && out.worst == FieldVerdict::ok) out.worst = verdict;
  }
  out.outcome = builder.finish(end_stream);
}

HeadOutcome::Kind kind_of(const Fields& fields, bool end_stream = true) {
  Built built;
  build(built, fields, end_stream);
  return built.outcome.kind;
}

constexpr auto kRequest = HeadOutcome::Kind::request;
constexpr auto kMalformed = HeadOutcome::Kind::malformed;
constexpr auto kRefused = HeadOutcome::Kind::refused;

TEST(H2RequestHead, GetBecomesTheHeadAnHttp1RequestGets) {
  Built built;
  build(built, with(get(), {{"accept", "*/*"}, {"x-trace", "a b"}}));
  ASSERT_EQ(built.outcome.kind, kRequest) << built.outcome.error.message;
  const http::RequestHead& head = built.head;
  EXPECT_EQ(head.method, http::Method::get);
  EXPECT_EQ(head.method_text, "GET");
  EXPECT_EQ(head.target, "/items?id=7");
  EXPECT_EQ(head.path, "/items");
  EXPECT_EQ(head.query, "id=7");
  EXPECT_TRUE(head.has_query);
  EXPECT_EQ(head.host, "api.example.test");
  EXPECT_EQ(head.protocol, http::Protocol::http2);
  EXPECT_EQ(head.version_minor, 1);
  EXPECT_TRUE(head.keep_alive);
  EXPECT_EQ(head.framing, http::BodyFraming::none);
  EXPECT_EQ(head.head_bytes, 0u);
  ASSERT_EQ(head.headers.size(), 2u) << "pseudo-header fields are not header fields";
  EXPECT_EQ(head.headers[0].name, "accept");
  EXPECT_EQ(head.headers[1].value, "a b");
}

TEST(H2RequestHead, FramingFollowsContentLengthAndEndStream) {
  Built declared;
  build(declared, with(get(), {{"content-length", "12"}}), /*end_stream=*/false);
  ASSERT_EQ(declared.outcome.kind, kRequest);
  EXPECT_EQ(declared.head.framing, http::BodyFraming::content_length);
  EXPECT_EQ(declared.head.content_length, 12u);

  Built undeclared;
  build(undeclared, get(), /*end_stream=*/false);
  ASSERT_EQ(undeclared.outcome.kind, kRequest);
  EXPECT_EQ(undeclared.head.framing, http::BodyFraming::stream_end);

  Built zero;
  build(zero, with(get(), {{"content-length", "0"}}), /*end_stream=*/true);
  ASSERT_EQ(zero.outcome.kind, kRequest);
  EXPECT_EQ(zero.head.framing, http::BodyFraming::content_length) << "declared zero stays declared";

  EXPECT_EQ(kind_of(with(get(), {{"content-length", "5"}}), /*end_stream=*/true), kMalformed)
      << "a declared body that END_STREAM on the head says is not there";
}

TEST(H2RequestHead, HostComesFromAuthorityOrHostAndMustAgree) {
  Built host_only;
  build(host_only, {{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {"host", "h.test"}});
  ASSERT_EQ(host_only.outcome.kind, kRequest);
  EXPECT_EQ(host_only.head.host, "h.test");

  EXPECT_EQ(kind_of(with(get(), {{"host", "API.example.test"}})), kRequest) << "case differs only";
  EXPECT_EQ(kind_of(with(get(), {{"host", "other.test"}})), kMalformed);
  EXPECT_EQ(kind_of({{":method", "GET"}, {":scheme", "http"}, {":path", "/"}}), kMalformed)
      << "neither :authority nor host";
  EXPECT_EQ(kind_of(with(get(), {{"host", "a.test"}, {"host", "a.test"}})), kMalformed);
  EXPECT_EQ(
      kind_of(
          {{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {":authority", "user@h.test"}}),
      kMalformed)
      << "userinfo";
  EXPECT_EQ(kind_of({{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {":authority", ""}}),
            kMalformed);
}

TEST(H2RequestHead, ConnectionSpecificFieldsAreMalformed) {
  for (const char* name :
       {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"}) {
    EXPECT_EQ(kind_of(with(get(), {{name, "x"}})), kMalformed) << name;
  }
  EXPECT_EQ(kind_of(with(get(), {{"transfer-encoding", "chunked"}}), false), kMalformed);
  EXPECT_EQ(kind_of(with(get(), {{"te", "trailers"}})), kRequest);
  EXPECT_EQ(kind_of(with(get(), {{"te", "gzip"}})), kMalformed);
  EXPECT_EQ(kind_of(with(get(), {{"te", "trailers, gzip"}})), kMalformed);
}

TEST(H2RequestHead, NamesMustBeLowerCaseTokens) {
  EXPECT_EQ(kind_of(with(get(), {{"X-Upper", "1"}})), kMalformed);
  EXPECT_EQ(kind_of(with(get(), {{"bad name", "1"}})), kMalformed);
  EXPECT_EQ(kind_of(with(get(), {{"bad:name", "1"}})), kMalformed);
  EXPECT_EQ(kind_of(with(get(), {{"", "1"}})), kMalformed);
  EXPECT_EQ(kind_of(with(get(), {{"x-ok_name.1~", "1"}})), kRequest);
}

TEST(H2RequestHead, CrLfNulAndControlsInAnyValueAreMalformed) {
  for (const std::string& bad : {std::string("a\rb"), std::string("a\nb"), std::string("a\0b", 3),
                                 std::string("a\x01"
                                             "b"),
                                 std::string("a\x7f")}) {
    EXPECT_EQ(kind_of(with(get(), {{"x-v", bad}})), kMalformed);
    EXPECT_EQ(
        kind_of(
            {{":method", "GET"}, {":scheme", "http"}, {":path", "/" + bad}, {":authority", "h"}}),
        kMalformed);
    EXPECT_EQ(
        kind_of({{":method", "G" + bad}, {":scheme", "http"}, {":path", "/"}, {":authority", "h"}}),
        kMalformed);
    EXPECT_EQ(
        kind_of(
            {{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {":authority", "h" + bad}}),
        kMalformed);
  }
  EXPECT_EQ(kind_of(with(get(), {{"x-v", " padded"}})), kMalformed);
  EXPECT_EQ(kind_of(with(get(), {{"x-v", "padded\t"}})), kMalformed);
  EXPECT_EQ(kind_of(with(get(), {{"x-v", "inner\tspace ok"}})), kRequest);
  EXPECT_EQ(kind_of(with(get(), {{"x-v", "caf\xc3\xa9"}})), kRequest) << "obs-text, as HTTP/1";
}

TEST(H2RequestHead, PseudoHeaderFieldsFollowTheRules) {
  EXPECT_EQ(kind_of({{":scheme", "https"}, {":path", "/"}, {":authority", "h"}}), kMalformed)
      << "no :method";
  EXPECT_EQ(kind_of({{":method", "GET"}, {":path", "/"}, {":authority", "h"}}), kMalformed)
      << "no :scheme";
  EXPECT_EQ(kind_of({{":method", "GET"}, {":scheme", "https"}, {":authority", "h"}}), kMalformed)
      << "no :path";
  EXPECT_EQ(kind_of(with(get(), {{":method", "POST"}})), kMalformed) << "repeated";
  EXPECT_EQ(kind_of({{":method", "GET"},
                     {":method", "GET"},
                     {":scheme", "https"},
                     {":path", "/"},
                     {":authority", "h"}}),
            kMalformed)
      << "repeated";
  EXPECT_EQ(kind_of({{":method", "GET"},
                     {"accept", "*/*"},
                     {":scheme", "https"},
                     {":path", "/"},
                     {":authority", "h"}}),
            kMalformed)
      << "pseudo-header after a regular field";
  EXPECT_EQ(kind_of(with(get(), {})), kRequest);
  Fields unknown = get();
  unknown.insert(unknown.begin(), {":protocol", "websocket"});
  EXPECT_EQ(kind_of(unknown), kMalformed) << "no extended CONNECT";
  unknown[0] = {":status", "200"};
  EXPECT_EQ(kind_of(unknown), kMalformed);
  EXPECT_EQ(kind_of({{":method", "GET"}, {":scheme", "https"}, {":path", ""}, {":authority", "h"}}),
            kMalformed);
  EXPECT_EQ(kind_of(get("relative")), kMalformed) << "not origin-form";
  EXPECT_EQ(kind_of(get("http://other.test/")), kMalformed) << "no absolute-form in :path";
  EXPECT_EQ(kind_of(get("/a b")), kMalformed);
  EXPECT_EQ(kind_of(get("/a#frag")), kMalformed);
  EXPECT_EQ(kind_of(get("*")), kMalformed) << "'*' is only for OPTIONS";
  Built options;
  build(options,
        {{":method", "OPTIONS"}, {":scheme", "https"}, {":path", "*"}, {":authority", "h"}});
  ASSERT_EQ(options.outcome.kind, kRequest);
  EXPECT_EQ(options.head.path, "*");
}

TEST(H2RequestHead, ContentLengthIsOneNumber) {
  EXPECT_EQ(kind_of(with(get(), {{"content-length", "5"}, {"content-length", "5"}}), false),
            kMalformed);
  EXPECT_EQ(kind_of(with(get(), {{"content-length", "5, 5"}}), false), kMalformed);
  EXPECT_EQ(kind_of(with(get(), {{"content-length", "+5"}}), false), kMalformed);
  EXPECT_EQ(kind_of(with(get(), {{"content-length", "0x5"}}), false), kMalformed);
  EXPECT_EQ(kind_of(with(get(), {{"content-length", ""}}), false), kMalformed);
  EXPECT_EQ(kind_of(with(get(), {{"content-length", "99999999999999999999"}}), false), kMalformed);
  EXPECT_EQ(kind_of(with(get(), {{"content-length", "1234567890123456789"}}), false), kRequest);
}

TEST(H2RequestHead, GatewayRefusalsAreAnsweredNotReset) {
  Built connect;
  build(connect, {{":method", "CONNECT"}, {":authority", "h.test:443"}});
  EXPECT_EQ(connect.outcome.kind, kRefused);
  EXPECT_EQ(connect.outcome.error.status, 501);
  EXPECT_EQ(kind_of({{":method", "CONNECT"},
                     {":scheme", "https"},
                     {":path", "/"},
                     {":authority", "h.test:443"}}),
            kMalformed);

  Built scheme;
  build(scheme, {{":method", "GET"}, {":scheme", "ftp"}, {":path", "/"}, {":authority", "h"}});
  EXPECT_EQ(scheme.outcome.kind, kRefused);
  EXPECT_EQ(scheme.outcome.error.status, 400);

  http::HeadLimits limits;
  limits.max_uri_bytes = 16;
  Built long_path;
  build(long_path, get("/0123456789abcdefg"), true, limits);
  EXPECT_EQ(long_path.outcome.kind, kRefused);
  EXPECT_EQ(long_path.outcome.error.status, 414);
}

TEST(H2RequestHead, OverALimitIs431AndTwiceOverIsAbusive) {
  http::HeadLimits limits;
  limits.max_header_count = 4;
  limits.max_header_bytes = 1024;
  Fields fields = get();
  for (int i = 0; i < 5; ++i) fields.emplace_back("x-" + std::to_string(i), "v");
  Built counted;
  build(counted, fields, true, limits);
  EXPECT_EQ(counted.outcome.kind, kRefused);
  EXPECT_EQ(counted.outcome.error.status, 431);
  EXPECT_EQ(counted.worst, FieldVerdict::ok) << "over the limit, not twice over";

  for (int i = 5; i < 9; ++i) fields.emplace_back("x-" + std::to_string(i), "v");
  Built bomb;
  build(bomb, fields, true, limits);
  EXPECT_EQ(bomb.worst, FieldVerdict::abusive);

  Built bytes;
  build(bytes, with(get(), {{"x-big", std::string(1000, 'a')}}), true, limits);
  EXPECT_EQ(bytes.outcome.kind, kRefused);
  EXPECT_EQ(bytes.outcome.error.status, 431);
  Built byte_bomb;
  build(byte_bomb, with(get(), {{"x-big", std::string(3000, 'a')}}), true, limits);
  EXPECT_EQ(byte_bomb.worst, FieldVerdict::abusive);
  EXPECT_LT(byte_bomb.arena.bytes_held(), 2048u) << "nothing past the limit is stored";
}

TEST(H2RequestHead, MalformedWinsOverTooLarge) {
  http::HeadLimits limits;
  limits.max_header_count = 2;
  Built built;
  build(built, with(get(), {{"a", "1"}, {"b", "2"}, {"c", "3"}, {"connection", "close"}}), true,
        limits);
  EXPECT_EQ(built.outcome.kind, kMalformed);
}

TEST(H2RequestHead, CookieCrumbsAreJoinedForHttp1) {
  Built built;
  build(built,
        with(get(), {{"cookie", "a=1"}, {"accept", "*/*"}, {"cookie", "b=2"}, {"cookie", "c=3"}}));
  ASSERT_EQ(built.outcome.kind, kRequest);
  ASSERT_EQ(built.head.headers.size(), 2u);
  EXPECT_EQ(built.head.headers[0].name, "cookie");
  EXPECT_EQ(built.head.headers[0].value, "a=1; b=2; c=3");
  EXPECT_EQ(built.head.headers[0].field, http::Field::cookie);
  EXPECT_EQ(built.head.headers[1].name, "accept");
  EXPECT_EQ(http::find_cookie(built.head.headers, "b"), "2");
}

TEST(H2RequestHead, EmptyCookieCrumbsLeaveNoSeparatorBehind) {
  Built built;
  build(
      built,
      with(get(),
           {{"cookie", ""}, {"cookie", "a=1"}, {"cookie", ""}, {"cookie", "b=2"}, {"cookie", ""}}));
  ASSERT_EQ(built.outcome.kind, kRequest);
  ASSERT_EQ(built.head.headers.size(), 1u);
  EXPECT_EQ(built.head.headers[0].value, "a=1; b=2");
}

TEST(H2RequestHead, ViewsStayValidWhileTheArenaGrows) {
  Built built;
  Fields fields = get();
  for (int i = 0; i < 90; ++i) fields.emplace_back("x-" + std::to_string(i), std::string(100, 'v'));
  build(built, fields);
  ASSERT_EQ(built.outcome.kind, kRequest);
  EXPECT_EQ(built.head.method_text, "GET") << "copied first, still there after many blocks";
  EXPECT_EQ(built.head.host, "api.example.test");
  EXPECT_EQ(built.head.headers[0].name, "x-0");
  EXPECT_EQ(built.head.headers[89].value, std::string(100, 'v'));
}

TEST(H2RequestHead, EmptyValuesAreNotNullViews) {
  // The head writer copies values with memcpy, which must not see a null pointer.
  Built built;
  build(built, with(get(), {{"x-empty", ""}}));
  ASSERT_EQ(built.outcome.kind, kRequest);
  ASSERT_EQ(built.head.headers.size(), 1u);
  EXPECT_NE(built.head.headers[0].value.data(), nullptr);
}

TEST(H2RequestHead, ExpectContinueIsRead) {
  Built built;
  build(built, with(get(), {{"expect", "100-continue"}, {"content-length", "3"}}), false);
  ASSERT_EQ(built.outcome.kind, kRequest);
  EXPECT_TRUE(built.head.expect_continue);
}

TEST(H2RequestHead, TrailersRefuseWhatFramesOrRoutes) {
  HeaderArena arena;
  http::RequestHead head;
  std::vector<http::Header> trailers;
  RequestHeadBuilder builder;
  builder.start({}, arena, head);
  for (const auto& [name, value] : get()) ASSERT_EQ(builder.add(name, value), FieldVerdict::ok);
  ASSERT_EQ(builder.finish(false).kind, kRequest);
  builder.start_trailers(trailers);
  EXPECT_EQ(builder.add_trailer("grpc-status", "0"), FieldVerdict::ok);
  EXPECT_TRUE(builder.trailers_ok());
  ASSERT_EQ(trailers.size(), 1u);
  EXPECT_EQ(trailers[0].value, "0");
  EXPECT_EQ(head.method_text, "GET") << "the head is untouched";
  for (const char* name : {":path", "content-length", "host", "te", "connection"}) {
    builder.start_trailers(trailers);
    EXPECT_EQ(builder.add_trailer(name, "1"), FieldVerdict::malformed) << name;
    EXPECT_FALSE(builder.trailers_ok());
  }
}

}  // namespace
}  // namespace apigw::h2
