#include "store/mutation.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace apigw::store {
namespace {
namespace json = boost::json;
using config::EntityKind;

Mutation make(Mutation::Op op, std::string key, std::string_view document) {
  Mutation mutation;
  mutation.op = op;
  mutation.kind = EntityKind::consumer;
  mutation.key = std::move(key);
  if (!document.empty()) mutation.document = json::parse(document).as_object();
  return mutation;
}

TEST(Mutation, CreateSetsIdVersionAndTimestamps) {
  const auto result = apply_mutation({}, make(Mutation::Op::create, "", R"({"name":"a"})"), 1000);
  ASSERT_EQ(result.status, 201);
  ASSERT_EQ(result.entities.size(), 1u);
  EXPECT_EQ(result.entity.version, 1);
  EXPECT_EQ(result.entity.created_at, 1000);
  EXPECT_EQ(result.entity.id.size(), 36u);
  EXPECT_EQ(result.entity.body, "{}");
}

TEST(Mutation, NameAndIdClashesAre409) {
  auto first = apply_mutation({}, make(Mutation::Op::create, "", R"({"name":"a"})"), 1);
  auto clash = apply_mutation(first.entities, make(Mutation::Op::create, "", R"({"name":"a"})"), 2);
  EXPECT_EQ(clash.status, 409);
  EXPECT_EQ(clash.code, "name_conflict");
  clash = apply_mutation(
      first.entities,
      make(Mutation::Op::create, "", R"({"name":"b","id":")" + first.entity.id + "\"}"), 2);
  EXPECT_EQ(clash.code, "id_conflict");
}

TEST(Mutation, PatchMergesAndBumpsTheVersion) {
  auto created = apply_mutation(
      {}, make(Mutation::Op::create, "", R"({"name":"a","custom_id":"1","tags":["x"]})"), 1);
  auto patched = apply_mutation(
      created.entities, make(Mutation::Op::patch, "a", R"({"custom_id":null,"tags":["y"]})"), 5);
  ASSERT_EQ(patched.status, 200);
  EXPECT_EQ(patched.entity.version, 2);
  EXPECT_EQ(patched.entity.created_at, 1);
  EXPECT_EQ(patched.entity.updated_at, 5);
  EXPECT_EQ(patched.entity.body, "{}");
  EXPECT_EQ(patched.entity.tags, std::vector<std::string>{"y"});
  EXPECT_EQ(patched.entities.size(), 1u);
}

TEST(Mutation, StaleVersionIs412AndUnknownKeyIs404) {
  auto created = apply_mutation({}, make(Mutation::Op::create, "", R"({"name":"a"})"), 1);
  auto stale = make(Mutation::Op::remove, "a", "");
  stale.expected_version = 7;
  EXPECT_EQ(apply_mutation(created.entities, stale, 2).status, 412);
  EXPECT_EQ(apply_mutation(created.entities, make(Mutation::Op::remove, "b", ""), 2).status, 404);
  auto current = make(Mutation::Op::remove, created.entity.id, "");
  current.expected_version = 1;
  const auto removed = apply_mutation(created.entities, current, 2);
  EXPECT_EQ(removed.status, 200);
  EXPECT_TRUE(removed.entities.empty());
}

TEST(Mutation, UpsertCreatesUnderTheKeyOrReplaces) {
  auto created = apply_mutation({}, make(Mutation::Op::upsert, "a", R"({"custom_id":"1"})"), 1);
  ASSERT_EQ(created.status, 201);
  EXPECT_EQ(created.entity.name, "a");
  auto replaced = apply_mutation(created.entities, make(Mutation::Op::upsert, "a", R"({})"), 2);
  EXPECT_EQ(replaced.status, 200);
  EXPECT_EQ(replaced.entity.id, created.entity.id);
  EXPECT_EQ(replaced.entity.body, "{}");
  const auto moved = apply_mutation(
      created.entities,
      make(Mutation::Op::upsert, "a", R"({"id":"00000000-0000-4000-8000-000000000000"})"), 3);
  EXPECT_EQ(moved.status, 400) << "an id cannot change";
}

}  // namespace
}  // namespace apigw::store
