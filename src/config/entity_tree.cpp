// Entities in and out of a config tree: the file's entity tables become Entities (file mode lists
// them, store mode seeds an empty store with them), and a store's Entities replace the file's
// tables before conversion, so every source goes through the one convert + validate path.
#include <toml++/toml.h>
#include <boost/json.hpp>

#include "config/detail.h"
#include "config/entity_document.h"
#include "util/uuid.h"

namespace apigw::config::detail {
namespace json = boost::json;

namespace {

void mark_tree(const toml::node& node, const std::string& entity, const std::string& field,
               LoadContext& ctx) {
  ctx.mark_origin(node, SourcePosition{entity, 0, 0, field});
  const auto child = [&](std::string_view key) {
    return field.empty() ? std::string(key) : field + "." + std::string(key);
  };
  if (const auto* table = node.as_table()) {
    for (const auto& [key, value] : *table) mark_tree(value, entity, child(key.str()), ctx);
  } else if (const auto* array = node.as_array()) {
    for (std::size_t i = 0; i < array->size(); ++i) {
      mark_tree(*array->get(i), entity, child(std::to_string(i)), ctx);
    }
  }
}

}  // namespace

std::vector<Entity> entities_of_tree(const toml::table& root) {
  std::vector<Entity> entities;
  for (const auto& info : entity_kinds()) {
    const auto* array = root.get_as<toml::array>(info.collection);
    if (array == nullptr) continue;
    for (const auto& element : *array) {
      const auto* table = element.as_table();
      if (table == nullptr) continue;
      const json::object document = toml_to_json_object(*table);
      Entity entity;
      std::vector<FieldError> errors;
      if (!entity_from_json(info.kind, document, entity, errors)) continue;
      if (!document.contains("id")) {
        entity.id = util::name_uuid(std::string(info.collection) + "/" + entity.name);
      }
      entities.push_back(std::move(entity));
    }
  }
  return entities;
}

void replace_entities(toml::table& root, const std::vector<Entity>& entities, LoadContext& ctx) {
  for (const auto& info : entity_kinds()) {
    root.erase(info.collection);
    toml::array array;
    for (const auto& entity : entities) {
      if (entity.kind != info.kind) continue;
      toml::table table;
      std::vector<FieldError> errors;
      entity_to_toml(entity, table, errors);
      const std::string label = std::string(info.collection) + "/" + entity.name;
      for (auto& error : errors) {
        ctx.error(SourcePosition{label, 0, 0, error.field}, std::move(error.message));
      }
      array.push_back(std::move(table));
    }
    if (array.empty()) continue;
    root.insert_or_assign(info.collection, std::move(array));
  }
  // Node addresses are final only once the tree is built.
  for (const auto& info : entity_kinds()) {
    const auto* array = root.get_as<toml::array>(info.collection);
    if (array == nullptr) continue;
    // The collection itself: a node of the file's that held it was erased, and its address may
    // have been reused by this one (a YAML file's positions are kept by address).
    ctx.mark_origin(*array, SourcePosition{std::string(info.collection), 0, 0, {}});
    for (const auto& element : *array) {
      const auto* name = element.as_table()->get_as<std::string>("name");
      mark_tree(element, std::string(info.collection) + "/" + name->get(), "", ctx);
    }
  }
}

}  // namespace apigw::config::detail
