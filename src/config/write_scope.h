// The part of an entity set that one admin write can make invalid, so that the write is checked
// on that part instead of on every entity (docs/reliability.md, "Control path at scale").
//
// Why the part is enough: the set before the write was served, so it was valid. Every check is
// about one entity, except references (an entity names another by its name), route-to-upstream
// checks (consistent_hash on a path parameter) and duplicate names and ids. Duplicates within a
// kind never reach the checks (the write itself refuses them, store/mutation.cpp). So the errors
// of the whole new set are those of: the written entity, the entities that name it (by its old or
// new name), the entities it names, and the upstreams of every route among them. Checked in the
// set's order with references resolved among the whole set's names (EntityNames), they come out
// with the same messages, in the same order, as a check of the whole set.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/entity.h"
#include "config/loader.h"
#include "config/schema.h"

namespace apigw::config {

// One reference: the kind and name of the entity named.
using EntityReference = std::pair<EntityKind, std::string>;

// What an entity's body names: a route its upstream (or those of its split), fallback upstream
// and mirror upstream; a plugin its route or upstream; a rate limit its route and consumer; a
// credential its consumer.
std::vector<EntityReference> references_of(const Entity& entity);

// references_of() for every entity of a set, remembered across writes: a body is parsed again
// only when it changed, so finding who names an entity costs one pass over cached references.
class ReferenceCache {
 public:
  const std::vector<EntityReference>& of(const Entity& entity);
  // Deleted entities stay cached until this: call it when the cache outgrows the set.
  std::size_t size() const { return size_; }
  void clear();

 private:
  struct Cached {
    std::string body;
    std::vector<EntityReference> references;
  };
  std::unordered_map<std::string, Cached> cached_[6];  // per kind: id -> references
  std::size_t size_ = 0;
};

struct WriteScope {
  std::vector<Entity> entities;  // the part to check, in the set's order
  EntityNames names;             // the names of the whole set
};

// The part of `next` (the whole set after the write) to check for a write of `written` (null for a
// delete) that replaced `before` (null for a create).
WriteScope write_scope(const std::vector<Entity>& next, const Entity* written, const Entity* before,
                       ReferenceCache& references);

// Applies a checked write to the config of the whole set before it, in place: `index` is the
// entity's place among those of its kind before the write (nullopt for a create, which comes
// last), `converted` the config of the write's scope with the converted entity at
// `converted_index` (null for a delete).
void apply_write(Config& config, EntityKind kind, std::optional<std::size_t> index,
                 const Config* converted, std::size_t converted_index);

}  // namespace apigw::config
