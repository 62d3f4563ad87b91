#include "store/state_cache_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/state_cache.h"

namespace apigw::store {
namespace {

std::string temp_dir() {
  char pattern[] = "/tmp/apigw-cache-writer-XXXXXX";
  EXPECT_NE(::mkdtemp(pattern), nullptr);
  return pattern;
}

StoredState state_at(std::int64_t revision) {
  StoredState state;
  state.revision = revision;
  config::Entity entity;
  entity.kind = config::EntityKind::consumer;
  entity.id = "id-" + std::to_string(revision);
  entity.name = "c" + std::to_string(revision);
  entity.body = "{}";
  state.entities.push_back(entity);
  return state;
}

TEST(StateCacheWriter, TheNewestStateGivenIsOnDiskAfterFlush) {
  const std::string dir = temp_dir();
  const std::string path = dir + "/cache.json";
  {
    StateCacheWriter writer(path);
    for (std::int64_t revision = 1; revision <= 50; ++revision) writer.write(state_at(revision));
    writer.flush();
    std::string error;
    const auto cached = read_state_cache(path, error);
    ASSERT_TRUE(cached) << error;
    EXPECT_EQ(cached->revision, 50);  // never an older one written after a newer
    ASSERT_EQ(cached->entities.size(), 1u);
    EXPECT_EQ(cached->entities[0].name, "c50");
    writer.write(state_at(51));
  }  // the destructor writes what is waiting
  std::string error;
  const auto cached = read_state_cache(path, error);
  ASSERT_TRUE(cached) << error;
  EXPECT_EQ(cached->revision, 51);
  std::filesystem::remove_all(dir);
}

TEST(StateCacheWriter, AFileThatCannotBeWrittenIsLoggedAndTheNextWriteStillLands) {
  const std::string dir = temp_dir();
  const std::string path = dir + "/not-yet/cache.json";
  StateCacheWriter writer(path);
  writer.write(state_at(1));
  writer.flush();  // returns: the failure is a warning, not a hang or a crash
  EXPECT_FALSE(std::filesystem::exists(dir + "/not-yet"));
  // The writer's thread survived the failure: once the directory exists, a write lands.
  std::filesystem::create_directory(dir + "/not-yet");
  writer.write(state_at(2));
  writer.flush();
  std::string error;
  const auto cached = read_state_cache(path, error);
  ASSERT_TRUE(cached) << error;
  EXPECT_EQ(cached->revision, 2);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace apigw::store
