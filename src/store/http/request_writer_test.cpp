#include "store/http/request_writer.h"

#include <gtest/gtest.h>

namespace apigw::store::http {
namespace {

RequestHead write(const HttpRequest& request) {
  const Result<Url> url = parse_url(request.url);
  EXPECT_TRUE(url);
  const Result<RequestHead> head = write_request_head(request, *url);
  EXPECT_TRUE(head) << (head ? "" : head.error().message);
  return head ? *head : RequestHead{};
}

TEST(HttpClientRequestWriter, WritesHostFieldsLengthAndKeepAlive) {
  const RequestHead head = write(HttpRequest{.method = "POST",
                                             .url = "http://api.internal:8080/hooks?id=7",
                                             .headers = {{"Content-Type", "application/json"}},
                                             .body = "{}"});
  EXPECT_EQ(head.bytes,
            "POST /hooks?id=7 HTTP/1.1\r\n"
            "Host: api.internal:8080\r\n"
            "Content-Type: application/json\r\n"
            "Content-Length: 2\r\n"
            "Connection: keep-alive\r\n"
            "\r\n");
  EXPECT_FALSE(head.idempotent);
  EXPECT_TRUE(head.keep_alive);
}

TEST(HttpClientRequestWriter, GetWithoutBodyHasNoLengthAndDefaultPortIsLeftOut) {
  const RequestHead head = write(HttpRequest{.url = "https://idp.example.com/.well-known/jwks"});
  EXPECT_EQ(head.bytes,
            "GET /.well-known/jwks HTTP/1.1\r\n"
            "Host: idp.example.com\r\n"
            "Connection: keep-alive\r\n"
            "\r\n");
  EXPECT_TRUE(head.idempotent);
}

TEST(HttpClientRequestWriter, CallerHostAndConnectionReplaceTheDefaults) {
  const RequestHead head =
      write(HttpRequest{.url = "http://10.0.0.1/",
                        .headers = {{"Host", "virtual.example"}, {"Connection", "close"}}});
  EXPECT_EQ(head.bytes,
            "GET / HTTP/1.1\r\n"
            "Host: virtual.example\r\n"
            "Connection: close\r\n"
            "\r\n");
  EXPECT_FALSE(head.keep_alive);
}

TEST(HttpClientRequestWriter, RefusesFieldsThatWouldSplitOrReframeTheRequest) {
  const Result<Url> url = parse_url("http://example.com/");
  ASSERT_TRUE(url);
  const HttpRequest refused[] = {
      {.method = "GET /evil"},
      {.method = ""},
      {.headers = {{"Bad Name", "x"}}},
      {.headers = {{"X-A", "one\r\nX-B: two"}}},
      {.headers = {{"X-A", std::string("nul\0byte", 8)}}},
      {.headers = {{"content-length", "3"}}},
      {.headers = {{"Transfer-Encoding", "chunked"}}},
  };
  for (const HttpRequest& request : refused) {
    const Result<RequestHead> head = write_request_head(request, *url);
    ASSERT_FALSE(head) << request.method;
    EXPECT_EQ(head.error().kind, ErrorKind::invalid_request);
  }
}

}  // namespace
}  // namespace apigw::store::http
