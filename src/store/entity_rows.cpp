#include "store/entity_rows.h"

#include <boost/json.hpp>
#include <map>

namespace apigw::store {
namespace json = boost::json;

std::string kind_column(config::EntityKind kind) {
  return std::string(config::info_of(kind).collection);
}

std::optional<config::EntityKind> kind_from_column(std::string_view text) {
  if (const auto* info = config::find_kind(text)) return info->kind;
  return std::nullopt;
}

std::string tags_to_json(const std::vector<std::string>& tags) {
  json::array array;
  for (const auto& tag : tags) array.emplace_back(tag);
  return json::serialize(array);
}

std::vector<std::string> tags_from_json(std::string_view text) {
  std::vector<std::string> tags;
  std::error_code error;
  const json::value value = json::parse(text, error);
  if (error || !value.is_array()) return tags;
  for (const auto& tag : value.get_array()) {
    if (tag.is_string()) tags.emplace_back(tag.get_string());
  }
  return tags;
}

RowChanges diff_rows(const std::vector<config::Entity>& before,
                     const std::vector<config::Entity>& after) {
  using Key = std::pair<config::EntityKind, std::string_view>;
  std::map<Key, const config::Entity*> old_rows;
  for (const auto& entity : before) old_rows.emplace(Key{entity.kind, entity.id}, &entity);
  RowChanges changes;
  std::map<Key, bool> kept;
  for (const auto& entity : after) {
    const Key key{entity.kind, entity.id};
    const auto found = old_rows.find(key);
    kept.emplace(key, true);
    if (found == old_rows.end()) {
      changes.inserts.push_back(&entity);
    } else if (!found->second->same_content(entity) || found->second->version != entity.version) {
      changes.updates.push_back(&entity);
    }
  }
  for (const auto& entity : before) {
    if (!kept.contains(Key{entity.kind, entity.id})) changes.deletes.push_back(&entity);
  }
  return changes;
}

}  // namespace apigw::store
