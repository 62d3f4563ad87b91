#include "h2/stream_history.h"

#include <gtest/gtest.h>

namespace apigw::h2 {
namespace {

using Past = StreamHistory::Past;

TEST(H2StreamHistory, TellsSkippedIdsFromOpenedAndFinishedOnes) {
  StreamHistory history;
  history.on_headers(1);
  history.on_headers(5);  // 3 skipped
  history.on_client_end(1);
  EXPECT_EQ(history.highest(), 5);
  EXPECT_EQ(history.past(1), Past::client_closed);
  EXPECT_EQ(history.past(3), Past::never_opened);
  EXPECT_EQ(history.past(5), Past::open);
  EXPECT_EQ(history.past(7), Past::unknown) << "above the highest: idle";
  EXPECT_EQ(history.past(2), Past::unknown) << "server ids are not the client's";
  history.on_headers(3);  // a lower id: nothing changes (the session refuses it)
  EXPECT_EQ(history.past(3), Past::never_opened);
}

TEST(H2StreamHistory, ForgetsIdsOlderThanTheWindow) {
  StreamHistory history;
  history.on_headers(1);
  history.on_client_end(1);
  const auto window = static_cast<std::int32_t>(StreamHistory::kWindow);
  std::int32_t id = 1;
  for (int i = 1; i < window; ++i) history.on_headers(id += 2);
  EXPECT_EQ(history.past(1), Past::client_closed) << "still the window's oldest id";
  history.on_headers(id += 2);
  EXPECT_EQ(history.past(1), Past::unknown);
  // The slot id 1 used now belongs to the newest id, which starts clean.
  EXPECT_EQ(history.past(id), Past::open);
}

TEST(H2StreamHistory, AJumpFarAheadClearsEverySlot) {
  StreamHistory history;
  for (std::int32_t id = 1; id < 200; id += 2) {
    history.on_headers(id);
    history.on_client_end(id);
  }
  history.on_headers(0x7fffffff);  // the highest id there is: no overflow on the way
  EXPECT_EQ(history.past(0x7fffffff), Past::open);
  EXPECT_EQ(history.past(0x7fffffff - 2), Past::never_opened);
  EXPECT_EQ(history.past(199), Past::unknown);
}

}  // namespace
}  // namespace apigw::h2
