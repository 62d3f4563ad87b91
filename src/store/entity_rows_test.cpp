#include "store/entity_rows.h"

#include <gtest/gtest.h>

namespace apigw::store {
namespace {

config::Entity entity(std::string id, std::string body = "{}") {
  config::Entity e;
  e.kind = config::EntityKind::route;
  e.id = std::move(id);
  e.name = "n" + e.id;
  e.body = std::move(body);
  return e;
}

std::vector<std::string> ids(const std::vector<const config::Entity*>& rows) {
  std::vector<std::string> out;
  for (const auto* row : rows) out.push_back(row->id);
  return out;
}

TEST(DiffRows, OneWriteInPlaceAndAppended) {
  const std::vector<config::Entity> before = {entity("a"), entity("b"), entity("c")};
  std::vector<config::Entity> after = {entity("a"), entity("b", "{\"x\":1}"), entity("c"),
                                       entity("d")};
  const RowChanges changes = diff_rows(before, after);
  EXPECT_EQ(ids(changes.updates), std::vector<std::string>{"b"});
  EXPECT_EQ(ids(changes.inserts), std::vector<std::string>{"d"});
  EXPECT_TRUE(changes.deletes.empty());
}

TEST(DiffRows, OneDeleteAnywhere) {
  const std::vector<config::Entity> before = {entity("a"), entity("b"), entity("c")};
  EXPECT_EQ(ids(diff_rows(before, {entity("a"), entity("c")}).deletes),
            std::vector<std::string>{"b"});  // deletes point into `before`, which outlives them
  EXPECT_EQ(ids(diff_rows(before, {entity("a"), entity("b")}).deletes),
            std::vector<std::string>{"c"});
  EXPECT_TRUE(diff_rows(before, before).empty());
}

TEST(DiffRows, MovedAndManyDeletedEntitiesAreMatchedByKey) {
  const std::vector<config::Entity> before = {entity("a"), entity("b"), entity("c"), entity("d")};
  // Reordered: nothing changed, nothing inserted or deleted.
  EXPECT_TRUE(diff_rows(before, {entity("b"), entity("a"), entity("c"), entity("d")}).empty());
  const std::vector<config::Entity> after = {entity("d"), entity("e")};
  const RowChanges changes = diff_rows(before, after);
  EXPECT_EQ(ids(changes.deletes), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(ids(changes.inserts), std::vector<std::string>{"e"});
}

}  // namespace
}  // namespace apigw::store
