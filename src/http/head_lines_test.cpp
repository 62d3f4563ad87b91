// The word-at-a-time field value check against the byte-by-byte rule (RFC 9110 §5.5: HTAB, SP,
// VCHAR, obs-text), for every length around the word size and every position of a byte.
#include "http/head_lines.h"

#include <gtest/gtest.h>

#include <string>

namespace apigw::http::detail {
namespace {

bool allowed_by_the_rule(std::string_view value) {
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == '\t') continue;
    if (byte < 0x20 || byte == 0x7f) return false;
  }
  return true;
}

TEST(FieldValue, EveryByteAtEveryPositionOfShortAndLongValues) {
  for (std::size_t size = 0; size <= 20; ++size) {
    EXPECT_TRUE(is_field_value(std::string(size, 'a'))) << size;
    for (std::size_t at = 0; at < size; ++at) {
      for (int byte = 0; byte < 256; ++byte) {
        std::string value(size, 'v');
        value[at] = static_cast<char>(byte);
        ASSERT_EQ(is_field_value(value), allowed_by_the_rule(value))
            << "size " << size << ", byte " << byte << " at " << at;
      }
    }
  }
}

TEST(FieldValue, TabsAndObsTextPassAndTheScanGoesOnAfterThem) {
  EXPECT_TRUE(is_field_value("a\tb\tc\td\te\tf\tg\th\ti"));
  EXPECT_TRUE(is_field_value("caf\xc3\xa9 au lait, s'il vous pla\xc3\xaet"));
  EXPECT_FALSE(is_field_value("a\tb c d e f g h i j\r"));
  EXPECT_FALSE(is_field_value("\tabcdefghijklmnop\n"));
}

}  // namespace
}  // namespace apigw::http::detail
