#include "store/state_cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "store/entity_rows.h"

namespace apigw::store {
namespace json = boost::json;

void write_state_cache(const std::string& path, std::int64_t revision,
                       const std::vector<config::Entity>& stored) {
  json::array entities;
  entities.reserve(stored.size());
  for (const auto& entity : stored) {
    json::object row;
    row["kind"] = kind_column(entity.kind);
    row["id"] = entity.id;
    row["name"] = entity.name;
    row["tags"] = json::parse(tags_to_json(entity.tags));
    row["version"] = entity.version;
    row["created_at"] = entity.created_at;
    row["updated_at"] = entity.updated_at;
    row["body"] = entity.body;
    entities.push_back(std::move(row));
  }
  json::object root;
  root["format"] = 1;
  root["revision"] = revision;
  root["entities"] = std::move(entities);
  const std::string text = json::serialize(root);

  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw StoreError("cannot write " + temporary + ": " + std::strerror(errno));
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      ::close(fd);
      throw StoreError("cannot write " + temporary + ": " + std::strerror(error));
    }
    written += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || std::rename(temporary.c_str(), path.c_str()) != 0) {
    throw StoreError("cannot replace " + path + ": " + std::strerror(errno));
  }
}

std::optional<StoredState> read_state_cache(const std::string& path, std::string& error) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    error = "no cache at " + path;
    return std::nullopt;
  }
  std::stringstream text;
  text << file.rdbuf();
  std::error_code parse_error;
  const json::value root = json::parse(text.str(), parse_error);
  if (parse_error || !root.is_object()) {
    error = "cache " + path + " is damaged";
    return std::nullopt;
  }
  try {
    StoredState state;
    state.revision = root.at("revision").to_number<std::int64_t>();
    for (const auto& value : root.at("entities").as_array()) {
      const json::object& row = value.as_object();
      const auto kind = kind_from_column(row.at("kind").as_string());
      if (!kind) continue;
      config::Entity entity;
      entity.kind = *kind;
      entity.id = row.at("id").as_string();
      entity.name = row.at("name").as_string();
      entity.tags = tags_from_json(json::serialize(row.at("tags")));
      entity.version = row.at("version").to_number<std::int64_t>();
      entity.created_at = row.at("created_at").to_number<std::int64_t>();
      entity.updated_at = row.at("updated_at").to_number<std::int64_t>();
      entity.body = row.at("body").as_string();
      state.entities.push_back(std::move(entity));
    }
    return state;
  } catch (const std::exception& failure) {
    error = "cache " + path + " is damaged: " + failure.what();
    return std::nullopt;
  }
}

}  // namespace apigw::store
