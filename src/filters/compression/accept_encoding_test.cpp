// Accept-Encoding negotiation: q-values, wildcards, exclusions, preferences on ties, and the
// malformed inputs that must not change the answer for the worse.
#include "filters/compression/accept_encoding.h"

#include <gtest/gtest.h>

#include <vector>

namespace apigw::filters::compression {
namespace {

constexpr Coding kBr = Coding::br;
constexpr Coding kGzip = Coding::gzip;
constexpr Coding kIdentity = Coding::identity;

Coding choose(std::string_view value, SupportedCodings supported = {}) {
  return choose_coding(value, supported);
}

TEST(AcceptEncoding, NoHeaderMeansIdentity) {
  EXPECT_EQ(choose_coding(std::span<const std::string_view>()), kIdentity);
}

TEST(AcceptEncoding, EmptyHeaderMeansIdentity) {
  EXPECT_EQ(choose(""), kIdentity);
  EXPECT_EQ(choose(" , ,"), kIdentity);
}

TEST(AcceptEncoding, PicksTheOnlyCodingOffered) {
  EXPECT_EQ(choose("gzip"), kGzip);
  EXPECT_EQ(choose("br"), kBr);
  EXPECT_EQ(choose("identity"), kIdentity);
  EXPECT_EQ(choose("deflate"), kIdentity);
  EXPECT_EQ(choose("zstd, compress"), kIdentity);
}

TEST(AcceptEncoding, TiesPreferBrThenGzip) {
  EXPECT_EQ(choose("gzip, deflate, br"), kBr);
  EXPECT_EQ(choose("gzip, br"), kBr);
  EXPECT_EQ(choose("br;q=0.5, gzip;q=0.5"), kBr);
  EXPECT_EQ(choose("gzip, identity"), kGzip);
}

TEST(AcceptEncoding, HighestQValueWins) {
  EXPECT_EQ(choose("br;q=0.5, gzip"), kGzip);
  EXPECT_EQ(choose("br;q=0.8, gzip;q=0.9"), kGzip);
  EXPECT_EQ(choose("br;q=0.001, gzip;q=0"), kBr);
  EXPECT_EQ(choose("gzip;q=0.5"), kGzip) << "an unlisted identity is only the fallback";
  EXPECT_EQ(choose("gzip;q=0.5, identity"), kIdentity);
  EXPECT_EQ(choose("gzip;q=0.5, identity;q=0.4"), kGzip);
  EXPECT_EQ(choose("br;q=0.999, identity"), kIdentity);
}

TEST(AcceptEncoding, ZeroExcludes) {
  EXPECT_EQ(choose("br;q=0, gzip"), kGzip);
  EXPECT_EQ(choose("br;q=0.000, gzip;q=0.0"), kIdentity);
  EXPECT_EQ(choose("br;q=0"), kIdentity);
}

TEST(AcceptEncoding, WildcardCoversWhatIsNotListed) {
  EXPECT_EQ(choose("*"), kBr);
  EXPECT_EQ(choose("*;q=0.5, br;q=0.4"), kGzip);
  EXPECT_EQ(choose("*;q=0.5, br;q=0"), kGzip);
  EXPECT_EQ(choose("br;q=0, gzip;q=0, *"), kIdentity);
  EXPECT_EQ(choose("*;q=0.5, identity"), kIdentity);
  EXPECT_EQ(choose("*, gzip;q=0.3"), kBr);
}

TEST(AcceptEncoding, NothingAcceptableStillAnswersIdentity) {
  EXPECT_EQ(choose("identity;q=0"), kIdentity);
  EXPECT_EQ(choose("*;q=0"), kIdentity);
  EXPECT_EQ(choose("gzip;q=0, br;q=0, identity;q=0"), kIdentity);
  EXPECT_EQ(choose("identity;q=0, gzip"), kGzip);
  EXPECT_EQ(choose("*;q=0, gzip;q=0.1"), kGzip);
}

TEST(AcceptEncoding, NamesAreCaseInsensitive) {
  EXPECT_EQ(choose("GZIP"), kGzip);
  EXPECT_EQ(choose("Br;Q=0.5, gZip;q=0.4"), kBr);
  EXPECT_EQ(choose("IDENTITY;q=1, gzip;q=0.5"), kIdentity);
}

TEST(AcceptEncoding, XGzipIsGzip) {
  EXPECT_EQ(choose("x-gzip"), kGzip);
  EXPECT_EQ(choose("X-GZIP;q=0.7, br;q=0.6"), kGzip);
}

TEST(AcceptEncoding, ToleratesWhitespace) {
  EXPECT_EQ(choose("  gzip ;  q = 0.5 ,\tbr\t;\tq=0.4  "), kGzip);
  EXPECT_EQ(choose("br ; q=0 , gzip"), kGzip);
}

TEST(AcceptEncoding, MalformedQValueVoidsOnlyItsElement) {
  for (std::string_view bad : {"q=2", "q=1.1", "q=1.0001", "q=0.5555", "q=.5", "q=abc",
                               "q=", "q=-0.5", "q=0.5x", "q=0,5", "q=01", "q = 0. 5"}) {
    // With the element voided, gzip alone is left.
    const std::string value = "br;" + std::string(bad) + ", gzip";
    EXPECT_EQ(choose(value), kGzip) << value;
  }
  // The exclusion "br;q=0" with a typo does not turn into "br at q=1" either.
  EXPECT_EQ(choose("br;q=o"), kIdentity);
  // Valid spellings at the edges of the grammar.
  EXPECT_EQ(choose("br;q=1.000, gzip"), kBr);
  EXPECT_EQ(choose("br;q=1., gzip"), kBr) << "'1.' is a qvalue: \"1\" [ \".\" 0*3(\"0\") ]";
  EXPECT_EQ(choose("br;q=0., gzip"), kGzip);
  EXPECT_EQ(choose("br;q=0.5, gzip;q=0.49"), kBr);
  EXPECT_EQ(choose("br;q=1, gzip;q=0.999"), kBr);
}

TEST(AcceptEncoding, ElementWithoutACodingIsIgnored) {
  EXPECT_EQ(choose(";q=1, gzip"), kGzip);
  EXPECT_EQ(choose(" ;q=0"), kIdentity);
}

TEST(AcceptEncoding, OtherParametersAreTolerated) {
  EXPECT_EQ(choose("br;level=5;q=0.3, gzip;q=0.2"), kBr);
  EXPECT_EQ(choose("br;foo, gzip;q=0.9"), kBr);
}

TEST(AcceptEncoding, FirstMentionOfACodingCounts) {
  EXPECT_EQ(choose("br;q=0, br, gzip;q=0.5"), kGzip);
  EXPECT_EQ(choose("br, br;q=0"), kBr);
}

TEST(AcceptEncoding, SeveralHeadersFormOneList) {
  const std::vector<std::string_view> values = {"br;q=0.1", "gzip;q=0.2", "identity;q=0"};
  EXPECT_EQ(choose_coding(values), kGzip);
  const std::vector<std::string_view> excluded = {"gzip", "gzip;q=0"};
  EXPECT_EQ(choose_coding(excluded), kGzip) << "the first mention counts across headers too";
}

TEST(AcceptEncoding, OnlySupportedCodingsAreChosen) {
  EXPECT_EQ(choose("br, gzip", {.br = false, .gzip = true}), kGzip);
  EXPECT_EQ(choose("br", {.br = false, .gzip = true}), kIdentity);
  EXPECT_EQ(choose("br;q=0.5, gzip", {.br = true, .gzip = false}), kBr);
  EXPECT_EQ(choose("*", {.br = false, .gzip = false}), kIdentity);
}

TEST(AcceptEncoding, CodingNamesAreContentEncodingTokens) {
  EXPECT_EQ(coding_name(kBr), "br");
  EXPECT_EQ(coding_name(kGzip), "gzip");
  EXPECT_EQ(coding_name(kIdentity), "identity");
}

}  // namespace
}  // namespace apigw::filters::compression
