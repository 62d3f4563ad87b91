#include "http/message.h"

#include "http/parser.h"

#include <gtest/gtest.h>

namespace apigw::http {
namespace {

TEST(Iequals, IgnoresAsciiCaseOnly) {
  EXPECT_TRUE(iequals("Content-Length", "content-length"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("Host", "Hosts"));
  EXPECT_FALSE(iequals("a", "b"));
  EXPECT_FALSE(iequals("[", "{"));  // differ by 0x20 but are not letters
  EXPECT_FALSE(iequals("\xc3\xa9", "\xc3\x89"));
}

TEST(FindHeader, ReturnsTheFirstMatchCaseInsensitive) {
  const std::vector<Header> headers = {{"Accept", "a"}, {"X-Id", "1"}, {"x-id", "2"}};
  EXPECT_EQ(find_header(headers, "x-ID"), "1");
  EXPECT_EQ(find_header(headers, "missing"), "");
  EXPECT_EQ(find_header({}, "accept"), "");
}

TEST(ListContainsToken, TrimsAndIgnoresCase) {
  EXPECT_TRUE(list_contains_token("keep-alive, Close", "close"));
  EXPECT_TRUE(list_contains_token(" \tclose\t ", "close"));
  EXPECT_TRUE(list_contains_token("a,,close", "close"));
  EXPECT_FALSE(list_contains_token("closed, enclose", "close"));
  EXPECT_FALSE(list_contains_token("", "close"));
  EXPECT_FALSE(list_contains_token("clo se", "close"));
}

TEST(IsHopByHop, KnowsTheStandardFields) {
  for (const char* name :
       {"Connection", "keep-alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding",
        "Upgrade", "Proxy-Authenticate", "Proxy-Authorization"}) {
    EXPECT_TRUE(is_hop_by_hop(name, "")) << name;
  }
  for (const char* name : {"Content-Length", "Content-Type", "Host", "Authorization", "Te-X"}) {
    EXPECT_FALSE(is_hop_by_hop(name, "")) << name;
  }
}

TEST(IsHopByHop, HonoursConnectionTokens) {
  EXPECT_TRUE(is_hop_by_hop("X-Session", "close, x-session"));
  EXPECT_FALSE(is_hop_by_hop("X-Session", "close, x-sessions"));
}

TEST(ParseMethod, IsCaseSensitive) {
  EXPECT_EQ(parse_method("GET"), Method::get);
  EXPECT_EQ(parse_method("HEAD"), Method::head);
  EXPECT_EQ(parse_method("POST"), Method::post);
  EXPECT_EQ(parse_method("PUT"), Method::put);
  EXPECT_EQ(parse_method("DELETE"), Method::del);
  EXPECT_EQ(parse_method("CONNECT"), Method::connect);
  EXPECT_EQ(parse_method("OPTIONS"), Method::options);
  EXPECT_EQ(parse_method("TRACE"), Method::trace);
  EXPECT_EQ(parse_method("PATCH"), Method::patch);
  EXPECT_EQ(parse_method("get"), Method::other);
  EXPECT_EQ(parse_method("PROPFIND"), Method::other);
  EXPECT_EQ(parse_method(""), Method::other);
}

TEST(Clear, ResetsFieldsButKeepsHeaderCapacity) {
  RequestHead request;
  request.headers.resize(10);
  const std::size_t capacity = request.headers.capacity();
  request.method = Method::post;
  request.framing = BodyFraming::chunked;
  request.keep_alive = false;
  request.expect_continue = true;
  request.has_query = true;
  request.version_minor = 0;
  request.host = "h";
  request.head_bytes = 10;
  request.clear();
  EXPECT_TRUE(request.headers.empty());
  EXPECT_EQ(request.headers.capacity(), capacity);
  EXPECT_EQ(request.method, Method::other);
  EXPECT_EQ(request.framing, BodyFraming::none);
  EXPECT_TRUE(request.keep_alive);
  EXPECT_FALSE(request.expect_continue);
  EXPECT_FALSE(request.has_query);
  EXPECT_EQ(request.version_minor, 1);
  EXPECT_EQ(request.host, "");
  EXPECT_EQ(request.head_bytes, 0u);

  ResponseHead response;
  response.headers.resize(4);
  response.status = 500;
  response.framing = BodyFraming::until_close;
  response.content_length = 3;
  response.clear();
  EXPECT_TRUE(response.headers.empty());
  EXPECT_GE(response.headers.capacity(), 4u);
  EXPECT_EQ(response.status, 0);
  EXPECT_EQ(response.framing, BodyFraming::none);
  EXPECT_EQ(response.content_length, 0u);
}

TEST(RequestHeadRebase, ViewsFollowTheCopiedBytes) {
  std::string buffer = "POST /a/b?x=1 HTTP/1.1\r\nHost: h.example\r\nX-Id: 42\r\n\r\nbody";
  RequestHead head;
  ASSERT_EQ(parse_request_head(buffer, HeadLimits{}, head).status, ParseStatus::complete);
  const std::string copy = buffer.substr(0, head.head_bytes);
  head.rebase(buffer.data(), head.head_bytes, copy.data());
  std::fill(buffer.begin(), buffer.end(), '#');  // the original bytes are reused for the body
  EXPECT_EQ(head.method_text, "POST");
  EXPECT_EQ(head.target, "/a/b?x=1");
  EXPECT_EQ(head.path, "/a/b");
  EXPECT_EQ(head.query, "x=1");
  EXPECT_EQ(head.host, "h.example");
  EXPECT_EQ(find_header(head.headers, "x-id"), "42");
  for (const Header& header : head.headers) {
    EXPECT_GE(header.name.data(), copy.data());
    EXPECT_LT(header.value.data(), copy.data() + copy.size());
  }
}

TEST(FindCookie, FindsANamedCookieAcrossHeaders) {
  const std::vector<Header> headers{{"Cookie", "theme=dark; session=abc"},
                                    {"cookie", " other=1;last=\"q\" "}};
  EXPECT_EQ(find_cookie(headers, "session"), "abc");
  EXPECT_EQ(find_cookie(headers, "last"), "\"q\"");
  EXPECT_EQ(find_cookie(headers, "Session"), "") << "cookie names are case-sensitive";
  EXPECT_EQ(find_cookie(headers, "missing"), "");
}

}  // namespace
}  // namespace apigw::http
