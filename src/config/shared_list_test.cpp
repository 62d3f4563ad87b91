#include "config/shared_list.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace apigw::config {
namespace {

struct Item {
  std::string name;
  int value = 0;
};

SharedList<Item> three() { return SharedList<Item>(std::vector<Item>{{"a", 1}, {"b", 2}, {"c", 3}}); }

TEST(SharedList, ACopySharesTheEntitiesAndAWriteToOneLeavesTheOther) {
  const SharedList<Item> served = three();
  SharedList<Item> next = served;
  EXPECT_EQ(&next[1], &served[1]);  // shared, not copied

  next.replace(1, std::make_shared<const Item>(Item{"b", 20}));
  next.push_back(Item{"d", 4});
  next.erase(0);
  ASSERT_EQ(next.size(), 3u);
  EXPECT_EQ(next[0].value, 20);
  EXPECT_EQ(next[2].name, "d");
  EXPECT_EQ(&next[1], &served[2]);  // the untouched one is still the same entity
  ASSERT_EQ(served.size(), 3u);
  EXPECT_EQ(served[1].value, 2);
  EXPECT_EQ(served[0].name, "a");
}

TEST(SharedList, ReadsLikeAVector) {
  const SharedList<Item> list = three();
  std::vector<std::string> names;
  for (const Item& item : list) names.push_back(item.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c"}));
  const auto found = std::find_if(list.begin(), list.end(), [](const Item& i) { return i.value == 2; });
  ASSERT_NE(found, list.end());
  EXPECT_EQ(found - list.begin(), 1);
  EXPECT_EQ(found->name, "b");
  EXPECT_EQ(list.end() - list.begin(), 3);
  EXPECT_EQ(list.back().name, "c");
  EXPECT_TRUE(SharedList<Item>().empty());
}

}  // namespace
}  // namespace apigw::config
