// The entity model of the control plane (docs/admin-api.md): upstreams, routes, consumers,
// credentials, plugins and rate-limit rules. Each is a document with the same shape as its table
// in the TOML file, plus an id, a unique name, tags, a version and timestamps. Files, admin writes
// and store loads all end in one list of entities that load_config_text() validates as a whole.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace apigw::config {

enum class EntityKind : std::uint8_t { upstream, route, consumer, credential, plugin, rate_limit };

struct EntityKindInfo {
  EntityKind kind;
  std::string_view collection;  // the TOML array and the admin path: "upstreams", "rate_limits"
  std::string_view singular;    // "upstream", "rate limit"
};

// Every kind, in the order a config file lists them (referenced kinds first).
std::span<const EntityKindInfo> entity_kinds();
const EntityKindInfo& info_of(EntityKind kind);
const EntityKindInfo* find_kind(std::string_view collection);

struct Entity {
  EntityKind kind = EntityKind::upstream;
  std::string id;
  std::string name;
  std::vector<std::string> tags;
  std::int64_t version = 1;     // bumped by every write (optimistic concurrency)
  std::int64_t created_at = 0;  // Unix time, milliseconds
  std::int64_t updated_at = 0;
  // The document's own fields as a JSON object text, without id, name, tags, version and the
  // timestamps. Secrets are already hashed (seal_secrets).
  std::string body;

  bool same_content(const Entity& other) const {
    return kind == other.kind && id == other.id && name == other.name && tags == other.tags &&
           body == other.body;
  }
};

// The keys every entity document may have besides its kind's own.
inline constexpr std::string_view kMetaKeys[] = {"id",      "name",       "tags",
                                                 "version", "created_at", "updated_at"};

}  // namespace apigw::config
