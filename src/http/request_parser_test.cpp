#include <gtest/gtest.h>

#include <string>

#include "http/parser.h"

namespace apigw::http {
namespace {

ParseResult parse(std::string_view raw, RequestHead& head, const HeadLimits& limits = {}) {
  return parse_request_head(raw, limits, head);
}

constexpr std::string_view kSimple =
    "GET /users/7?verbose=1 HTTP/1.1\r\n"
    "Host: api.example.com\r\n"
    "Accept:  \t text/plain \t\r\n"
    "X-Empty:\r\n"
    "\r\n";

TEST(RequestParser, ParsesSimpleGet) {
  RequestHead head;
  const ParseResult result = parse(kSimple, head);
  ASSERT_EQ(result.status, ParseStatus::complete);
  EXPECT_EQ(head.method, Method::get);
  EXPECT_EQ(head.method_text, "GET");
  EXPECT_EQ(head.target, "/users/7?verbose=1");
  EXPECT_EQ(head.path, "/users/7");
  EXPECT_TRUE(head.has_query);
  EXPECT_EQ(head.query, "verbose=1");
  EXPECT_EQ(head.version_minor, 1);
  EXPECT_EQ(head.host, "api.example.com");
  ASSERT_EQ(head.headers.size(), 3u);
  EXPECT_EQ(head.headers[1].name, "Accept");
  EXPECT_EQ(head.headers[1].value, "text/plain");  // OWS trimmed on both sides
  EXPECT_EQ(head.headers[2].value, "");
  EXPECT_EQ(head.framing, BodyFraming::none);
  EXPECT_TRUE(head.keep_alive);
  EXPECT_FALSE(head.expect_continue);
  EXPECT_EQ(head.head_bytes, kSimple.size());
}

TEST(RequestParser, IsIncompleteUntilTheFinalCrlf) {
  RequestHead head;
  for (std::size_t length = 0; length < kSimple.size(); ++length) {
    EXPECT_EQ(parse(kSimple.substr(0, length), head).status, ParseStatus::incomplete) << length;
  }
  EXPECT_EQ(parse(kSimple, head).status, ParseStatus::complete);
}

TEST(RequestParser, DoesNotConsumePipelinedBytes) {
  const std::string first = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n";
  const std::string buffer = first + "hello" + "GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
  RequestHead head;
  ASSERT_EQ(parse(buffer, head).status, ParseStatus::complete);
  EXPECT_EQ(head.head_bytes, first.size());
  EXPECT_EQ(head.framing, BodyFraming::content_length);
  EXPECT_EQ(head.content_length, 5u);
  ASSERT_EQ(parse(std::string_view(buffer).substr(first.size() + 5), head).status,
            ParseStatus::complete);
  EXPECT_EQ(head.path, "/b");
}

TEST(RequestParser, SkipsLeadingEmptyLinesAndCountsThem) {
  RequestHead head;
  const std::string raw = "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";
  ASSERT_EQ(parse(raw, head).status, ParseStatus::complete);
  EXPECT_EQ(head.head_bytes, raw.size());
  EXPECT_EQ(parse("\r\n\r", head).status, ParseStatus::incomplete);
  EXPECT_EQ(parse("\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", head).status,
            ParseStatus::error);
}

TEST(RequestParser, ReusesHeaderStorageAcrossRequests) {
  RequestHead head;
  ASSERT_EQ(parse(kSimple, head).status, ParseStatus::complete);
  const Header* storage = head.headers.data();
  const std::size_t capacity = head.headers.capacity();
  ASSERT_EQ(parse(kSimple, head).status, ParseStatus::complete);
  EXPECT_EQ(head.headers.data(), storage);
  EXPECT_EQ(head.headers.capacity(), capacity);
}

TEST(RequestParser, QueryPresenceIsDistinctFromEmptyQuery) {
  RequestHead head;
  ASSERT_EQ(parse("GET /a? HTTP/1.1\r\nHost: h\r\n\r\n", head).status, ParseStatus::complete);
  EXPECT_TRUE(head.has_query);
  EXPECT_EQ(head.query, "");
  ASSERT_EQ(parse("GET /a HTTP/1.1\r\nHost: h\r\n\r\n", head).status, ParseStatus::complete);
  EXPECT_FALSE(head.has_query);
}

TEST(RequestParser, AbsoluteFormTakesPathQueryAndHostFromTarget) {
  RequestHead head;
  ASSERT_EQ(
      parse("GET http://example.com:8080/a/b?x=1 HTTP/1.1\r\nHost: other\r\n\r\n", head).status,
      ParseStatus::complete);
  EXPECT_EQ(head.path, "/a/b");
  EXPECT_EQ(head.query, "x=1");
  EXPECT_EQ(head.host, "example.com:8080");
  ASSERT_EQ(parse("GET HTTPS://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n", head).status,
            ParseStatus::complete);
  EXPECT_EQ(head.path, "/");
  EXPECT_EQ(parse("GET http://example.com/ HTTP/1.1\r\n\r\n", head).status, ParseStatus::error);
}

TEST(RequestParser, AcceptsSpecialTargetFormsOnlyForTheirMethods) {
  RequestHead head;
  ASSERT_EQ(parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", head).status, ParseStatus::complete);
  EXPECT_EQ(head.method, Method::options);
  EXPECT_EQ(head.path, "*");
  ASSERT_EQ(parse("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", head).status,
            ParseStatus::complete);
  EXPECT_EQ(head.method, Method::connect);
  EXPECT_EQ(head.target, "example.com:443");
}

TEST(RequestParser, ContentLengthForms) {
  RequestHead head;
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", head).status,
            ParseStatus::complete);
  EXPECT_EQ(head.framing, BodyFraming::content_length);  // declared 0 is kept as declared
  EXPECT_EQ(head.content_length, 0u);
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n", head).status,
            ParseStatus::complete);
  EXPECT_EQ(head.content_length, 5u);
  ASSERT_EQ(
      parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\ncontent-length: 7\r\n\r\n", head)
          .status,
      ParseStatus::complete);
  EXPECT_EQ(head.content_length, 7u);
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9223372036854775807\r\n\r\n", head)
                .status,
            ParseStatus::complete);
  EXPECT_EQ(head.content_length, 9223372036854775807u);
}

