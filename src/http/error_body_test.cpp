#include "http/error_body.h"

#include <gtest/gtest.h>

namespace apigw::http {
namespace {

std::string escaped(std::string_view text) {
  std::string out;
  append_json_escaped(out, text);
  return out;
}

TEST(ErrorBody, HasTheExactFormat) {
  std::string body = "prefix:";
  append_error_body(body, 404, "route_not_found", "no route matches GET /x", "abc");
  EXPECT_EQ(body,
            "prefix:"
            R"({"error":{"status":404,"code":"route_not_found",)"
            R"("message":"no route matches GET /x","request_id":"abc"}})");
}

TEST(ErrorBody, EscapesEveryString) {
  std::string body;
  append_error_body(body, 400, "c\"", "m\\", "r\n");
  EXPECT_EQ(body,
            R"({"error":{"status":400,"code":"c\"","message":"m\\","request_id":"r\u000a"}})");
}

TEST(JsonEscape, QuotesBackslashesAndControls) {
  EXPECT_EQ(escaped("plain text"), "plain text");
  EXPECT_EQ(escaped("say \"hi\""), R"(say \"hi\")");
  EXPECT_EQ(escaped("a\\b"), R"(a\\b)");
  EXPECT_EQ(escaped("\t\r\n\x1f"), R"(\u0009\u000d\u000a\u001f)");
  EXPECT_EQ(escaped(std::string_view("a\0b", 3)), R"(a\u0000b)");
  EXPECT_EQ(escaped("/path</script>"), "/path</script>");
}

TEST(JsonEscape, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_EQ(escaped("\xff"), R"(\ufffd)");
  EXPECT_EQ(escaped("\xc3"), R"(\ufffd)");                                // truncated
  EXPECT_EQ(escaped("\xc0\xaf"), R"(\ufffd\ufffd)");                      // overlong '/'
  EXPECT_EQ(escaped("\xed\xa0\x80"), R"(\ufffd\ufffd\ufffd)");            // surrogate
  EXPECT_EQ(escaped("\xf4\x90\x80\x80"), R"(\ufffd\ufffd\ufffd\ufffd)");  // > U+10FFFF
}

TEST(ReasonPhrase, NamesCommonCodes) {
  EXPECT_EQ(reason_phrase(200), "OK");
  EXPECT_EQ(reason_phrase(404), "Not Found");
  EXPECT_EQ(reason_phrase(429), "Too Many Requests");
  EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reason_phrase(502), "Bad Gateway");
  for (int status : {100, 101, 200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308, 400,
                     401, 403, 404, 405, 408, 409, 411, 412, 413, 414, 415, 416, 417, 421,
                     422, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505}) {
    EXPECT_NE(reason_phrase(status), "Unknown") << status;
  }
  EXPECT_EQ(reason_phrase(299), "Unknown");
  EXPECT_EQ(reason_phrase(0), "Unknown");
}

}  // namespace
}  // namespace apigw::http
