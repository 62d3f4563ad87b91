// Response compression with real curl decoding: Brotli or gzip by Accept-Encoding, streamed, the
// decoded bytes equal to what the upstream sent; types, sizes and encoded responses left alone.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/gateway.h"
#include "support/test_http_server.h"

namespace apigw::test {
namespace {

std::string compression_config(const std::string& backend) {
  return pool_config(targets_toml({backend}), "",
                     R"(filters = [{ name = "compression", min_size = "1KiB" }])");
}

// A JSON document of about `size` bytes, compressible but not trivially.
std::string json_document(std::size_t size) {
  std::string text = "[";
  for (int i = 0; text.size() < size; ++i) {
    text += "{\"id\":" + std::to_string(i) + ",\"name\":\"item-" + std::to_string(i * 7919 % 1000) +
            "\",\"tags\":[\"a\",\"b\"]},";
  }
  text.back() = ']';
  return text;
}

TEST(Compression, BrotliOrGzipByAcceptEncodingAndTheBytesSurvive) {
  EchoBackend backend;
  TempDir dir;
  Gateway gateway(compression_config(backend.address()));
  const std::string document = json_document(200'000);
  const std::string body_file = dir.write("doc.json", document);
  const auto post = [&](const std::string& accept) {
    return curl({"--compressed", "-H", "Accept-Encoding: " + accept, "-H",
                 "Content-Type: application/json", "--data-binary", "@" + body_file,
                 gateway.url("/echo")});
  };
  const auto brotli = post("gzip;q=0.8, br");
  EXPECT_EQ(brotli.status, 200);
  EXPECT_EQ(brotli.headers["content-encoding"], "br");
  EXPECT_EQ(brotli.headers["vary"], "Accept-Encoding");
  EXPECT_EQ(brotli.headers["content-length"], "") << "the length is no longer the upstream's";
  EXPECT_EQ(brotli.headers["transfer-encoding"], "chunked");
  EXPECT_EQ(brotli.body, document) << "decoded bytes equal the upstream's";

  const auto gzip = post("gzip");
  EXPECT_EQ(gzip.headers["content-encoding"], "gzip");
  EXPECT_EQ(gzip.body, document);

  const auto raw = curl({"-H", "Accept-Encoding: br", "-H", "Content-Type: application/json",
                         "--data-binary", "@" + body_file, gateway.url("/echo")});
  EXPECT_LT(raw.body.size(), document.size() / 4) << "really compressed";
}

TEST(Compression, LeavesAloneWhatItShould) {
  EchoBackend backend;
  TempDir dir;
  Gateway gateway(compression_config(backend.address()));
  const auto binary = http_get(gateway.port(), "/bytes/100000", {"-H", "Accept-Encoding: gzip"});
  EXPECT_EQ(binary.headers["content-encoding"], "") << "application/octet-stream is not listed";
  EXPECT_EQ(binary.body.size(), 100000u);

  const auto small = http_get(gateway.port(), "/small", {"-H", "Accept-Encoding: gzip"});
  EXPECT_EQ(small.headers["content-encoding"], "") << "under min_size";
  EXPECT_NE(small.headers["content-length"], "");

  const std::string big = dir.write("big.json", json_document(50'000));
  const auto no_accept = curl(
      {"-H", "Content-Type: application/json", "--data-binary", "@" + big, gateway.url("/echo")});
  EXPECT_EQ(no_accept.headers["content-encoding"], "") << "client accepts nothing";
  EXPECT_EQ(no_accept.headers["vary"], "Accept-Encoding");

  const auto control = curl({"-H", "Accept-Encoding: gzip", "-H", "Content-Type: application/json",
                             "--data-binary", "@" + big, gateway.url("/echo")});
  EXPECT_EQ(control.headers["content-encoding"], "gzip") << "control: compressed";
  const auto head = curl({"-I", "-H", "Accept-Encoding: gzip", gateway.url("/bytes/5000")});
  EXPECT_EQ(head.headers["content-encoding"], "");
}

TEST(Compression, RespectsTheUpstreamsHeaders) {
  TestHttpServer upstream;
  Gateway gateway(compression_config("127.0.0.1:" + std::to_string(upstream.port())));
  const auto get = [&](const std::string& query) {
    return http_get(gateway.port(), "/respond?bytes=8000" + query, {"-H", "Accept-Encoding: gzip"});
  };
  const auto plain = get("&header=ETag:%22v1%22");
  EXPECT_EQ(plain.headers["content-encoding"], "gzip") << "control";
  EXPECT_EQ(plain.headers["etag"], "W/\"v1\"") << "a strong ETag becomes weak";
  EXPECT_EQ(get("&header=Cache-Control:no-transform").headers["content-encoding"], "");
  EXPECT_EQ(get("&header=Content-Encoding:identity").headers["content-encoding"], "identity")
      << "already encoded: left as it is";
  const auto partial = get("&status=206&header=Content-Range:bytes%200-7999/9000");
  EXPECT_EQ(partial.status, 206);
  EXPECT_EQ(partial.headers["content-encoding"], "");
  EXPECT_EQ(get("&type=image/png").headers["content-encoding"], "") << "not a listed type";
  EXPECT_EQ(get("&type=text/csv;%20charset=utf-8").headers["content-encoding"], "gzip")
      << "text/* with parameters";
}

}  // namespace
}  // namespace apigw::test
