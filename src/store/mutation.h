// One admin write applied to an entity set: create, upsert, merge-patch or delete, with the
// checks that need only the entities themselves (meta fields, unknown id, name clash, stale
// version). Whether the result is a valid config is for the loader to say. Pure: unit-tested
// without a store.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/entity.h"
#include "config/entity_document.h"

namespace apigw::store {

struct MutationResult {
  int status = 200;  // 200, 201 (created), 400, 404, 409 (name or id taken), 412 (stale version)
  std::string code;  // the error code when status >= 400
  std::string message;
  std::vector<config::FieldError> errors;
  std::vector<config::Entity> entities;  // the whole new set, when status < 400
  config::Entity entity;                 // the entity written or deleted
};

struct Mutation {
  enum class Op { create, upsert, patch, remove } op = Op::create;
  config::EntityKind kind = config::EntityKind::upstream;
  std::string key;               // id or name from the path (upsert, patch, remove)
  boost::json::object document;  // create, upsert: the document; patch: the merge patch
  std::optional<std::int64_t> expected_version;  // If-Match, or the document's "version"
  // patch: edits the entity's current document in place instead of a merge patch (one target
  // of an upstream: arrays merge whole). A result it returns refuses the write with it. Runs
  // where the write is decided, inside the store's transaction, so that two nodes editing one
  // upstream's targets at once do not lose either edit.
  std::function<std::optional<MutationResult>(boost::json::object& document)> edit;
};


// Finds an entity by id (case-insensitive) or by name.
const config::Entity* find_entity(const std::vector<config::Entity>& entities,
                                  config::EntityKind kind, std::string_view key);

MutationResult apply_mutation(const std::vector<config::Entity>& current, const Mutation& mutation,
                              std::int64_t now_ms);

}  // namespace apigw::store