TEST(RequestParser, ChunkedIsCaseInsensitive) {
  RequestHead head;
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n", head).status,
            ParseStatus::complete);
  EXPECT_EQ(head.framing, BodyFraming::chunked);
}

TEST(RequestParser, KeepAliveFollowsVersionAndConnection) {
  struct Case {
    std::string_view raw;
    bool keep_alive;
  };
  const Case cases[] = {
      {"GET / HTTP/1.1\r\nHost: h\r\n\r\n", true},
      {"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", false},
      {"GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Close\r\n\r\n", false},
      {"GET / HTTP/1.0\r\n\r\n", false},
      {"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true},
      {"GET / HTTP/1.0\r\nConnection: upgrade\r\nConnection: keep-alive\r\n\r\n", true},
  };
  for (const Case& c : cases) {
    RequestHead head;
    ASSERT_EQ(parse(c.raw, head).status, ParseStatus::complete) << c.raw;
    EXPECT_EQ(head.keep_alive, c.keep_alive) << c.raw;
  }
}

TEST(RequestParser, ExpectContinueOnlyForHttp11) {
  RequestHead head;
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\n\r\n", head).status,
            ParseStatus::complete);
  EXPECT_TRUE(head.expect_continue);
  ASSERT_EQ(parse("POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n", head).status,
            ParseStatus::complete);
  EXPECT_FALSE(head.expect_continue);
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\nExpect: something\r\n\r\n", head).status,
            ParseStatus::complete);
  EXPECT_FALSE(head.expect_continue);
}

