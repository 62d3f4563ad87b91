#include "store/entity_rows.h"

#include <algorithm>
#include <boost/json.hpp>
#include <optional>
#include <unordered_map>

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
  if (text == "[]") return tags;  // most entities: no parse for them
  std::error_code error;
  const json::value value = json::parse(text, error);
  if (error || !value.is_array()) return tags;
  for (const auto& tag : value.get_array()) {
    if (tag.is_string()) tags.emplace_back(tag.get_string());
  }
  return tags;
}

namespace {

bool same_key(const config::Entity& a, const config::Entity& b) {
  return a.kind == b.kind && a.id == b.id;
}

bool contains_key(const std::vector<config::Entity>& entities, const config::Entity& entity) {
  return std::any_of(entities.begin(), entities.end(),
                     [&](const config::Entity& other) { return same_key(other, entity); });
}

// The shape of one admin write: `after` is `before` with entities changed in place, at most one
// taken out, and new ones at the end. A walk in step finds it without building any map; nullopt
// for any other shape.
std::optional<RowChanges> diff_in_step(const std::vector<config::Entity>& before,
                                       const std::vector<config::Entity>& after) {
  RowChanges changes;
  std::size_t i = 0, j = 0;
  while (i < before.size()) {
    if (j < after.size() && same_key(before[i], after[j])) {
      if (!before[i].same_content(after[j]) || before[i].version != after[j].version) {
        changes.updates.push_back(&after[j]);
      }
      ++i;
      ++j;
    } else if (changes.deletes.empty()) {
      changes.deletes.push_back(&before[i++]);
    } else {
      return std::nullopt;
    }
  }
  // What looks taken out or new must really be: not moved elsewhere in the list.
  if (!changes.deletes.empty() && contains_key(after, *changes.deletes.front())) {
    return std::nullopt;
  }
  for (; j < after.size(); ++j) {
    if (contains_key(before, after[j])) return std::nullopt;
    changes.inserts.push_back(&after[j]);
  }
  return changes;
}

}  // namespace

RowChanges diff_rows(const std::vector<config::Entity>& before,
                     const std::vector<config::Entity>& after) {
  if (auto changes = diff_in_step(before, after)) return std::move(*changes);
  // Hashed, not ordered: at 10,000 entities an ordered map's id compares were most of a write's
  // cost. A kind is a small number, so it prefixes the id in the key.
  const auto key_of = [](const config::Entity& entity) {
    std::string key(1, static_cast<char>('0' + static_cast<int>(entity.kind)));
    return key += entity.id;
  };
  std::unordered_map<std::string, const config::Entity*> old_rows;
  old_rows.reserve(before.size());
  for (const auto& entity : before) old_rows.emplace(key_of(entity), &entity);
  RowChanges changes;
  for (const auto& entity : after) {
    const auto found = old_rows.find(key_of(entity));
    if (found == old_rows.end()) {
      changes.inserts.push_back(&entity);
      continue;
    }
    if (!found->second->same_content(entity) || found->second->version != entity.version) {
      changes.updates.push_back(&entity);
    }
    found->second = nullptr;  // kept
  }
  for (const auto& entity : before) {
    const auto found = old_rows.find(key_of(entity));
    if (found != old_rows.end() && found->second != nullptr) changes.deletes.push_back(&entity);
  }
  return changes;
}

}  // namespace apigw::store
