#include "config/entity_document.h"

#include <toml++/toml.h>
#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "config/loader.h"
#include "config/toml_writer.h"
#include "config/yaml_writer.h"
#include "util/secret_hash.h"
#include "util/uuid.h"

namespace apigw::config {
namespace json = boost::json;

namespace {

constexpr EntityKindInfo kKinds[] = {
    {EntityKind::upstream, "upstreams", "upstream"},
    {EntityKind::route, "routes", "route"},
    {EntityKind::consumer, "consumers", "consumer"},
    {EntityKind::credential, "credentials", "credential"},
    {EntityKind::plugin, "plugins", "plugin"},
    {EntityKind::rate_limit, "rate_limits", "rate limit"},
};

std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

bool is_meta_key(std::string_view key) {
  return std::find(std::begin(kMetaKeys), std::end(kMetaKeys), key) != std::end(kMetaKeys);
}

// Scalars only; containers recurse through json_to_toml_table and json_to_toml_array.
template <typename Sink>
bool json_scalar_to_toml(const json::value& value, const std::string& path,
                         std::vector<FieldError>& errors, Sink&& insert) {
  switch (value.kind()) {
    case json::kind::bool_:
      insert(toml::value<bool>(value.get_bool()));
      return true;
    case json::kind::int64:
      insert(toml::value<std::int64_t>(value.get_int64()));
      return true;
    case json::kind::uint64:
      if (value.get_uint64() > static_cast<std::uint64_t>(INT64_MAX)) {
        errors.push_back({path, "number is too large"});
        return false;
      }
      insert(toml::value<std::int64_t>(static_cast<std::int64_t>(value.get_uint64())));
      return true;
    case json::kind::double_:
      insert(toml::value<double>(value.get_double()));
      return true;
    case json::kind::string:
      insert(toml::value<std::string>(std::string(value.get_string())));
      return true;
    default:
      errors.push_back({path, "null is not a value here; leave the field out instead"});
      return false;
  }
}

bool json_to_toml_array(const json::array& array, toml::array& out, std::vector<FieldError>& errors,
                        const std::string& path) {
  bool ok = true;
  std::size_t index = 0;
  for (const auto& element : array) {
    const std::string element_path = join(path, std::to_string(index++));
    if (element.is_object()) {
      toml::table table;
      ok &= json_to_toml_table(element.get_object(), table, errors, element_path);
      out.push_back(std::move(table));
    } else if (element.is_array()) {
      toml::array inner;
      ok &= json_to_toml_array(element.get_array(), inner, errors, element_path);
      out.push_back(std::move(inner));
    } else {
      ok &= json_scalar_to_toml(element, element_path, errors,
                                [&](auto&& node) { out.push_back(std::move(node)); });
    }
  }
  return ok;
}

json::value toml_to_json_value(const toml::node& node) {
  if (const auto* table = node.as_table()) return toml_to_json_object(*table);
  if (const auto* array = node.as_array()) {
    json::array out;
    for (const auto& element : *array) out.push_back(toml_to_json_value(element));
    return out;
  }
  if (const auto* text = node.as_string()) return json::string(text->get());
  if (const auto* integer = node.as_integer()) return integer->get();
  if (const auto* real = node.as_floating_point()) return real->get();
  if (const auto* flag = node.as_boolean()) return flag->get();
  // Dates and times: their TOML text.
  std::ostringstream text;
  node.visit([&](const auto& leaf) { text << leaf; });
  return json::string(text.str());
}

// Objects with their keys sorted, recursively: one document has one text whichever order its
// writer used (TOML tables have none), so an export re-imports to identical bodies.
json::value canonical(const json::value& value) {
  if (value.is_array()) {
    json::array out;
    for (const auto& element : value.get_array()) out.push_back(canonical(element));
    return out;
  }
  if (!value.is_object()) return value;
  std::vector<std::pair<std::string_view, const json::value*>> fields;
  for (const auto& [key, field] : value.get_object()) fields.emplace_back(key, &field);
  std::sort(fields.begin(), fields.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  json::object out;
  for (const auto& [key, field] : fields) out[key] = canonical(*field);
  return out;
}

// What a stored body must not hold, because its JSON text would not parse back:
// - a number beyond the range of a double ("1e999", which Boost.JSON reads as infinity; TOML's inf
//   and nan): none has a JSON spelling, and the body would serialize to "Infinity";
// - objects and arrays nested deeper than Boost.JSON parses by default (32 levels, the body's own
//   object being the first): TOML's dotted keys (a.b.c... = 1) nest that deep in a few bytes.
constexpr std::size_t kMaxBodyDepth = json::parse_options{}.max_depth;

void refuse_unstorable(const json::value& value, const std::string& path, std::size_t depth,
                       std::vector<FieldError>& errors) {
  if (value.is_double() && !std::isfinite(value.get_double())) {
    errors.push_back({path, "number is out of range"});
    return;
  }
  if (!value.is_array() && !value.is_object()) return;
  if (depth > kMaxBodyDepth) {
    errors.push_back({path, "nested deeper than " + std::to_string(kMaxBodyDepth) + " levels"});
    return;
  }
  if (value.is_array()) {
    std::size_t index = 0;
    for (const auto& element : value.get_array()) {
      refuse_unstorable(element, join(path, std::to_string(index++)), depth + 1, errors);
    }
  } else {
    for (const auto& [key, field] : value.get_object()) {
      refuse_unstorable(field, join(path, key), depth + 1, errors);
    }
  }
}

}  // namespace

std::span<const EntityKindInfo> entity_kinds() { return kKinds; }

const EntityKindInfo& info_of(EntityKind kind) { return kKinds[static_cast<std::size_t>(kind)]; }

const EntityKindInfo* find_kind(std::string_view collection) {
  for (const auto& info : kKinds) {
    if (info.collection == collection) return &info;
  }
  return nullptr;
}

bool json_to_toml_table(const json::object& object, toml::table& out,
                        std::vector<FieldError>& errors, const std::string& path) {
  bool ok = true;
  for (const auto& [key, value] : object) {
    const std::string name(key);
    const std::string field = join(path, name);
    if (value.is_object()) {
      toml::table table;
      ok &= json_to_toml_table(value.get_object(), table, errors, field);
      out.insert_or_assign(name, std::move(table));
    } else if (value.is_array()) {
      toml::array array;
      ok &= json_to_toml_array(value.get_array(), array, errors, field);
      out.insert_or_assign(name, std::move(array));
    } else {
      ok &= json_scalar_to_toml(value, field, errors,
                                [&](auto&& node) { out.insert_or_assign(name, std::move(node)); });
    }
  }
  return ok;
}

json::object toml_to_json_object(const toml::table& table) {
  json::object out;
  for (const auto& [key, value] : table) out[key.str()] = toml_to_json_value(value);
  return out;
}

void seal_secrets(EntityKind kind, json::object& body, std::vector<FieldError>& errors) {
  if (kind != EntityKind::credential) return;
  // Non-string secrets stay for the loader to report as type errors.
  if (const auto* key = body.if_contains("key"); key != nullptr && key->is_string()) {
    if (key->get_string().size() < 16) {
      errors.push_back({"key", "an API key must have at least 16 characters"});
    } else {
      body["key_hash"] = util::hash_api_key(key->get_string());
    }
    body.erase("key");
  }
  if (const auto* password = body.if_contains("password");
      password != nullptr && password->is_string()) {
    if (password->get_string().empty()) {
      errors.push_back({"password", "'password' must not be empty"});
    } else {
      body["password_hash"] = util::hash_password(password->get_string());
    }
    body.erase("password");
  }
}

bool entity_from_json(EntityKind kind, const json::object& document, Entity& out,
                      std::vector<FieldError>& errors) {
  const std::size_t errors_before = errors.size();
  out.kind = kind;
  json::object body;
  for (const auto& [key, value] : document) {
    if (!is_meta_key(key)) {
      body[key] = value;
      continue;
    }
    if (key == "id") {
      if (!value.is_string() || !util::is_uuid(value.get_string())) {
        errors.push_back({"id", "'id' must be a UUID string"});
      } else {
        out.id = value.get_string();
      }
    } else if (key == "name") {
      if (!value.is_string() || value.get_string().empty()) {
        errors.push_back({"name", "'name' must be a non-empty string"});
      } else {
        out.name = value.get_string();
      }
    } else if (key == "tags") {
      out.tags.clear();
      if (!value.is_array()) {
        errors.push_back({"tags", "'tags' must be an array of strings"});
        continue;
      }
      std::size_t index = 0;
      for (const auto& tag : value.get_array()) {
        if (!tag.is_string() || tag.get_string().empty() || tag.get_string().size() > 128) {
          errors.push_back({"tags." + std::to_string(index),
                            "each tag must be a string of 1 to 128 characters"});
        } else {
          out.tags.emplace_back(tag.get_string());
        }
        ++index;
      }
    }
    // version, created_at and updated_at are the store's to set.
  }
  if (out.name.empty() && !document.contains("name")) {
    errors.push_back({"name", "missing required key 'name'"});
  }
  if (out.id.empty()) out.id = util::random_uuid();
  // Lower-case ids so that one entity has one spelling.
  std::transform(out.id.begin(), out.id.end(), out.id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // The body is level 1; its fields' values start at level 2.
  for (const auto& [key, value] : body) refuse_unstorable(value, std::string(key), 2, errors);
  seal_secrets(kind, body, errors);
  out.body = json::serialize(canonical(body));
  return errors.size() == errors_before;
}

json::object entity_to_json(const Entity& entity) {
  json::object out;
  out["id"] = entity.id;
  out["name"] = entity.name;
  json::array tags;
  for (const auto& tag : entity.tags) tags.emplace_back(tag);
  out["tags"] = std::move(tags);
  out["version"] = entity.version;
  out["created_at"] = entity.created_at;
  out["updated_at"] = entity.updated_at;
  const json::value body = json::parse(entity.body);
  for (const auto& [key, value] : body.get_object()) out[key] = value;
  return out;
}

bool entity_to_toml(const Entity& entity, toml::table& out, std::vector<FieldError>& errors) {
  out.insert_or_assign("id", entity.id);
  out.insert_or_assign("name", entity.name);
  if (!entity.tags.empty()) {
    toml::array tags;
    for (const auto& tag : entity.tags) tags.push_back(tag);
    out.insert_or_assign("tags", std::move(tags));
  }
  std::error_code parse_error;
  const json::value body = json::parse(entity.body, parse_error);
  if (parse_error || !body.is_object()) {
    errors.push_back({"", "the stored document is not a JSON object"});
    return false;
  }
  return json_to_toml_table(body.get_object(), out, errors);
}

void merge_patch(json::object& target, const json::object& patch) {
  for (const auto& [key, value] : patch) {
    if (value.is_null()) {
      target.erase(key);
    } else if (value.is_object() && target.contains(key) && target.at(key).is_object()) {
      merge_patch(target.at(key).get_object(), value.get_object());
    } else {
      target[key] = value;
    }
  }
}

bool parse_entities_document(std::string_view text, bool is_toml, std::vector<Entity>& out,
                             std::vector<ConfigError>& errors) {
  const std::size_t errors_before = errors.size();
  json::object root;
  if (is_toml) {
    try {
      root = toml_to_json_object(toml::parse(text, std::string_view("import")));
    } catch (const toml::parse_error& error) {
      const auto& begin = error.source().begin;
      errors.push_back({{"import", begin.line, begin.column},
                        "TOML syntax error: " + std::string(error.description())});
      return false;
    }
  } else {
    std::error_code parse_error;
    json::value value = json::parse(text, parse_error);
    if (parse_error || !value.is_object()) {
      errors.push_back({{"import", 0, 0},
                        parse_error ? "invalid JSON: " + parse_error.message()
                                    : std::string("the document must be a JSON object")});
      return false;
    }
    root = std::move(value.get_object());
  }
  for (const auto& [key, value] : root) {
    if (find_kind(key) != nullptr || key == "revision") continue;
    errors.push_back({{"import", 0, 0, std::string(key)},
                      "'" + std::string(key) +
                          "' is not an entity collection (upstreams, routes, consumers, "
                          "credentials, plugins, rate_limits); server, admin and store "
                          "settings belong to the config file"});
  }
  // In kind order, whatever order the document has (TOML tables have none).
  for (const auto& kind : kKinds) {
    const EntityKindInfo* info = &kind;
    const json::value* found = root.if_contains(kind.collection);
    if (found == nullptr) continue;
    const json::value& value = *found;
    const std::string key(kind.collection);
    if (!value.is_array()) {
      errors.push_back({{"import", 0, 0, key}, "must be an array of tables"});
      continue;
    }
    std::size_t index = 0;
    for (const auto& element : value.get_array()) {
      std::string label = std::string(info->collection) + "." + std::to_string(index++);
      if (!element.is_object()) {
        errors.push_back({{label, 0, 0, ""}, "each element must be a table"});
        continue;
      }
      const json::object& document = element.get_object();
      if (const auto* name = document.if_contains("name"); name != nullptr && name->is_string()) {
        label = std::string(info->collection) + "/" + std::string(name->get_string());
      }
      Entity entity;
      std::vector<FieldError> field_errors;
      if (!entity_from_json(info->kind, document, entity, field_errors)) {
        for (auto& error : field_errors) {
          errors.push_back({{label, 0, 0, error.field}, std::move(error.message)});
        }
        continue;
      }
      if (!document.contains("id")) {
        entity.id = util::name_uuid(std::string(info->collection) + "/" + entity.name);
      }
      out.push_back(std::move(entity));
    }
  }
  return errors.size() == errors_before;
}

bool has_file_sections(std::string_view text, bool yaml) {
  toml::table root;
  NodePositions positions;
  std::vector<ConfigError> errors;
  if (!parse_config_document(text, yaml ? "request.yaml" : "request", root, positions, errors)) {
    return false;
  }
  return root.contains("server") || root.contains("admin") || root.contains("store") ||
         root.contains("redis") || root.contains("tracing");
}

std::string export_toml(const std::vector<Entity>& entities) {
  std::ostringstream out;
  out << "# apigw entities export: `apigw check` accepts it; POST /admin/config/import restores "
         "it.\n";
  for (const auto& info : kKinds) {
    for (const auto& entity : entities) {
      if (entity.kind != info.kind) continue;
      toml::table table;
      std::vector<FieldError> ignored;  // what an export shows was validated when it was written
      entity_to_toml(entity, table, ignored);
      toml::array array;
      array.push_back(std::move(table));
      toml::table root;
      root.insert_or_assign(info.collection, std::move(array));
      out << "\n";
      write_toml(out, root);
      out << "\n";
    }
  }
  return out.str();
}

std::string export_yaml(const std::vector<Entity>& entities) {
  toml::table root;
  for (const auto& info : kKinds) {
    toml::array array;
    for (const auto& entity : entities) {
      if (entity.kind != info.kind) continue;
      toml::table table;
      std::vector<FieldError> ignored;  // what an export shows was validated when it was written
      entity_to_toml(entity, table, ignored);
      array.push_back(std::move(table));
    }
    if (!array.empty()) root.insert_or_assign(info.collection, std::move(array));
  }
  std::ostringstream out;
  out << "# apigw entities export: the entity sections of a YAML config file.\n";
  write_yaml(out, root);
  return out.str();
}

std::string export_json(const std::vector<Entity>& entities, std::int64_t revision) {
  json::object root;
  root["revision"] = revision;
  for (const auto& info : kKinds) {
    json::array array;
    for (const auto& entity : entities) {
      if (entity.kind != info.kind) continue;
      json::object document;
      document["id"] = entity.id;
      document["name"] = entity.name;
      if (!entity.tags.empty()) {
        json::array tags;
        for (const auto& tag : entity.tags) tags.emplace_back(tag);
        document["tags"] = std::move(tags);
      }
      const json::value body = json::parse(entity.body);
      for (const auto& [key, value] : body.get_object()) document[key] = value;
      array.push_back(std::move(document));
    }
    root[info.collection] = std::move(array);
  }
  return json::serialize(root);
}

}  // namespace apigw::config
