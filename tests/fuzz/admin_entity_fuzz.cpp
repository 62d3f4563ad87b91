// Fuzzes what the admin API does with a request body (admin/entity_api.cpp), without the HTTP
// around it. Input: byte 0 picks the operation, byte 1 the collection; then, for PUT and PATCH,
// the id-or-name key up to the first '\n'; the rest is the body.
//   POST/PUT/PATCH /admin/{collection}[/{key}]: JSON -> store::apply_mutation (meta fields,
//     secrets sealed, name and id clashes) -> the entity set composed with a base config file and
//     validated as a store write is.
//   POST /admin/config/import|validate: an entities document in JSON or TOML.
// Checks: every refusal is an error status, never a crash or an escaping exception; an accepted
// entity keeps its kind, has a unique id and name, and a JSON object body with no meta field and
// no plain secret; a set that validates (the only kind that is stored) compiles like a snapshot,
// its new entity's body is canonical and survives entity_to_json -> entity_from_json, and the set
// exports, in JSON and in TOML, to a document that imports back to the same entities.
#include <boost/json.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/entity_document.h"
#include "config/loader.h"
#include "fuzz_check.h"
#include "snapshot_parts.h"
#include "store/mutation.h"

namespace json = boost::json;
using apigw::config::Entity;
using apigw::config::EntityKind;
using apigw::store::Mutation;

