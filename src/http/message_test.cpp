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

// is_hop_by_hop for a header named `name` in a message whose Connection header says `connection`.
bool hop_by_hop(std::string_view name, std::string_view connection) {
  std::vector<Header> headers{{"Connection", connection}, {name, "v"}};
  ConnectionOptions options;
  options.add(connection);
  return is_hop_by_hop(headers[1], options, headers);
}

TEST(IsHopByHop, KnowsTheStandardFields) {
  for (const char* name :
       {"Connection", "keep-alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding",
        "Upgrade", "Proxy-Authenticate", "Proxy-Authorization"}) {
    EXPECT_TRUE(hop_by_hop(name, "")) << name;
  }
  for (const char* name : {"Content-Length", "Content-Type", "Host", "Authorization", "Te-X"}) {
    EXPECT_FALSE(hop_by_hop(name, "")) << name;
  }
}

TEST(IsHopByHop, HonoursConnectionTokens) {
  EXPECT_TRUE(hop_by_hop("X-Session", "close, x-session"));
  EXPECT_FALSE(hop_by_hop("X-Session", "close, x-sessions"));
  // Known fields named by Connection are dropped too; "close" names a field called Close.
  EXPECT_TRUE(hop_by_hop("X-Forwarded-For", "X-FORWARDED-FOR"));
  EXPECT_TRUE(hop_by_hop("Content-Type", "keep-alive, content-type"));
  EXPECT_FALSE(hop_by_hop("Content-Type", "keep-alive"));
  EXPECT_TRUE(hop_by_hop("Close", "close"));
  EXPECT_FALSE(hop_by_hop("Closed", "close"));
  EXPECT_FALSE(hop_by_hop("Close", "keep-alive"));
}

TEST(IsHopByHop, ReadsEveryConnectionHeader) {
  std::vector<Header> headers{{"Connection", "close"}, {"Connection", "X-A"}, {"x-a", "1"}};
  ConnectionOptions options;
  options.add("close");
  options.add("X-A");
  EXPECT_TRUE(is_hop_by_hop(headers[2], options, headers));
}

TEST(ClassifyField, KnowsItsNamesInAnyCase) {
  EXPECT_EQ(classify_field("Host"), Field::host);
  EXPECT_EQ(classify_field("HOST"), Field::host);
  EXPECT_EQ(classify_field("content-length"), Field::content_length);
  EXPECT_EQ(classify_field("Content-Type"), Field::content_type);
  EXPECT_EQ(classify_field("Transfer-Encoding"), Field::transfer_encoding);
  EXPECT_EQ(classify_field("X-Request-ID"), Field::x_request_id);
  EXPECT_EQ(classify_field("x-forwarded-for"), Field::x_forwarded_for);
  EXPECT_EQ(classify_field("X-Forwarded-Proto"), Field::x_forwarded_proto);
  EXPECT_EQ(classify_field("X-Forwarded-Host"), Field::x_forwarded_host);
  EXPECT_EQ(classify_field("Proxy-Authorization"), Field::proxy_authorization);
  EXPECT_EQ(classify_field("Cookie"), Field::cookie);
  EXPECT_EQ(classify_field("te"), Field::te);
}

TEST(ClassifyField, IsExactAboutEveryOtherName) {
  // Other lengths, names one byte off, and bytes that setting bit 0x20 (the comparison's case
  // folding) turns into something that is still not the expected letter or '-'.
  for (const char* name :
       {"Hosts", "Hos", "Hoct", "Content_Length", "Content-Lengtx", "X-Request-Ie", "Te-X",
        "Cookie2", "x-forwarded-fox", "", "`ost", "@ost", "Content\x0cLength", "H\xefst"}) {
    EXPECT_EQ(classify_field(name), Field::other) << name;
  }
}

TEST(ConnectionOptions, SplitsTheListAndSortsItsOptions) {
  ConnectionOptions options;
  options.add(" Keep-Alive ,, CLOSE,upgrade , X-Custom");
  EXPECT_TRUE(options.close);
  EXPECT_TRUE(options.keep_alive());
  EXPECT_TRUE(options.names_other_fields);
  EXPECT_NE(options.fields & field_bit(Field::upgrade), 0u);
  EXPECT_EQ(options.fields & field_bit(Field::host), 0u);

  ConnectionOptions plain;
  plain.add("keep-alive");
  EXPECT_FALSE(plain.close);
  EXPECT_TRUE(plain.keep_alive());
  EXPECT_FALSE(plain.names_other_fields);
  EXPECT_FALSE(ConnectionOptions{}.close);
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
  request.headers.resize(10, Header{"X-A", "1"});
  const std::size_t capacity = request.headers.capacity();
  request.method = Method::post;
  request.framing = BodyFraming::chunked;
  request.keep_alive = false;
  request.expect_continue = true;
  request.has_query = true;
  request.version_minor = 0;
  request.protocol = Protocol::http2;
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
  EXPECT_EQ(request.protocol, Protocol::http1);
  EXPECT_EQ(request.host, "");
  EXPECT_EQ(request.head_bytes, 0u);

  ResponseHead response;
  response.headers.resize(4, Header{"X-A", "1"});
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