TEST(RequestParser, HostRules) {
  RequestHead head;
  ASSERT_EQ(parse("GET / HTTP/1.0\r\n\r\n", head).status, ParseStatus::complete);
  EXPECT_EQ(head.host, "");
  ASSERT_EQ(parse("GET / HTTP/1.1\r\nHost:\r\n\r\n", head).status, ParseStatus::complete);
  ASSERT_EQ(parse("GET / HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n", head).status,
            ParseStatus::complete);
  EXPECT_EQ(head.host, "[::1]:8443");
}

TEST(RequestParser, AcceptsObsTextInValues) {
  RequestHead head;
  ASSERT_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf\xc3\xa9\r\n\r\n", head).status,
            ParseStatus::complete);
  EXPECT_EQ(head.headers[1].value, "caf\xc3\xa9");
}

// Values are scanned a word at a time; a forbidden byte must be found at every offset, and HTAB
// and obs-text must pass at every offset.
TEST(RequestParser, FindsForbiddenValueBytesAtAnyOffset) {
  RequestHead head;
  for (std::size_t offset = 0; offset < 20; ++offset) {
    const std::string prefix(offset, 'a');
    for (const char bad : {'\x00', '\x01', '\x1f', '\x7f', '\r', '\n'}) {
      const std::string raw =
          "GET / HTTP/1.1\r\nHost: h\r\nX: " + prefix + bad + "bbbbbbbbbbbb\r\n\r\n";
      EXPECT_EQ(parse(raw, head).status, ParseStatus::error) << offset << " " << int{bad};
    }
    const std::string value = "v" + prefix + "\t\x80\xff~ b";
    const std::string raw = "GET / HTTP/1.1\r\nHost: h\r\nX: " + value + "\t \r\n\r\n";
    ASSERT_EQ(parse(raw, head).status, ParseStatus::complete) << offset;
    EXPECT_EQ(head.headers[1].value, value);
  }
}

TEST(RequestParser, ParsesMethods) {
  RequestHead head;
  ASSERT_EQ(parse("PURGE / HTTP/1.1\r\nHost: h\r\n\r\n", head).status, ParseStatus::complete);
  EXPECT_EQ(head.method, Method::other);
  EXPECT_EQ(head.method_text, "PURGE");
  ASSERT_EQ(parse("DELETE / HTTP/1.1\r\nHost: h\r\n\r\n", head).status, ParseStatus::complete);
  EXPECT_EQ(head.method, Method::del);
}

// Limits.

TEST(RequestParserLimits, TargetAtTheLimitIsAccepted) {
  HeadLimits limits;
  limits.max_uri_bytes = 10;
  RequestHead head;
  EXPECT_EQ(parse("GET /123456789 HTTP/1.1\r\nHost: h\r\n\r\n", head, limits).status,
            ParseStatus::complete);
  const ParseResult result = parse("GET /1234567890 HTTP/1.1\r\nHost: h\r\n\r\n", head, limits);
  EXPECT_EQ(result.status, ParseStatus::error);
  EXPECT_EQ(result.error.status, 414);
  EXPECT_EQ(result.error.code, "uri_too_long");
}

TEST(RequestParserLimits, LongTargetIsRefusedBeforeTheHeadEnds) {
  HeadLimits limits;
  limits.max_uri_bytes = 10;
  RequestHead head;
  EXPECT_EQ(parse("GET /123456789", head, limits).status, ParseStatus::incomplete);
  const ParseResult partial = parse("GET /1234567890", head, limits);
  EXPECT_EQ(partial.status, ParseStatus::error);
  EXPECT_EQ(partial.error.status, 414);
  const ParseResult line_done = parse("GET /1234567890 HTTP/1.1\r\nHost", head, limits);
  EXPECT_EQ(line_done.error.status, 414);
}

