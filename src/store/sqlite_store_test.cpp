#include "store/sqlite_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace apigw::store {
namespace {

config::Entity entity(config::EntityKind kind, std::string name, std::string body = "{}") {
  config::Entity e;
  e.kind = kind;
  e.id = "00000000-0000-4000-8000-" + std::string(12 - name.size(), '0') + name;
  e.name = std::move(name);
  e.body = std::move(body);
  return e;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/apigw-sqlite-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path() const { return dir_ + "/apigw.db"; }

  // Replaces the entity set (diffed) and returns the state after the write.
  static StoredState set(SqliteStore& store, std::vector<config::Entity> entities) {
    return store.write_now([&](const StoredState&) {
      Change change;
      change.commit = true;
      change.entities = entities;
      return change;
    });
  }

  std::string dir_;
};

std::vector<std::string> names(const StoredState& state) {
  std::vector<std::string> out;
  for (const auto& e : state.entities) out.push_back(e.name);
  return out;
}

TEST_F(SqliteStoreTest, KeepsCreationOrderAcrossUpdatesAndCountsRevisions) {
  SqliteStore store(path());
  store.open_now();
  EXPECT_EQ(store.load_now().revision, 0);
  const auto a = entity(config::EntityKind::route, "a");
  const auto b = entity(config::EntityKind::route, "b");
  const auto c = entity(config::EntityKind::route, "c");
  set(store, {a, b});
  auto state = set(store, {a, b, c});
  EXPECT_EQ(state.revision, 2);
  // Updating the first keeps it first: route precedence ties are broken by this order.
  auto changed = a;
  changed.body = R"({"upstream":"u"})";
  changed.version = 2;
  state = set(store, {changed, b, c});
  EXPECT_EQ(names(state), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(state.entities[0].body, R"({"upstream":"u"})");
  EXPECT_EQ(state.entities[0].version, 2);
  // A delete, and a write that changes nothing (not committed, revision unchanged).
  state = set(store, {changed, c});
  EXPECT_EQ(names(state), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(state.revision, 4);
  EXPECT_EQ(set(store, {changed, c}).revision, 4);
}

TEST_F(SqliteStoreTest, ReplaceAllWritesTheGivenOrderAndReopeningMigratesNothing) {
  {
    SqliteStore store(path());
    store.open_now();
    set(store, {entity(config::EntityKind::route, "a"), entity(config::EntityKind::route, "b")});
    const auto state = store.write_now([](const StoredState&) {
      Change change;
      change.commit = true;
      change.replace_all = true;
      change.entities = {entity(config::EntityKind::route, "b"),
                         entity(config::EntityKind::consumer, "x"),
                         entity(config::EntityKind::route, "a")};
      return change;
    });
    EXPECT_EQ(names(state), (std::vector<std::string>{"b", "x", "a"}));
  }
  SqliteStore reopened(path());
  reopened.open_now();  // the schema exists: no migration runs again
  const auto state = reopened.load_now();
  EXPECT_EQ(state.revision, 2);
  EXPECT_EQ(names(state), (std::vector<std::string>{"b", "x", "a"}));
}

TEST_F(SqliteStoreTest, AUniqueNameIsEnforcedByTheSchemaToo) {
  SqliteStore store(path());
  store.open_now();
  auto first = entity(config::EntityKind::route, "a");
  auto second = entity(config::EntityKind::route, "b");
  second.name = "a";  // another id, the same name
  EXPECT_THROW(set(store, {first, second}), StoreError);
  EXPECT_EQ(store.load_now().revision, 0) << "the failed write was rolled back";
}

TEST_F(SqliteStoreTest, AnUnopenableFileIsAStoreError) {
  SqliteStore store(dir_ + "/missing-directory/apigw.db");
  EXPECT_THROW(store.open_now(), StoreError);
}

}  // namespace
}  // namespace apigw::store
