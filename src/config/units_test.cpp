#include <gtest/gtest.h>

#include "config/loader.h"

namespace apigw::config {
namespace {

using std::chrono::milliseconds;

TEST(ConfigParseDuration, AcceptsEveryUnit) {
  EXPECT_EQ(parse_duration("250ms"), milliseconds(250));
  EXPECT_EQ(parse_duration("5s"), milliseconds(5'000));
  EXPECT_EQ(parse_duration("2m"), milliseconds(120'000));
  EXPECT_EQ(parse_duration("1h"), milliseconds(3'600'000));
  EXPECT_EQ(parse_duration("3000us"), milliseconds(3));
  EXPECT_EQ(parse_duration("0s"), milliseconds(0));
}

TEST(ConfigParseDuration, AcceptsFractions) {
  EXPECT_EQ(parse_duration("1.5s"), milliseconds(1'500));
  EXPECT_EQ(parse_duration("0.25m"), milliseconds(15'000));
  EXPECT_EQ(parse_duration("0.001h"), milliseconds(3'600));
}

TEST(ConfigParseDuration, RoundsSubMillisecondsUpSoNonZeroStaysNonZero) {
  EXPECT_EQ(parse_duration("1500us"), milliseconds(2));
  EXPECT_EQ(parse_duration("1us"), milliseconds(1));
  EXPECT_EQ(parse_duration("0.5ms"), milliseconds(1));
}

TEST(ConfigParseDuration, RefusesBareNumbersAndUnknownUnits) {
  EXPECT_EQ(parse_duration("30"), std::nullopt);
  EXPECT_EQ(parse_duration("5 parsecs"), std::nullopt);
  EXPECT_EQ(parse_duration("5 s"), std::nullopt);
  EXPECT_EQ(parse_duration("5S"), std::nullopt);
  EXPECT_EQ(parse_duration("5d"), std::nullopt);
  EXPECT_EQ(parse_duration("s"), std::nullopt);
  EXPECT_EQ(parse_duration(""), std::nullopt);
}

TEST(ConfigParseDuration, RefusesSignsMalformedFractionsAndOverflow) {
  EXPECT_EQ(parse_duration("-5s"), std::nullopt);
  EXPECT_EQ(parse_duration("+5s"), std::nullopt);
  EXPECT_EQ(parse_duration(".5s"), std::nullopt);
  EXPECT_EQ(parse_duration("5.s"), std::nullopt);
  EXPECT_EQ(parse_duration("1.2.3s"), std::nullopt);
  EXPECT_EQ(parse_duration("99999999999999999999h"), std::nullopt);
  EXPECT_EQ(parse_duration("9999999999999h"), std::nullopt);
}

TEST(ConfigParseSize, AcceptsBytesAndBinaryAndDecimalUnits) {
  EXPECT_EQ(parse_size("512"), 512u);
  EXPECT_EQ(parse_size("512B"), 512u);
  EXPECT_EQ(parse_size("10KB"), 10'000u);
  EXPECT_EQ(parse_size("3MB"), 3'000'000u);
  EXPECT_EQ(parse_size("2GB"), 2'000'000'000u);
  EXPECT_EQ(parse_size("16KiB"), 16u * 1024);
  EXPECT_EQ(parse_size("4MiB"), 4u << 20);
  EXPECT_EQ(parse_size("1GiB"), 1ull << 30);
  EXPECT_EQ(parse_size("0"), 0u);
}

TEST(ConfigParseSize, UnitsAreCaseInsensitive) {
  EXPECT_EQ(parse_size("16kib"), 16u * 1024);
  EXPECT_EQ(parse_size("10kb"), 10'000u);
}

TEST(ConfigParseSize, RefusesGarbage) {
  EXPECT_EQ(parse_size(""), std::nullopt);
  EXPECT_EQ(parse_size("KiB"), std::nullopt);
  EXPECT_EQ(parse_size("-1"), std::nullopt);
  EXPECT_EQ(parse_size("1.5MiB"), std::nullopt);
  EXPECT_EQ(parse_size("16 KiB"), std::nullopt);
  EXPECT_EQ(parse_size("16TB"), std::nullopt);
  EXPECT_EQ(parse_size("lots"), std::nullopt);
  EXPECT_EQ(parse_size("99999999999999999999"), std::nullopt);
  EXPECT_EQ(parse_size("99999999999GiB"), std::nullopt);
}

}  // namespace
}  // namespace apigw::config