TEST(RequestParserLimits, HeadBytes) {
  const std::string raw =
      "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: " + std::string(100, 'p') + "\r\n\r\n";
  HeadLimits limits;
  limits.max_header_bytes = raw.size();
  RequestHead head;
  EXPECT_EQ(parse(raw, head, limits).status, ParseStatus::complete);
  limits.max_header_bytes = raw.size() - 1;
  const ParseResult result = parse(raw, head, limits);
  EXPECT_EQ(result.status, ParseStatus::error);
  EXPECT_EQ(result.error.status, 431);
  EXPECT_EQ(result.error.code, "request_header_fields_too_large");
  // Without the terminator: refused as soon as the limit is reached, incomplete before.
  const std::string endless = "GET / HTTP/1.1\r\nX-Pad: " + std::string(200, 'p');
  limits.max_header_bytes = 100;
  EXPECT_EQ(parse(std::string_view(endless).substr(0, 99), head, limits).status,
            ParseStatus::incomplete);
  EXPECT_EQ(parse(endless, head, limits).error.status, 431);
}

TEST(RequestParserLimits, HeaderCount) {
  HeadLimits limits;
  limits.max_header_count = 3;
  RequestHead head;
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n", head, limits).status,
            ParseStatus::complete);
  const ParseResult result =
      parse("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n", head, limits);
  EXPECT_EQ(result.status, ParseStatus::error);  // even before the head ends
  EXPECT_EQ(result.error.status, 431);
}

// Everything two implementations could read differently is refused.

struct Rejection {
  const char* name;
  std::string raw;
  int status;
};

void PrintTo(const Rejection& rejection, std::ostream* os) { *os << rejection.name; }

class RequestRejection : public testing::TestWithParam<Rejection> {};

TEST_P(RequestRejection, IsRefusedWithStatus) {
  RequestHead head;
  const ParseResult result = parse(GetParam().raw, head);
  ASSERT_EQ(result.status, ParseStatus::error);
  EXPECT_EQ(result.error.status, GetParam().status);
  EXPECT_FALSE(result.error.message.empty());
}

std::string post_with(std::string_view fields) {
  return "POST / HTTP/1.1\r\nHost: h\r\n" + std::string(fields) + "\r\n";
}