namespace {

// The base file a store-mode gateway runs with; its own entities are the set being edited.
constexpr std::string_view kBaseConfig = R"(
[server]
listen = ["127.0.0.1:8080"]
[admin]
listen = "127.0.0.1:9901"

[[upstreams]]
name = "backend"
targets = [{ address = "127.0.0.1:9001" }]

[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "backend"
filters = [{ name = "key_auth" }]

[[consumers]]
name = "alice"

[[credentials]]
name = "alice-key"
consumer = "alice"
type = "api_key"
key = "0123456789abcdef0123"

[[plugins]]
name = "cors-everywhere"
filter = "cors"
config = { allow_origins = ["https://app.example.com"] }
)";

const std::vector<Entity>& base_entities() {
  static const std::vector<Entity> entities = [] {
    const auto loaded =
        apigw::config::load_config_text(kBaseConfig, "base.toml", {}, apigw::fuzz::catalog());
    FUZZ_CHECK(loaded.errors.empty());
    return loaded.entities;
  }();
  return entities;
}

// What the control plane does with a new entity set: the base file with the set in place of the
// file's own entities, validated; a valid config then compiles. Returns whether the set would be
// stored and served.
bool compose(const std::vector<Entity>& entities) {
  const auto loaded = apigw::config::load_config_text(kBaseConfig, "base.toml", {},
                                                      apigw::fuzz::catalog(), &entities);
  FUZZ_CHECK(loaded.config.has_value() == loaded.errors.empty());
  for (const auto& error : loaded.errors) FUZZ_CHECK(!error.message.empty());
  if (!loaded.config) return false;
  apigw::fuzz::compile_like_a_snapshot(*loaded.config);
  return true;
}

void check_exports_round_trip(const std::vector<Entity>& entities) {
  for (const bool toml : {false, true}) {
    const std::string text =
        toml ? apigw::config::export_toml(entities) : apigw::config::export_json(entities, 7);
    std::vector<Entity> parsed;
    std::vector<apigw::config::ConfigError> errors;
    FUZZ_CHECK(apigw::config::parse_entities_document(text, toml, parsed, errors));
    FUZZ_CHECK(parsed.size() == entities.size());
    // An export lists the entities kind by kind, so a new one moves up among its kind.
    for (const Entity& entity : entities) {
      FUZZ_CHECK(std::any_of(parsed.begin(), parsed.end(),
                             [&](const Entity& back) { return back.same_content(entity); }));
    }
  }
}

void check_entity(const Entity& entity, const std::vector<Entity>& all) {
  const json::value body = json::parse(entity.body);
  FUZZ_CHECK(body.is_object());
  for (const std::string_view meta : apigw::config::kMetaKeys) {
    FUZZ_CHECK(!body.get_object().contains(meta));
  }
  if (entity.kind == EntityKind::credential) {
    FUZZ_CHECK(!body.get_object().contains("key") && !body.get_object().contains("password"));
  }
  std::size_t same_name = 0, same_id = 0;
  for (const Entity& other : all) {
    if (other.kind != entity.kind) continue;
    same_name += other.name == entity.name;
    same_id += other.id == entity.id;
  }
  FUZZ_CHECK(same_name == 1 && same_id == 1);
}

// A stored entity reads back as itself: its body is one canonical text, and the document the API
// shows turns back into the same entity. Checked only for sets that validate: Boost.JSON 1.81 does
// not read every double back exactly ("1.5e200" drifts in its last bits), and no field of any
// entity takes a non-integer number, so a body holding one is never stored.
void check_reads_back(const Entity& entity) {
  FUZZ_CHECK(json::serialize(json::parse(entity.body)) == entity.body);
  Entity again;
  std::vector<apigw::config::FieldError> errors;
  FUZZ_CHECK(apigw::config::entity_from_json(entity.kind, apigw::config::entity_to_json(entity),
                                             again, errors));
  FUZZ_CHECK(again.same_content(entity));
}

// The request body as entity_api.cpp takes it: a JSON object whose "version" is a precondition.
void write_entity(Mutation::Op op, EntityKind kind, std::string_view key, std::string_view body) {
  std::error_code error;
  json::value value = json::parse(body, error);
  if (error || !value.is_object()) return;  // 400 invalid_json
  json::object& document = value.get_object();
  Mutation mutation;
  mutation.op = op;
  mutation.kind = kind;
  mutation.key = std::string(key);
  if (const auto* version = document.if_contains("version")) {
    if (!version->is_int64() && !version->is_uint64()) return;  // 400 invalid_entity
    mutation.expected_version = version->is_int64() ? version->get_int64() : INT64_MAX;
    document.erase("version");
  }
  mutation.document = std::move(document);

  const std::vector<Entity>& current = base_entities();
  const auto result = apigw::store::apply_mutation(current, mutation, 1'000);
  const int status = result.status;
  FUZZ_CHECK(status == 200 || status == 201 || status == 400 || status == 404 || status == 409 ||
             status == 412);
  if (status >= 400) {
    FUZZ_CHECK(!result.code.empty() && !result.message.empty());
    return;
  }
  FUZZ_CHECK(result.entity.kind == kind);
  FUZZ_CHECK(result.entities.size() == current.size() + (status == 201 ? 1 : 0));
  FUZZ_CHECK(status == 201 ? result.entity.version == 1 : result.entity.version == 2);
  check_entity(result.entity, result.entities);
  // Only a set that validates is stored, and what is stored must read, export and import back.
  if (compose(result.entities)) {
    check_reads_back(result.entity);
    check_exports_round_trip(result.entities);
  }
}

void import_document(std::string_view body, bool is_toml) {
  (void)apigw::config::has_file_sections(body);  // decides between a file and a document
  std::vector<Entity> entities;
  std::vector<apigw::config::ConfigError> errors;
  if (!apigw::config::parse_entities_document(body, is_toml, entities, errors)) {
    FUZZ_CHECK(!errors.empty());
    for (const auto& error : errors) FUZZ_CHECK(!error.message.empty());
    return;
  }
  FUZZ_CHECK(errors.empty());
  if (compose(entities)) check_exports_round_trip(entities);
  // Ids and names may clash inside a document; the import refuses that when it validates.
  for (const Entity& entity : entities) {
    FUZZ_CHECK(json::parse(entity.body).is_object());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t operation = data[0] % 5;
  const auto kind = static_cast<EntityKind>(data[1] % apigw::config::entity_kinds().size());
  std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);
  switch (operation) {
    case 0:
      write_entity(Mutation::Op::create, kind, "", rest);
      break;
    case 1:
    case 2: {
      const std::size_t newline = rest.find('\n');
      const std::string_view key = rest.substr(0, newline);
      const std::string_view body =
          newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
      write_entity(operation == 1 ? Mutation::Op::upsert : Mutation::Op::patch, kind, key, body);
      break;
    }
    case 3:
      import_document(rest, /*is_toml=*/false);
      break;
    case 4:
      import_document(rest, /*is_toml=*/true);
      break;
  }
  return 0;
}
