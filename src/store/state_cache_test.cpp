#include "store/state_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace apigw::store {
namespace {

TEST(StateCache, RoundTripsAndIgnoresADamagedFile) {
  char pattern[] = "/tmp/apigw-cache-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  const std::string path = dir + "/cache.json";
  StoredState state;
  state.revision = 7;
  config::Entity entity;
  entity.kind = config::EntityKind::credential;
  entity.id = "00000000-0000-4000-8000-000000000001";
  entity.name = "k";
  entity.tags = {"a", "b"};
  entity.version = 3;
  entity.created_at = 10;
  entity.updated_at = 20;
  entity.body = R"({"consumer":"c","key_hash":"sha256:00"})";
  state.entities.push_back(entity);
  write_state_cache(path, state);

  std::string error;
  const auto read = read_state_cache(path, error);
  ASSERT_TRUE(read) << error;
  EXPECT_EQ(read->revision, 7);
  ASSERT_EQ(read->entities.size(), 1u);
  EXPECT_TRUE(read->entities[0].same_content(entity));
  EXPECT_EQ(read->entities[0].version, 3);
  EXPECT_EQ(read->entities[0].updated_at, 20);

  std::ofstream(path) << "{\"revision\":";  // torn by something other than apigw
  EXPECT_FALSE(read_state_cache(path, error));
  EXPECT_NE(error.find("damaged"), std::string::npos) << error;
  EXPECT_FALSE(read_state_cache(dir + "/none.json", error));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace apigw::store
