// Response compression with real curl decoding: Brotli or gzip by Accept-Encoding, streamed, the
// decoded bytes equal to what the upstream sent; types, sizes and encoded responses left alone.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/gateway.h"

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

  const auto no_transform =
      curl({"-H", "Accept-Encoding: gzip", "-H", "Content-Type: application/json", "--data-binary",
            "@" + big, gateway.url("/echo?x=1")});
  EXPECT_EQ(no_transform.headers["content-encoding"], "gzip") << "control: compressed";
  const auto head = curl({"-I", "-H", "Accept-Encoding: gzip", gateway.url("/bytes/5000")});
  EXPECT_EQ(head.headers["content-encoding"], "");
}

}  // namespace
}  // namespace apigw::test
