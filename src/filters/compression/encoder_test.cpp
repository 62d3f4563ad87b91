// The encoders against the reference decoders (zlib's inflate, libbrotlidec): every byte written
// comes back exactly, however the input was split, and a flush makes everything so far decodable.
#include "filters/compression/encoder.h"

#include <brotli/decode.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <memory>
#include <random>
#include <string>

namespace apigw::filters::compression {
namespace {

// Decodes a possibly unfinished stream: as much as the bytes allow. `complete` says whether the
// stream ended properly (gzip trailer checked, Brotli's last block seen) with nothing after it.
struct Decoded {
  std::string bytes;
  bool complete = false;
  bool error = false;
};

Decoded gunzip(std::string_view data) {
  Decoded out;
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) return {{}, false, true};
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  char buffer[4096];
  while (true) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    const int rc = inflate(&stream, Z_SYNC_FLUSH);
    out.bytes.append(buffer, sizeof buffer - stream.avail_out);
    if (rc == Z_STREAM_END) {
      out.complete = stream.avail_in == 0;
      break;
    }
    if (rc == Z_BUF_ERROR && stream.avail_in == 0) break;  // needs more input
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      out.error = true;
      break;
    }
  }
  inflateEnd(&stream);
  return out;
}

Decoded unbrotli(std::string_view data) {
  Decoded out;
  std::unique_ptr<BrotliDecoderState, decltype(&BrotliDecoderDestroyInstance)> state(
      BrotliDecoderCreateInstance(nullptr, nullptr, nullptr), BrotliDecoderDestroyInstance);
  std::size_t available_in = data.size();
  const auto* next_in = reinterpret_cast<const std::uint8_t*>(data.data());
  std::uint8_t buffer[4096];
  while (true) {
    std::size_t available_out = sizeof buffer;
    std::uint8_t* next_out = buffer;
    const BrotliDecoderResult rc = BrotliDecoderDecompressStream(
        state.get(), &available_in, &next_in, &available_out, &next_out, nullptr);
    out.bytes.append(reinterpret_cast<const char*>(buffer), sizeof buffer - available_out);
    if (rc == BROTLI_DECODER_RESULT_SUCCESS) {
      out.complete = available_in == 0;
      break;
    }
    if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) break;
    if (rc == BROTLI_DECODER_RESULT_ERROR) {
      out.error = true;
      break;
    }
  }
  return out;
}

Decoded decode(Coding coding, std::string_view data) {
  return coding == Coding::gzip ? gunzip(data) : unbrotli(data);
}

std::string random_bytes(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(random());
  return out;
}

// Text with structure (an access log), which compresses well and exercises long matches.
std::string text_bytes(std::size_t size) {
  std::string out;
  for (std::size_t i = 0; out.size() < size; ++i) {
    out += "{\"id\":" + std::to_string(i) + ",\"path\":\"/api/v1/users/" + std::to_string(i % 97) +
           "\",\"status\":" + std::to_string(200 + (i % 5) * 100) +
           ",\"ms\":" + std::to_string((i * 7919) % 1000) + "}\n";
  }
  out.resize(size);
  return out;
}

std::string compress(Coding coding, std::string_view input, int level) {
  auto encoder = Encoder::make(coding, level);
  EXPECT_NE(encoder, nullptr);
  std::string out;
  EXPECT_TRUE(encoder->write(input, out));
  EXPECT_TRUE(encoder->finish(out));
  return out;
}

class EncoderRoundTrip : public testing::TestWithParam<Coding> {
 protected:
  void expect_round_trip(std::string_view input, int level) {
    const std::string compressed = compress(GetParam(), input, level);
    const Decoded decoded = decode(GetParam(), compressed);
    EXPECT_FALSE(decoded.error);
    EXPECT_TRUE(decoded.complete);
    EXPECT_EQ(decoded.bytes.size(), input.size());
    EXPECT_TRUE(decoded.bytes == input) << "decoded bytes differ from the input";
  }
};

TEST_P(EncoderRoundTrip, Empty) {
  expect_round_trip("", default_level(GetParam()));
  auto encoder = Encoder::make(GetParam());
  std::string out;
  ASSERT_TRUE(encoder->finish(out));
  EXPECT_FALSE(out.empty()) << "even an empty body needs a valid stream";
}

TEST_P(EncoderRoundTrip, Small) { expect_round_trip("hello, world", default_level(GetParam())); }

TEST_P(EncoderRoundTrip, LargeRandom) {
  expect_round_trip(random_bytes(3 * 1024 * 1024 + 17, 1), default_level(GetParam()));
}

TEST_P(EncoderRoundTrip, LargeText) {
  const std::string text = text_bytes(4 * 1024 * 1024);
  expect_round_trip(text, default_level(GetParam()));
  EXPECT_LT(compress(GetParam(), text, default_level(GetParam())).size(), text.size() / 4)
      << "structured text must actually shrink";
}

TEST_P(EncoderRoundTrip, EveryLevel) {
  const std::string text = text_bytes(64 * 1024);
  const int highest = GetParam() == Coding::gzip ? 9 : 11;
  for (int level = 0; level <= highest; ++level) {
    SCOPED_TRACE(level);
    expect_round_trip(text, level);
  }
}

