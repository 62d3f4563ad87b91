// Whole bodies for filters: body_replace edits request and response bodies held by the gateway,
// framing recomputed (a chunked request goes upstream with a Content-Length), both bounded by
// max_buffered_body_bytes (413 / 502).
#include <gtest/gtest.h>

#include "support/gateway.h"

namespace apigw::test {
namespace {

std::string replace_config(const std::string& backend) {
  return pool_config(targets_toml({backend}), "",
                     R"(max_buffered_body_bytes = "64KiB"
filters = [{ name = "body_replace", request = [{ from = "foo", to = "bar" }], response = [{ from = "bar", to = "bazz" }, { from = "\"server\":\"echo\"", to = "\"server\":\"hidden\"" }] }])");
}

TEST(BodyReplace, RequestAndResponseBodiesAreEditedAndReframed) {
  EchoBackend backend;
  Gateway gateway(replace_config(backend.address()));
  const auto echoed = curl(
      {"-H", "Content-Type: text/plain", "--data-binary", "foo and foo", gateway.url("/echo")});
  EXPECT_EQ(echoed.status, 200);
  EXPECT_EQ(echoed.body, "bazz and bazz") << "upstream got 'bar and bar', the client 'bazz ...'";
  EXPECT_EQ(echoed.headers["content-length"], "13");

  const auto chunked = curl({"-H", "Content-Type: text/plain", "-H", "Transfer-Encoding: chunked",
                             "--data-binary", "a foo", gateway.url("/described")});
  EXPECT_EQ(chunked.status, 200);
  EXPECT_NE(chunked.body.find("\"content-length\":\"5\""), std::string::npos)
      << "the edited body went upstream with its own length: " << chunked.body;
  EXPECT_EQ(chunked.body.find("transfer-encoding"), std::string::npos) << chunked.body;
  EXPECT_NE(chunked.body.find("\"server\":\"hidden\""), std::string::npos) << chunked.body;
  EXPECT_EQ(chunked.body.find("accept-encoding"), std::string::npos)
      << "the upstream is asked for an uncompressed answer";

  const auto binary = curl({"-H", "Content-Type: application/octet-stream", "--data-binary", "foo",
                            gateway.url("/echo")});
  EXPECT_EQ(binary.body, "foo") << "types not listed are left alone";
}

TEST(BodyReplace, BodiesOverTheBufferLimitAre413And502) {
  EchoBackend backend;
  TempDir dir;
  Gateway gateway(replace_config(backend.address()));
  const std::string big = dir.write("big", std::string(100 * 1024, 'f'));
  const auto too_big =
      curl({"-H", "Content-Type: text/plain", "--data-binary", "@" + big, gateway.url("/echo")});
  EXPECT_EQ(too_big.status, 413);
  EXPECT_TRUE(backend.received().empty()) << "never forwarded";
  const auto big_answer = http_get(gateway.port(), "/bytes/100000");
  EXPECT_EQ(big_answer.status, 502);
  EXPECT_NE(big_answer.body.find("upstream_response_too_large"), std::string::npos)
      << big_answer.body;
  EXPECT_EQ(http_get(gateway.port(), "/bytes/1000").status, 200) << "within the limit";
}

}  // namespace
}  // namespace apigw::test
