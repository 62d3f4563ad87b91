// Entity documents between their three forms: JSON (admin API, stores), TOML tables (config
// files, exports) and Entity (id, name, tags and the body text). Only config/ and the layers that
// speak JSON (admin/, store/) include this.
#pragma once

#include <boost/json/fwd.hpp>
#include <string>
#include <vector>

#include "config/entity.h"
#include "config/loader.h"

namespace toml {
inline namespace v3 {
class table;
}
}  // namespace toml

namespace apigw::config {

// One problem with a document: the dotted field path inside it ("targets.0.address", "" for the
// document itself) and what is wrong.
struct FieldError {
  std::string field;
  std::string message;
};

// Splits a JSON document into an Entity: takes id (a UUID; generated when absent), name and tags
// and keeps the rest as the body, with secrets hashed. version, created_at and updated_at are
// read-only and ignored here. Returns false with `errors` set when a meta field is malformed.
bool entity_from_json(EntityKind kind, const boost::json::object& document, Entity& out,
                      std::vector<FieldError>& errors);

// The whole document as the admin API shows it: id, name, tags, version, timestamps, then the
// body's fields.
boost::json::object entity_to_json(const Entity& entity);

// The document as a TOML table, as an export writes it: id, name, tags and the body. Returns false
// (with `errors`) for a body that is not a JSON object or holds a null.
bool entity_to_toml(const Entity& entity, toml::table& out, std::vector<FieldError>& errors);

// Replaces plain secrets of a credential body ("key", "password") with their hashes
// ("key_hash", "password_hash"), so no store or export ever holds a secret. A secret too weak to
// keep (an API key under 16 characters, an empty password) is reported and left out.
void seal_secrets(EntityKind kind, boost::json::object& body, std::vector<FieldError>& errors);

// JSON value -> TOML node. JSON null has no TOML form: it is reported at its field path.
bool json_to_toml_table(const boost::json::object& object, toml::table& out,
                        std::vector<FieldError>& errors, const std::string& path = "");
// TOML -> JSON (dates and times become strings).
boost::json::object toml_to_json_object(const toml::table& table);

// Merge patch (RFC 7396): null deletes a field, objects merge, everything else replaces.
void merge_patch(boost::json::object& target, const boost::json::object& patch);

// An entities document (the export format) in TOML or JSON -> entities, in document order.
// Errors name the element ("routes/r", or "routes.2" when it has no name) and the field. Keys
// other than the entity collections (and an export's "revision") are refused: [server], [admin]
// and [store] belong to the config file. Entities without an id get one derived from kind and
// name, so importing one file twice yields the same ids.
bool parse_entities_document(std::string_view text, bool is_toml, std::vector<Entity>& out,
                             std::vector<ConfigError>& errors);

// Whether a TOML (or, with `yaml`, YAML) text has [server], [admin] or [store]: a whole config
// file rather than an entities document. False for text that does not parse.
bool has_file_sections(std::string_view text, bool yaml = false);

// The entities as one config document (the export format), in TOML or JSON. Secrets appear
// only as hashes.
std::string export_toml(const std::vector<Entity>& entities);
// The same document as YAML (config/yaml_writer.h): what a YAML config file's entity sections
// hold.
std::string export_yaml(const std::vector<Entity>& entities);
std::string export_json(const std::vector<Entity>& entities, std::int64_t revision);

}  // namespace apigw::config