const Rejection kRejections[] = {
    // Framing.
    {"ClAndTe", post_with("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"), 400},
    {"TeAndCl", post_with("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"), 400},
    {"TeChunkedTwiceInList", post_with("Transfer-Encoding: chunked, chunked\r\n"), 400},
    {"TeGzipChunked", post_with("Transfer-Encoding: gzip, chunked\r\n"), 400},
    {"TeIdentity", post_with("Transfer-Encoding: identity\r\n"), 400},
    {"TeWithParameter", post_with("Transfer-Encoding: chunked;x\r\n"), 400},
    {"TeEmpty", post_with("Transfer-Encoding:\r\n"), 400},
    {"TeInTwoFields", post_with("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"),
     400},
    {"TeInHttp10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
    {"ClDiffering", post_with("Content-Length: 5\r\nContent-Length: 6\r\n"), 400},
    {"ClDifferingList", post_with("Content-Length: 5, 6\r\n"), 400},
    {"ClEmptyListElement", post_with("Content-Length: 5,,5\r\n"), 400},
    {"ClPlusSign", post_with("Content-Length: +5\r\n"), 400},
    {"ClMinusSign", post_with("Content-Length: -5\r\n"), 400},
    {"ClInnerSpace", post_with("Content-Length: 5 5\r\n"), 400},
    {"ClHex", post_with("Content-Length: 0x5\r\n"), 400},
    {"ClTrailingLetter", post_with("Content-Length: 5a\r\n"), 400},
    {"ClEmpty", post_with("Content-Length:\r\n"), 400},
    {"ClOver63Bits", post_with("Content-Length: 9223372036854775808\r\n"), 400},
    {"ClHuge", post_with("Content-Length: 99999999999999999999999\r\n"), 400},
    // Field lines.
    {"ObsFold", post_with("X-A: a\r\n b\r\n"), 400},
    {"ObsFoldWithTab", post_with("X-A: a\r\n\tb\r\n"), 400},
    {"SpaceBeforeColon", post_with("Content-Length : 5\r\n"), 400},
    {"TabBeforeColon", post_with("X-A\t: 5\r\n"), 400},
    {"EmptyName", post_with(": a\r\n"), 400},
    {"NoColon", post_with("X-A a\r\n"), 400},
    {"NonTokenName", post_with("X(A): a\r\n"), 400},
    {"NonAsciiName", post_with("X-\xc3\xa9: a\r\n"), 400},
    {"NulInValue", post_with(std::string("X-A: a\0b\r\n", 10)), 400},
    {"CrInValue", post_with("X-A: a\rb\r\n"), 400},
    {"CtlInValue", post_with("X-A: a\x01q\r\n"), 400},
    {"DelInValue", post_with("X-A: a\x7fq\r\n"), 400},
    {"BareLfAfterRequestLine", "GET / HTTP/1.1\nHost: h\r\n\r\n", 400},
    {"BareLfAfterField", "GET / HTTP/1.1\r\nHost: h\n\r\n", 400},
    {"BareLfAsEmptyLine", "GET / HTTP/1.1\r\nHost: h\r\n\n", 400},
    {"LeadingBareLf", "\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
    // Request line.
    {"NonTokenMethod", "G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
    {"DoubleSpace", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
    {"TabSeparator", "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", 400},
    {"TrailingSpace", "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400},
    {"NoVersion", "GET /\r\nHost: h\r\n\r\n", 400},
    {"LowercaseVersion", "GET / http/1.1\r\nHost: h\r\n\r\n", 400},
    {"LongVersion", "GET / HTTP/1.10\r\nHost: h\r\n\r\n", 400},
    {"SpaceInTarget", "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400},
    {"CtlInTarget", "GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n", 400},
    {"DelInTarget", "GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n", 400},
    {"NonAsciiTarget", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n", 400},
    {"FragmentInTarget", "GET /admin#/public HTTP/1.1\r\nHost: h\r\n\r\n", 400},
    {"AsteriskForGet", "GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400},
    {"AuthorityFormForGet", "GET example.com:80 HTTP/1.1\r\nHost: h\r\n\r\n", 400},
    {"OriginFormForConnect", "CONNECT / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
    {"ConnectWithoutPort", "CONNECT example.com HTTP/1.1\r\nHost: h\r\n\r\n", 400},
    {"UnknownScheme", "GET ftp://example.com/ HTTP/1.1\r\nHost: h\r\n\r\n", 400},
    {"EmptyAuthority", "GET http:///a HTTP/1.1\r\nHost: h\r\n\r\n", 400},
    {"UserinfoInAuthority", "GET http://u@example.com/ HTTP/1.1\r\nHost: h\r\n\r\n", 400},
    // Host.
    {"MissingHost", "GET / HTTP/1.1\r\n\r\n", 400},
    {"TwoHosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400},
    {"HostWithSpace", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
    {"HostWithSlash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400},
    {"HostWithUserinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400},
    {"HostWithBadPort", "GET / HTTP/1.1\r\nHost: a:8o\r\n\r\n", 400},
    {"HostWithComma", "GET / HTTP/1.1\r\nHost: a,b\r\n\r\n", 400},
    // Versions.
    {"Http20", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505},
    {"Http12", "GET / HTTP/1.2\r\nHost: h\r\n\r\n", 505},
    {"Http09", "GET / HTTP/0.9\r\nHost: h\r\n\r\n", 505},
};

INSTANTIATE_TEST_SUITE_P(Smuggling, RequestRejection, testing::ValuesIn(kRejections),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(RequestParser, ErrorCodesNameTheStatus) {
  RequestHead head;
  EXPECT_EQ(
      parse(post_with("Content-Length: 1\r\nTransfer-Encoding: chunked\r\n"), head).error.code,
      "invalid_framing");
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\nHost: g\r\n\r\n", head).error.code, "bad_request");
  EXPECT_EQ(parse("GET / HTTP/2.0\r\nHost: h\r\n\r\n", head).error.code,
            "http_version_not_supported");
}

}  // namespace
}  // namespace apigw::http
