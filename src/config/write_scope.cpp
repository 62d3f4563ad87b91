#include "config/write_scope.h"

#include <boost/json.hpp>

#include <algorithm>

namespace apigw::config {
namespace json = boost::json;

namespace {

void add_reference(const json::object& object, std::string_view key, EntityKind kind,
                   std::vector<EntityReference>& out) {
  const json::value* value = object.if_contains(key);
  // Anything but a non-empty string is the entity's own conversion error, not a reference.
  if (value == nullptr || !value->is_string() || value->get_string().empty()) return;
  // `upstream = "{service}"`: a path parameter, not a name (names never hold braces).
  if (value->get_string().front() == '{') return;
  out.emplace_back(kind, std::string(value->get_string()));
}

bool contains(const std::vector<EntityReference>& references, EntityKind kind,
              const std::string& name) {
  return std::any_of(references.begin(), references.end(), [&](const EntityReference& reference) {
    return reference.first == kind && reference.second == name;
  });
}

}  // namespace

std::vector<EntityReference> references_of(const Entity& entity) {
  std::vector<EntityReference> references;
  if (entity.kind == EntityKind::upstream || entity.kind == EntityKind::consumer) {
    return references;  // they name nothing
  }
  std::error_code error;
  const json::value body = json::parse(entity.body, error);
  if (error || !body.is_object()) return references;
  const json::object& object = body.get_object();
  switch (entity.kind) {
    case EntityKind::route:
      add_reference(object, "upstream", EntityKind::upstream, references);
      if (const json::value* split = object.if_contains("upstreams");
          split != nullptr && split->is_array()) {
        for (const json::value& arm : split->get_array()) {
          if (arm.is_object()) {
            add_reference(arm.get_object(), "name", EntityKind::upstream, references);
          }
        }
      }
      if (const json::value* fallback = object.if_contains("fallback");
          fallback != nullptr && fallback->is_object()) {
        add_reference(fallback->get_object(), "upstream", EntityKind::upstream, references);
      }
      if (const json::value* mirror = object.if_contains("mirror");
          mirror != nullptr && mirror->is_object()) {
        add_reference(mirror->get_object(), "upstream", EntityKind::upstream, references);
      }
      break;
    case EntityKind::plugin:
      add_reference(object, "route", EntityKind::route, references);
      add_reference(object, "upstream", EntityKind::upstream, references);
      break;
    case EntityKind::rate_limit:
      add_reference(object, "route", EntityKind::route, references);
      add_reference(object, "consumer", EntityKind::consumer, references);
      break;
    case EntityKind::credential:
      add_reference(object, "consumer", EntityKind::consumer, references);
      break;
    case EntityKind::upstream:
    case EntityKind::consumer:
      break;
  }
  return references;
}

const std::vector<EntityReference>& ReferenceCache::of(const Entity& entity) {
  static const std::vector<EntityReference> kNothing;
  if (entity.kind == EntityKind::upstream || entity.kind == EntityKind::consumer) return kNothing;
  auto& of_kind = cached_[static_cast<std::size_t>(entity.kind)];
  auto found = of_kind.find(entity.id);
  if (found == of_kind.end()) {
    found = of_kind.emplace(entity.id, Cached{}).first;
    ++size_;
  } else if (found->second.body == entity.body) {
    return found->second.references;
  }
  found->second.body = entity.body;
  found->second.references = references_of(entity);
  return found->second.references;
}

void ReferenceCache::clear() {
  for (auto& of_kind : cached_) of_kind.clear();
  size_ = 0;
}

WriteScope write_scope(const std::vector<Entity>& next, const Entity* written, const Entity* before,
                       ReferenceCache& references) {
  WriteScope scope;
  // The names a reference to the written entity uses: its new name and the one it had.
  std::vector<EntityReference> touched;
  if (written != nullptr) touched.emplace_back(written->kind, written->name);
  if (before != nullptr) touched.emplace_back(before->kind, before->name);
  // What the written entity names must be in the part too (a route's upstream decides whether
  // its path template is good enough for consistent hashing).
  std::vector<EntityReference> named;
  if (written != nullptr) named = references.of(*written);

  std::vector<bool> in(next.size(), false);
  for (std::size_t i = 0; i < next.size(); ++i) {
    const Entity& entity = next[i];
    switch (entity.kind) {
      case EntityKind::upstream:
        scope.names.upstreams.push_back(entity.name);
        break;
      case EntityKind::route:
        scope.names.routes.push_back(entity.name);
        break;
      case EntityKind::consumer:
        scope.names.consumers.push_back(entity.name);
        break;
      default:
        break;
    }
    if (written != nullptr && entity.kind == written->kind && entity.id == written->id) {
      in[i] = true;
      continue;
    }
    if (contains(named, entity.kind, entity.name)) {
      in[i] = true;
      continue;
    }
    const auto& names = references.of(entity);
    in[i] = std::any_of(touched.begin(), touched.end(), [&](const EntityReference& reference) {
      return contains(names, reference.first, reference.second);
    });
  }
  // Every route in the part is checked against its upstreams: they join it.
  std::vector<EntityReference> upstreams;
  for (std::size_t i = 0; i < next.size(); ++i) {
    if (!in[i] || next[i].kind != EntityKind::route) continue;
    for (const auto& reference : references.of(next[i])) upstreams.push_back(reference);
  }
  if (!upstreams.empty()) {
    for (std::size_t i = 0; i < next.size(); ++i) {
      if (!in[i] && next[i].kind == EntityKind::upstream &&
          contains(upstreams, EntityKind::upstream, next[i].name)) {
        in[i] = true;
      }
    }
  }
  for (std::size_t i = 0; i < next.size(); ++i) {
    if (in[i]) scope.entities.push_back(next[i]);
  }
  return scope;
}

namespace {

template <typename Item>
void apply_to(SharedList<Item>& items, std::optional<std::size_t> index,
              const SharedList<Item>* converted, std::size_t converted_index) {
  // The converted entity is shared, not copied; the other slots still share the served entities.
  if (converted == nullptr) {
    items.erase(*index);
  } else if (index) {
    items.replace(*index, converted->shared(converted_index));
  } else {
    items.push_back_shared(converted->shared(converted_index));
  }
}

}  // namespace

void apply_write(Config& config, EntityKind kind, std::optional<std::size_t> index,
                 const Config* converted, std::size_t converted_index) {
  const auto of = [&](auto member) { return converted ? &(converted->*member) : nullptr; };
  switch (kind) {
    case EntityKind::upstream:
      apply_to(config.upstreams, index, of(&Config::upstreams), converted_index);
      break;
    case EntityKind::route:
      apply_to(config.routes, index, of(&Config::routes), converted_index);
      break;
    case EntityKind::consumer:
      apply_to(config.consumers, index, of(&Config::consumers), converted_index);
      break;
    case EntityKind::credential:
      apply_to(config.credentials, index, of(&Config::credentials), converted_index);
      break;
    case EntityKind::plugin:
      apply_to(config.plugins, index, of(&Config::plugins), converted_index);
      break;
    case EntityKind::rate_limit:
      apply_to(config.rate_limits, index, of(&Config::rate_limits), converted_index);
      break;
  }
}

}  // namespace apigw::config
