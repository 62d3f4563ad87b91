#include "store/http/url.h"

#include <gtest/gtest.h>

namespace apigw::store::http {
namespace {

TEST(HttpClientUrl, SplitsSchemeHostPortAndTarget) {
  const Result<Url> url = parse_url("HTTPS://Auth.Example.com:8443/oauth/introspect?x=1#frag");
  ASSERT_TRUE(url);
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "auth.example.com");
  EXPECT_FALSE(url->host_is_ip);
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->target, "/oauth/introspect?x=1");
  EXPECT_EQ(url->authority(), "auth.example.com:8443");
}

TEST(HttpClientUrl, DefaultsPortAndPath) {
  const Result<Url> plain = parse_url("http://example.com");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->port, 80);
  EXPECT_EQ(plain->target, "/");
  EXPECT_EQ(plain->authority(), "example.com");
  const Result<Url> query_only = parse_url("https://example.com:443?a=b");
  ASSERT_TRUE(query_only);
  EXPECT_EQ(query_only->port, 443);
  EXPECT_EQ(query_only->target, "/?a=b");
  EXPECT_EQ(query_only->authority(), "example.com");
}

TEST(HttpClientUrl, RecognisesIpLiterals) {
  const Result<Url> v4 = parse_url("http://127.0.0.1:8080/x");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(v4->host_is_ip);
  const Result<Url> v6 = parse_url("https://[::1]:9443/x");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->host_is_ip);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->authority(), "[::1]:9443");
}

TEST(HttpClientUrl, RefusesWhatCannotBeSent) {
  for (const char* text :
       {"ftp://example.com/", "example.com/path", "http://", "http://:80/", "http://a b/",
        "http://user:pass@example.com/", "http://example.com:0/", "http://example.com:65536/",
        "http://example.com:8x/", "http://[::1/", "http://[zz]/", "http://exa%mple.com/",
        "http://example.com/a b", "http://example.com/\r\nX: y"}) {
    const Result<Url> url = parse_url(text);
    ASSERT_FALSE(url) << text;
    EXPECT_EQ(url.error().kind, ErrorKind::invalid_request) << text;
  }
}

}  // namespace
}  // namespace apigw::store::http
