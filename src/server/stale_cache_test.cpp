#include "server/stale_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace apigw::server {
namespace {

StaleCache::Entry entry(std::string body) { return {"text/plain", std::move(body), Clock::now()}; }

TEST(StaleCache, KeepsTheLastResponsePerKey) {
  StaleCache cache;
  EXPECT_EQ(cache.find("GET /a"), nullptr);
  cache.store("GET /a", entry("first"));
  cache.store("GET /a", entry("second"));
  ASSERT_NE(cache.find("GET /a"), nullptr);
  EXPECT_EQ(cache.find("GET /a")->body, "second");
  EXPECT_EQ(cache.find("GET /a")->content_type, "text/plain");
}

TEST(StaleCache, TheOldestStoredEntryGoesFirstWhenFull) {
  StaleCache cache;
  for (std::size_t i = 0; i < StaleCache::kMaxEntries; ++i) {
    cache.store("k" + std::to_string(i), entry("x"));
  }
  // Storing k0 again makes it the newest: k1 is now the oldest.
  cache.store("k0", entry("again"));
  cache.store("new", entry("y"));
  EXPECT_EQ(cache.find("k1"), nullptr) << "the oldest entry was evicted";
  ASSERT_NE(cache.find("k0"), nullptr);
  EXPECT_EQ(cache.find("k0")->body, "again");
  EXPECT_NE(cache.find("k2"), nullptr);
  EXPECT_NE(cache.find("new"), nullptr);
}

TEST(StaleCache, ByteBudgetEvictsOldEntriesAndRefusesOversizedOnes) {
  StaleCache cache;
  const std::size_t third = StaleCache::kMaxBytes / 3;
  cache.store("a", entry(std::string(third, 'a')));
  cache.store("b", entry(std::string(third, 'b')));
  cache.store("c", entry(std::string(third, 'c')));
  cache.store("d", entry(std::string(third, 'd')));  // over budget: "a" must go
  EXPECT_EQ(cache.find("a"), nullptr);
  EXPECT_NE(cache.find("b"), nullptr);
  EXPECT_NE(cache.find("d"), nullptr);
  cache.store("huge", entry(std::string(StaleCache::kMaxBytes + 1, 'h')));
  EXPECT_EQ(cache.find("huge"), nullptr) << "a body over the whole budget is not kept";
  EXPECT_NE(cache.find("b"), nullptr) << "and evicts nothing";
}

}  // namespace
}  // namespace apigw::server
