#include <gtest/gtest.h>

#include <string>

#include "http/parser.h"

namespace apigw::http {
namespace {

ParseResult parse(std::string_view raw, ResponseHead& head, Method method = Method::get,
                  const HeadLimits& limits = {}) {
  return parse_response_head(raw, limits, method, head);
}

constexpr std::string_view kOk =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 5\r\n"
    "\r\n";

TEST(ResponseParser, ParsesContentLengthResponse) {
  ResponseHead head;
  ASSERT_EQ(parse(kOk, head).status, ParseStatus::complete);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.reason, "OK");
  EXPECT_EQ(head.version_minor, 1);
  ASSERT_EQ(head.headers.size(), 2u);
  EXPECT_EQ(head.headers[0].value, "text/plain");
  EXPECT_EQ(head.framing, BodyFraming::content_length);
  EXPECT_EQ(head.content_length, 5u);
  EXPECT_TRUE(head.keep_alive);
  EXPECT_EQ(head.head_bytes, kOk.size());
}

TEST(ResponseParser, IsIncompleteUntilTheFinalCrlf) {
  ResponseHead head;
  for (std::size_t length = 0; length < kOk.size(); ++length) {
    EXPECT_EQ(parse(kOk.substr(0, length), head).status, ParseStatus::incomplete) << length;
  }
}

TEST(ResponseParser, DoesNotConsumeTheBody) {
  const std::string buffer = std::string(kOk) + "helloHTTP/1.1 204 No Content\r\n\r\n";
  ResponseHead head;
  ASSERT_EQ(parse(buffer, head).status, ParseStatus::complete);
  EXPECT_EQ(head.head_bytes, kOk.size());
}

TEST(ResponseParser, ReasonMayBeEmptyOrMissing) {
  ResponseHead head;
  ASSERT_EQ(parse("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", head).status, ParseStatus::complete);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.reason, "");
  ASSERT_EQ(parse("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n", head).status,
            ParseStatus::complete);
  EXPECT_EQ(head.reason, "");
  ASSERT_EQ(parse("HTTP/1.0 503 Service Unavailable\r\n\r\n", head).status, ParseStatus::complete);
  EXPECT_EQ(head.reason, "Service Unavailable");
  EXPECT_EQ(head.version_minor, 0);
}

TEST(ResponseParser, Framing) {
  struct Case {
    std::string_view raw;
    Method method;
    BodyFraming framing;
  };
  const Case cases[] = {
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", Method::get, BodyFraming::chunked},
      {"HTTP/1.1 200 OK\r\n\r\n", Method::get, BodyFraming::until_close},
      {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", Method::head, BodyFraming::none},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", Method::head, BodyFraming::none},
      {"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", Method::get, BodyFraming::none},
      {"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", Method::get, BodyFraming::none},
      {"HTTP/1.1 100 Continue\r\n\r\n", Method::post, BodyFraming::none},
      {"HTTP/1.1 101 Switching Protocols\r\n\r\n", Method::get, BodyFraming::none},
      {"HTTP/1.1 200 Connection established\r\n\r\n", Method::connect, BodyFraming::none},
      {"HTTP/1.1 205 Reset\r\nContent-Length: 0\r\n\r\n", Method::get, BodyFraming::content_length},
  };
  for (const Case& c : cases) {
    ResponseHead head;
    ASSERT_EQ(parse(c.raw, head, c.method).status, ParseStatus::complete) << c.raw;
    EXPECT_EQ(head.framing, c.framing) << c.raw;
  }
}

TEST(ResponseParser, KeepAlive) {
  struct Case {
    std::string_view raw;
    bool keep_alive;
  };
  const Case cases[] = {
      {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true},
      {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", false},
      {"HTTP/1.1 200 OK\r\n\r\n", false},  // until close
      {"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false},
      {"HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n", true},
      {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", false},  // until close
  };
  for (const Case& c : cases) {
    ResponseHead head;
    ASSERT_EQ(parse(c.raw, head).status, ParseStatus::complete) << c.raw;
    EXPECT_EQ(head.keep_alive, c.keep_alive) << c.raw;
  }
}

TEST(ResponseParser, LimitsAreBadGateway) {
  HeadLimits limits;
  limits.max_header_count = 1;
  ResponseHead head;
  ParseResult result = parse("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n", head, Method::get, limits);
  EXPECT_EQ(result.status, ParseStatus::error);
  EXPECT_EQ(result.error.status, 502);
  limits = HeadLimits{};
  limits.max_header_bytes = 64;
  result = parse("HTTP/1.1 200 OK\r\nX-Pad: " + std::string(100, 'p'), head, Method::get, limits);
  EXPECT_EQ(result.status, ParseStatus::error);
  EXPECT_EQ(result.error.status, 502);
}

struct Rejection {
  const char* name;
  std::string raw;
  Method method = Method::get;
};

void PrintTo(const Rejection& rejection, std::ostream* os) { *os << rejection.name; }

class ResponseRejection : public testing::TestWithParam<Rejection> {};

TEST_P(ResponseRejection, IsBadGateway) {
  ResponseHead head;
  const ParseResult result = parse(GetParam().raw, head, GetParam().method);
  ASSERT_EQ(result.status, ParseStatus::error);
  EXPECT_EQ(result.error.status, 502);
  EXPECT_EQ(result.error.code, "bad_gateway");
  EXPECT_FALSE(result.error.message.empty());
}

std::string ok_with(std::string_view fields) {
  return "HTTP/1.1 200 OK\r\n" + std::string(fields) + "\r\n";
}

const Rejection kRejections[] = {
    {"ClAndTe", ok_with("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n")},
    {"ClAndTeOnHead", ok_with("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"), Method::head},
    {"TeGzipChunked", ok_with("Transfer-Encoding: gzip, chunked\r\n")},
    {"TeChunkedTwice", ok_with("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")},
    {"TeInHttp10", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"},
    {"ClDiffering", ok_with("Content-Length: 5\r\nContent-Length: 6\r\n")},
    {"ClSigned", ok_with("Content-Length: +5\r\n")},
    {"ObsFold", ok_with("X-A: a\r\n b\r\n")},
    {"SpaceBeforeColon", ok_with("X-A : a\r\n")},
    {"NulInValue", ok_with(std::string("X-A: a\0b\r\n", 10))},
    {"BareLf", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n"},
    {"BareLfInFields", "HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n"},
    {"Http20", "HTTP/2.0 200 OK\r\n\r\n"},
    {"Http12", "HTTP/1.2 200 OK\r\n\r\n"},
    {"LowercaseVersion", "http/1.1 200 OK\r\n\r\n"},
    {"TwoDigitStatus", "HTTP/1.1 20 OK\r\n\r\n"},
    {"FourDigitStatus", "HTTP/1.1 2000 OK\r\n\r\n"},
    {"StatusBelow100", "HTTP/1.1 099 Odd\r\n\r\n"},
    {"StatusAbove599", "HTTP/1.1 600 Odd\r\n\r\n"},
    {"NoSpaceAfterVersion", "HTTP/1.1\r\n\r\n"},
    {"CtlInReason", "HTTP/1.1 200 O\x01K\r\n\r\n"},
    {"LeadingEmptyLine", "\r\nHTTP/1.1 200 OK\r\n\r\n"},
};

INSTANTIATE_TEST_SUITE_P(Smuggling, ResponseRejection, testing::ValuesIn(kRejections),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace apigw::http
