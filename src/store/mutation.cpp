#include "store/mutation.h"

#include <boost/json.hpp>

#include <algorithm>

#include "util/uuid.h"

namespace apigw::store {
namespace json = boost::json;
using config::Entity;

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

MutationResult failure(int status, std::string code, std::string message,
                       std::vector<config::FieldError> errors = {}) {
  MutationResult result;
  result.status = status;
  result.code = std::move(code);
  result.message = std::move(message);
  result.errors = std::move(errors);
  return result;
}

std::string label(const Entity& entity) {
  return std::string(config::info_of(entity.kind).singular) + " '" + entity.name + "'";
}

// Another entity of the same kind that already has `entity`'s name or id.
std::optional<MutationResult> clash(const std::vector<Entity>& entities, const Entity& entity,
                                    const Entity* self) {
  for (const auto& other : entities) {
    if (other.kind != entity.kind || &other == self) continue;
    if (other.name == entity.name) {
      return failure(409, "name_conflict",
                     "a " + std::string(config::info_of(entity.kind).singular) + " named '" +
                         entity.name + "' exists (id " + other.id + ")",
                     {{"name", "already taken"}});
    }
    if (other.id == entity.id) {
      return failure(409, "id_conflict", label(other) + " has id " + entity.id,
                     {{"id", "already taken"}});
    }
  }
  return std::nullopt;
}

std::optional<MutationResult> stale(const Mutation& mutation, const Entity& existing) {
  if (mutation.expected_version && *mutation.expected_version != existing.version) {
    return failure(412, "version_mismatch",
                   label(existing) + " is at version " + std::to_string(existing.version) +
                       ", not " + std::to_string(*mutation.expected_version) +
                       "; read it again and retry");
  }
  return std::nullopt;
}

MutationResult not_found(const Mutation& mutation) {
  return failure(404, "not_found",
                 "no " + std::string(config::info_of(mutation.kind).singular) +
                     " with id or name '" + mutation.key + "'");
}

}  // namespace

const Entity* find_entity(const std::vector<Entity>& entities, config::EntityKind kind,
                          std::string_view key) {
  const std::string id = lower(key);
  for (const auto& entity : entities) {
    if (entity.kind == kind && (entity.id == id || entity.name == key)) return &entity;
  }
  return nullptr;
}

MutationResult apply_mutation(const std::vector<Entity>& current, const Mutation& mutation,
                              std::int64_t now_ms) {
  const Entity* existing = mutation.op == Mutation::Op::create
                               ? nullptr
                               : find_entity(current, mutation.kind, mutation.key);
  MutationResult result;
  result.entities = current;
  const auto position = [&](const Entity* entity) {
    return result.entities.begin() + (entity - current.data());
  };

  if (mutation.op == Mutation::Op::remove) {
    if (existing == nullptr) return not_found(mutation);
    if (auto refused = stale(mutation, *existing)) return *refused;
    result.entity = *existing;
    result.entities.erase(position(existing));
    return result;
  }

  json::object document;
  if (mutation.op == Mutation::Op::patch) {
    if (existing == nullptr) return not_found(mutation);
    if (auto refused = stale(mutation, *existing)) return *refused;
    document = config::entity_to_json(*existing);
    if (mutation.edit) {
      if (auto refused = mutation.edit(document)) return std::move(*refused);
    } else {
      config::merge_patch(document, mutation.document);
    }
    if (const auto* id = document.if_contains("id");
        id == nullptr || !id->is_string() || lower(id->get_string()) != existing->id) {
      return failure(400, "invalid_entity", "an entity's id cannot change",
                     {{"id", "cannot change"}});
    }
  } else {
    document = mutation.document;
    if (mutation.op == Mutation::Op::upsert) {
      // PUT /admin/routes/{key}: the key names the entity when the body does not.
      const bool key_is_id = util::is_uuid(mutation.key);
      if (key_is_id && !document.contains("id")) document["id"] = mutation.key;
      if (!key_is_id && !document.contains("name")) document["name"] = mutation.key;
      if (existing != nullptr && !document.contains("id")) document["id"] = existing->id;
      if (existing != nullptr &&
          lower(document["id"].is_string() ? document["id"].get_string() : json::string()) !=
              existing->id) {
        return failure(400, "invalid_entity", "an entity's id cannot change",
                       {{"id", "cannot change"}});
      }
      if (existing != nullptr) {
        if (auto refused = stale(mutation, *existing)) return *refused;
      }
    }
  }

  Entity entity;
  std::vector<config::FieldError> errors;
  if (!config::entity_from_json(mutation.kind, document, entity, errors)) {
    return failure(400, "invalid_entity", "the document has invalid fields", std::move(errors));
  }
  if (auto refused = clash(current, entity, existing)) return *refused;
  entity.updated_at = now_ms;
  if (existing != nullptr) {
    entity.created_at = existing->created_at;
    entity.version = existing->version + 1;
    *position(existing) = entity;
    result.status = 200;
  } else {
    entity.created_at = now_ms;
    entity.version = 1;
    result.entities.push_back(entity);
    result.status = 201;
  }
  result.entity = std::move(entity);
  return result;
}

}  // namespace apigw::store