TEST_P(EncoderRoundTrip, ManySmallWritesWithFlushesBetween) {
  const std::string input = text_bytes(200 * 1024) + random_bytes(50 * 1024, 2);
  auto encoder = Encoder::make(GetParam());
  std::mt19937_64 random(3);
  std::string out;
  std::size_t pos = 0;
  while (pos < input.size()) {
    const std::size_t piece = std::min<std::size_t>(1 + random() % 3000, input.size() - pos);
    ASSERT_TRUE(encoder->write(std::string_view(input).substr(pos, piece), out));
    pos += piece;
    if (random() % 4 == 0) {
      ASSERT_TRUE(encoder->flush(out));
    }
  }
  ASSERT_TRUE(encoder->finish(out));
  const Decoded decoded = decode(GetParam(), out);
  EXPECT_TRUE(decoded.complete);
  EXPECT_TRUE(decoded.bytes == input);
}

TEST_P(EncoderRoundTrip, FlushMakesEverythingSoFarDecodable) {
  auto encoder = Encoder::make(GetParam());
  std::string out;
  std::string sent;
  for (int event = 0; event < 20; ++event) {
    const std::string data = "data: {\"event\":" + std::to_string(event) + "}\n\n";
    sent += data;
    ASSERT_TRUE(encoder->write(data, out));
    ASSERT_TRUE(encoder->flush(out));
    const Decoded partial = decode(GetParam(), out);
    EXPECT_FALSE(partial.error);
    EXPECT_FALSE(partial.complete) << "the stream is not finished yet";
    ASSERT_EQ(partial.bytes, sent) << "after event " << event;
  }
  ASSERT_TRUE(encoder->finish(out));
  EXPECT_TRUE(decode(GetParam(), out).complete);
}

TEST_P(EncoderRoundTrip, FlushWithNothingNewAddsNoData) {
  auto encoder = Encoder::make(GetParam());
  std::string out;
  ASSERT_TRUE(encoder->write("abc", out));
  ASSERT_TRUE(encoder->flush(out));
  ASSERT_TRUE(encoder->flush(out));
  ASSERT_TRUE(encoder->write("", out));
  ASSERT_TRUE(encoder->finish(out));
  EXPECT_EQ(decode(GetParam(), out).bytes, "abc");
}

TEST_P(EncoderRoundTrip, NothingIsAcceptedAfterFinish) {
  auto encoder = Encoder::make(GetParam());
  std::string out;
  ASSERT_TRUE(encoder->finish(out));
  const std::size_t size = out.size();
  EXPECT_FALSE(encoder->write("more", out));
  EXPECT_FALSE(encoder->flush(out));
  EXPECT_FALSE(encoder->finish(out));
  EXPECT_EQ(out.size(), size);
}

TEST_P(EncoderRoundTrip, WriteDoesNotHoldTheWholeBody) {
  // Streaming: after 1 MiB of incompressible input most of it must already be out.
  auto encoder = Encoder::make(GetParam());
  std::string out;
  const std::string input = random_bytes(1024 * 1024, 4);
  for (std::size_t pos = 0; pos < input.size(); pos += 16 * 1024) {
    ASSERT_TRUE(encoder->write(std::string_view(input).substr(pos, 16 * 1024), out));
  }
  EXPECT_GT(out.size(), input.size() / 2);
}

INSTANTIATE_TEST_SUITE_P(Encoder, EncoderRoundTrip, testing::Values(Coding::gzip, Coding::br),
                         [](const testing::TestParamInfo<Coding>& info) {
                           return std::string(coding_name(info.param));
                         });

TEST(Encoder, IdentityCopiesItsInput) {
  auto encoder = Encoder::make(Coding::identity);
  ASSERT_NE(encoder, nullptr);
  EXPECT_EQ(encoder->coding(), Coding::identity);
  std::string out;
  ASSERT_TRUE(encoder->write("abc", out));
  ASSERT_TRUE(encoder->flush(out));
  ASSERT_TRUE(encoder->write("def", out));
  ASSERT_TRUE(encoder->finish(out));
  EXPECT_EQ(out, "abcdef");
  EXPECT_FALSE(encoder->write("x", out));
}

TEST(Encoder, ReportsItsCodingAndDefaults) {
  EXPECT_EQ(Encoder::make(Coding::gzip)->coding(), Coding::gzip);
  EXPECT_EQ(Encoder::make(Coding::br)->coding(), Coding::br);
  EXPECT_EQ(default_level(Coding::gzip), kDefaultGzipLevel);
  EXPECT_EQ(default_level(Coding::br), kDefaultBrotliQuality);
}

TEST(Encoder, GzipOutputIsAGzipMember) {
  const std::string out = compress(Coding::gzip, "x", 1);
  ASSERT_GE(out.size(), 18u);
  EXPECT_EQ(static_cast<unsigned char>(out[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(out[1]), 0x8b);
}

TEST(Encoder, OutOfRangeLevelsAreClamped) {
  const std::string text = text_bytes(10000);
  EXPECT_EQ(gunzip(compress(Coding::gzip, text, -5)).bytes, text);
  EXPECT_EQ(gunzip(compress(Coding::gzip, text, 99)).bytes, text);
  EXPECT_EQ(unbrotli(compress(Coding::br, text, 99)).bytes, text);
}

}  // namespace
}  // namespace apigw::filters::compression
