#include "http/body_framing.h"

#include <gtest/gtest.h>

namespace apigw::http {
namespace {

TEST(BodyFramer, ContentLengthStopsAtTheLength) {
  BodyFramer framer(BodyFraming::content_length, 5);
  std::string payload;
  EXPECT_EQ(framer.next("abc", &payload).consumed, 3u);
  EXPECT_FALSE(framer.done());
  EXPECT_EQ(framer.next("deNEXT", &payload).consumed, 2u) << "the next message is not ours";
  EXPECT_TRUE(framer.done());
  EXPECT_EQ(payload, "abcde");
}

TEST(BodyFramer, ChunkedGivesFramedBytesAndThePayload) {
  BodyFramer framer(BodyFraming::chunked, 0);
  std::string payload;
  const std::string_view wire = "3\r\nabc\r\n0\r\n\r\nNEXT";
  EXPECT_EQ(framer.next(wire, &payload).consumed, wire.size() - 4);
  EXPECT_TRUE(framer.done());
  EXPECT_EQ(payload, "abc");
  BodyFramer broken(BodyFraming::chunked, 0);
  EXPECT_TRUE(broken.next("zz\r\n").error);
}

TEST(BodyFramer, UntilCloseTakesEverythingAndNoneNothing) {
  BodyFramer until_close(BodyFraming::until_close, 0);
  EXPECT_EQ(until_close.next("abc").consumed, 3u);
  EXPECT_FALSE(until_close.done());
  BodyFramer none(BodyFraming::none, 0);
  EXPECT_EQ(none.next("abc").consumed, 0u);
  EXPECT_TRUE(none.done());
}

}  // namespace
}  // namespace apigw::http
