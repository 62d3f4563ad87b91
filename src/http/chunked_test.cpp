#include <gtest/gtest.h>

#include <string>

#include "http/parser.h"

namespace apigw::http {
namespace {

struct Outcome {
  std::size_t consumed = 0;
  bool done = false;
  bool error = false;
  std::uint64_t payload = 0;

  bool operator==(const Outcome&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  return os << "{consumed=" << o.consumed << " done=" << o.done << " error=" << o.error
            << " payload=" << o.payload << "}";
}

// Feeds `body` in pieces of `piece` bytes the way a connection would: after each step the
// caller drops what was consumed and stops at done or error.
Outcome feed(std::string_view body, std::size_t piece) {
  ChunkedScanner scanner;
  Outcome out;
  std::size_t pos = 0;
  std::string pending;
  while (pos < body.size() && !out.done && !out.error) {
    pending.append(body.substr(pos, piece));
    pos += std::min(piece, body.size() - pos);
    const ChunkedScanner::Step step = scanner.scan(pending);
    out.consumed += step.consumed;
    out.done = step.done;
    out.error = step.error;
    pending.erase(0, step.consumed);
  }
  out.payload = scanner.payload_bytes();
  return out;
}

Outcome feed_all(std::string_view body) { return feed(body, body.size() + 1); }

constexpr std::string_view kNext = "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";

TEST(ChunkedScanner, StopsExactlyAtTheEndOfTheMessage) {
  const std::string body = "5\r\nhello\r\n0\r\n\r\n";
  const Outcome out = feed_all(body + std::string(kNext));
  EXPECT_TRUE(out.done);
  EXPECT_FALSE(out.error);
  EXPECT_EQ(out.consumed, body.size());
  EXPECT_EQ(out.payload, 5u);
}

TEST(ChunkedScanner, AcceptsHexSizesExtensionsAndTrailers) {
  const std::string body =
      "A\r\n0123456789\r\n"
      "1a;name=value;q=\"a b\"\r\n" +
      std::string(26, 'x') +
      "\r\n"
      "0;last\r\n"
      "X-Checksum: abc\r\n"
      "X-Empty:\r\n"
      "\r\n";
  const Outcome out = feed_all(body + std::string(kNext));
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.consumed, body.size());
  EXPECT_EQ(out.payload, 36u);
}

TEST(ChunkedScanner, AcceptsEveryFormOfTheExtensionGrammar) {
  // RFC 9112 §7.1.1: whitespace around ';' and '=', quoted-pairs and obs-text in quoted values.
  for (const std::string line :
       {"5;a", "5;a;b", "5; a", "5;a =b", "5;a= b", "5;a=b ;c", "5;a=\"\"", "5;a=\"x\\\"y\"",
        "5;a=\"\xe9 \t!\"", "5;a=\"v\" ;b", "5;a=b;c=\"d\""}) {
    const std::string body = line + "\r\nhello\r\n0\r\n\r\n";
    const Outcome out = feed_all(body);
    EXPECT_TRUE(out.done) << line;
    EXPECT_EQ(out.consumed, body.size()) << line;
  }
}

TEST(ChunkedScanner, ReportsIncompleteWithoutDone) {
  const Outcome out = feed_all("5\r\nhel");
  EXPECT_FALSE(out.done);
  EXPECT_FALSE(out.error);
  EXPECT_EQ(out.consumed, 6u);
  EXPECT_EQ(out.payload, 3u);
}

TEST(ChunkedScanner, SixteenHexDigitsAreNotAnError) {
  const Outcome out = feed_all("000000000000000F\r\n");
  EXPECT_FALSE(out.error);
  EXPECT_FALSE(out.done);
}

TEST(ChunkedScanner, ConsumesNothingAfterDone) {
  ChunkedScanner scanner;
  ASSERT_TRUE(scanner.scan("0\r\n\r\n").done);
  const ChunkedScanner::Step again = scanner.scan("5\r\nhello\r\n");
  EXPECT_EQ(again.consumed, 0u);
  EXPECT_TRUE(again.done);
}

TEST(ChunkedScanner, ConsumesNothingAfterErrorUntilReset) {
  ChunkedScanner scanner;
  ASSERT_TRUE(scanner.scan("zz\r\n").error);
  const ChunkedScanner::Step again = scanner.scan("0\r\n\r\n");
  EXPECT_EQ(again.consumed, 0u);
  EXPECT_TRUE(again.error);
  scanner.reset();
  const ChunkedScanner::Step fresh = scanner.scan("0\r\n\r\n");
  EXPECT_TRUE(fresh.done);
  EXPECT_EQ(fresh.consumed, 5u);
  EXPECT_EQ(scanner.payload_bytes(), 0u);
}

struct Invalid {
  const char* name;
  std::string body;
};

void PrintTo(const Invalid& invalid, std::ostream* os) { *os << invalid.name; }

class ChunkedRejection : public testing::TestWithParam<Invalid> {};

TEST_P(ChunkedRejection, IsAnError) {
  const Outcome out = feed_all(GetParam().body);
  EXPECT_TRUE(out.error);
  EXPECT_FALSE(out.done);
}

const Invalid kInvalid[] = {
    {"EmptySize", "\r\nhello\r\n0\r\n\r\n"},
    {"NonHexSize", "g\r\n"},
    {"HexPrefix", "0x5\r\nhello\r\n"},
    {"NegativeSize", "-5\r\nhello\r\n"},
    {"PlusSign", "+5\r\nhello\r\n"},
    {"LeadingSpace", " 5\r\nhello\r\n"},
    {"TrailingSpace", "5 \r\nhello\r\n"},
    {"SeventeenDigits", "00000000000000005\r\nhello\r\n0\r\n\r\n"},
    {"SizeOverflow", "10000000000000000\r\n"},
    {"BareLfAfterSize", "5\nhello\r\n0\r\n\r\n"},
    {"CrWithoutLfAfterSize", "5\rhello\r\n"},
    {"MissingCrlfAfterData", "5\r\nhelloX\r\n0\r\n\r\n"},
    {"TooMuchData", "5\r\nhello!\r\n0\r\n\r\n"},
    {"BareLfAfterData", "5\r\nhello\n0\r\n\r\n"},
    {"OtherByteInsteadOfCr", "5\r\nhelloX\n0\r\n\r\n"},
    {"OtherByteInsteadOfLf", "5\r\nhello\rX0\r\n\r\n"},
    {"OtherByteInsteadOfLfAtEnd", "0\r\n\rX"},
    {"BareLfAtEnd", "0\r\n\n"},
    {"CtlInExtension", "5;a\x01=b\r\nhello\r\n"},
    {"LfInExtension", "5;a\nb\r\nhello\r\n"},
    {"ExtensionTooLong", "5;" + std::string(4100, 'e') + "\r\nhello\r\n0\r\n\r\n"},
    // Extensions are relayed as they are, so only the RFC 9112 grammar passes.
    {"ExtensionWithoutName", "5;=v\r\nhello\r\n0\r\n\r\n"},
    {"EmptyExtension", "5;\r\nhello\r\n0\r\n\r\n"},
    {"UnterminatedQuotedExtension", "5;a=\"open\r\nhello\r\n0\r\n\r\n"},
    {"QuoteInsideTokenValue", "5;a=b\"c\"\r\nhello\r\n0\r\n\r\n"},
    {"TokenAfterQuotedValue", "5;a=\"b\"c\r\nhello\r\n0\r\n\r\n"},
    {"EmptyExtensionValue", "5;a=\r\nhello\r\n0\r\n\r\n"},
    {"SpaceInsideExtensionName", "5;a b=c\r\nhello\r\n0\r\n\r\n"},
    {"WhitespaceBeforeExtensionLineEnd", "5;a=b \r\nhello\r\n0\r\n\r\n"},
    {"NonTokenInExtensionName", "5;a@b\r\nhello\r\n0\r\n\r\n"},
    {"DelInQuotedExtension", "5;a=\"b\x7f\"\r\nhello\r\n0\r\n\r\n"},
    {"ObsFoldInTrailer", "0\r\nX-A: a\r\n b\r\n\r\n"},
    {"TrailerWithoutColon", "0\r\nX-A a\r\n\r\n"},
    {"SpaceBeforeColonInTrailer", "0\r\nX-A : a\r\n\r\n"},
    {"CtlInTrailerValue", "0\r\nX-A: a\x01q\r\n\r\n"},
    {"BareLfInTrailer", "0\r\nX-A: a\n\r\n"},
    {"TrailerLineTooLong", "0\r\nX-A: " + std::string(9000, 'v') + "\r\n\r\n"},
    {"TrailersTooLarge",
     [] {
       std::string body = "0\r\n";
       for (int i = 0; i < 20; ++i) body += "X-A: " + std::string(1000, 'v') + "\r\n";
       return body + "\r\n";
     }()},
};

INSTANTIATE_TEST_SUITE_P(Framing, ChunkedRejection, testing::ValuesIn(kInvalid),
                         [](const auto& info) { return std::string(info.param.name); });

// Any split of the input must give the same verdict: a connection delivers bytes in arbitrary
// pieces, and a scanner that depends on them would be a smuggling vector of its own.
TEST(ChunkedScanner, ByteByByteEqualsAllAtOnce) {
  std::vector<std::string> bodies = {
      "5\r\nhello\r\n0\r\n\r\n" + std::string(kNext),
      "3;ext=\"v\"\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-T: 1\r\n\r\n" + std::string(kNext),
      "ffffffffffffffff\r\nabc",
  };
  for (const Invalid& invalid : kInvalid) bodies.push_back(invalid.body);
  for (const std::string& body : bodies) {
    const Outcome whole = feed_all(body);
    EXPECT_EQ(feed(body, 1), whole) << body.substr(0, 60);
    EXPECT_EQ(feed(body, 2), whole) << body.substr(0, 60);
    EXPECT_EQ(feed(body, 7), whole) << body.substr(0, 60);
  }
}

TEST(ChunkedScanner, EverySplitPointEqualsAllAtOnce) {
  const std::string body = "4;a=b\r\nwiki\r\n5\r\npedia\r\n0\r\nX: y\r\n\r\n" + std::string(kNext);
  const Outcome whole = feed_all(body);
  ASSERT_TRUE(whole.done);
  for (std::size_t split = 0; split <= body.size(); ++split) {
    ChunkedScanner scanner;
    const ChunkedScanner::Step first = scanner.scan(std::string_view(body).substr(0, split));
    Outcome out{first.consumed, first.done, first.error, 0};
    if (!first.done && !first.error) {
      const ChunkedScanner::Step second =
          scanner.scan(std::string_view(body).substr(first.consumed));
      out.consumed += second.consumed;
      out.done = second.done;
      out.error = second.error;
    }
    out.payload = scanner.payload_bytes();
    EXPECT_EQ(out, whole) << "split at " << split;
  }
}

TEST(ChunkedScanner, PayloadSinkReceivesDecodedDataAcrossSplits) {
  const std::string body = "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-T: 1\r\n\r\n";
  for (std::size_t split = 0; split <= body.size(); ++split) {
    ChunkedScanner scanner;
    std::string payload;
    const auto first = scanner.scan(std::string_view(body).substr(0, split), &payload);
    const auto second = scanner.scan(std::string_view(body).substr(first.consumed), &payload);
    EXPECT_TRUE(second.done || first.done) << "split at " << split;
    EXPECT_EQ(payload, "hello, world") << "split at " << split;
  }
}

}  // namespace
}  // namespace apigw::http
