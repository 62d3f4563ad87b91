#include "admin/entity_api.h"

#include <boost/json.hpp>

#include <cctype>
#include <charconv>
#include <cstdint>

#include "config/entity_document.h"

namespace apigw::admin {
namespace json = boost::json;
using server::awaitable;

namespace {

constexpr std::size_t kDefaultPageSize = 100;
constexpr std::size_t kMaxPageSize = 1000;

// Splits "/admin/routes/r" into ("routes", "r"); the key is empty for the collection itself.
bool split_path(std::string_view path, std::string_view& collection, std::string_view& key,
                bool& extra) {
  if (!path.starts_with("/admin/")) return false;
  path.remove_prefix(7);
  const std::size_t slash = path.find('/');
  collection = path.substr(0, slash);
  key = slash == path.npos ? std::string_view() : path.substr(slash + 1);
  extra = key.find('/') != key.npos;
  return true;
}

AdminResponse method_not_allowed(std::string_view allowed) {
  AdminResponse response =
      error_response(405, "method_not_allowed", "allowed: " + std::string(allowed));
  response.headers.emplace_back("Allow", std::string(allowed));
  return response;
}


AdminResponse entity_response(int status, const config::Entity& entity) {
  AdminResponse response = json_response(status, config::entity_to_json(entity));
  response.headers.emplace_back("ETag", etag_of(entity));
  return response;
}

bool parse_size(const std::optional<std::string>& text, std::size_t fallback, std::size_t& out) {
  if (!text) {
    out = fallback;
    return true;
  }
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), out);
  return error == std::errc() && end == text->data() + text->size();
}

AdminResponse list_entities(const AdminRequest& request, const config::EntityKindInfo& kind,
                            const ConfigService& service) {
  std::size_t limit = 0, offset = 0;
  if (!parse_size(request.param("limit"), kDefaultPageSize, limit) || limit == 0 ||
      limit > kMaxPageSize || !parse_size(request.param("offset"), 0, offset)) {
    return error_response(400, "invalid_query",
                          "'limit' must be 1-1000 and 'offset' a non-negative integer");
  }
  // ?tag=a&tag=b or ?tags=a,b: entities carrying every one of them.
  std::vector<std::string> tags;
  for (const auto& [name, value] : request.query) {
    if (name == "tag") tags.push_back(value);
    if (name == "tags") {
      std::string_view rest = value;
      while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        if (comma != 0) tags.emplace_back(rest.substr(0, comma));
        if (comma == rest.npos) break;
        rest.remove_prefix(comma + 1);
      }
    }
  }
  json::array data;
  std::size_t total = 0;
  for (const auto& entity : service.entities()) {
    if (entity.kind != kind.kind) continue;
    const bool tagged = std::all_of(tags.begin(), tags.end(), [&](const std::string& tag) {
      return std::find(entity.tags.begin(), entity.tags.end(), tag) != entity.tags.end();
    });
    if (!tagged) continue;
    if (total >= offset && data.size() < limit) data.push_back(config::entity_to_json(entity));
    ++total;
  }
  json::object body;
  body["total"] = total;
  body["offset"] = offset;
  body["limit"] = limit;
  if (offset + data.size() < total) {
    std::string next = "/admin/" + std::string(kind.collection) +
                       "?offset=" + std::to_string(offset + data.size()) +
                       "&limit=" + std::to_string(limit);
    for (const auto& tag : tags) next += "&tag=" + percent_encode(tag);
    body["next"] = next;
  } else {
    body["next"] = nullptr;
  }
  body["data"] = std::move(data);
  return json_response(200, body);
}

awaitable<AdminResponse> write_entity(const AdminRequest& request,
                                      const config::EntityKindInfo& kind, std::string_view key,
                                      ConfigService& service) {
  store::Mutation mutation;
  mutation.kind = kind.kind;
  mutation.key = std::string(key);
  if (request.method == "POST") mutation.op = store::Mutation::Op::create;
  if (request.method == "PUT") mutation.op = store::Mutation::Op::upsert;
  if (request.method == "PATCH") mutation.op = store::Mutation::Op::patch;
  if (request.method == "DELETE") mutation.op = store::Mutation::Op::remove;
  bool valid_if_match = true;
  mutation.expected_version = expected_version(request.header("if-match"), valid_if_match);
  if (!valid_if_match) {
    co_return error_response(400, "invalid_if_match", "If-Match must be an ETag such as \"3\"");
  }
  if (mutation.op != store::Mutation::Op::remove) {
    AdminResponse refusal;
    auto document = body_object(request, refusal);
    if (!document) co_return refusal;
    // A "version" in the body is the same precondition as If-Match.
    if (const auto* version = document->if_contains("version")) {
      if (!version->is_int64() && !version->is_uint64()) {
        co_return error_response(400, "invalid_entity", "the document has invalid fields",
                                 {{"", "version", "'version' must be an integer"}});
      }
      // Versions count up from 1: one beyond int64 matches nothing.
      const std::int64_t number = version->is_int64() ? version->get_int64() : INT64_MAX;
      if (!mutation.expected_version) mutation.expected_version = number;
      document->erase("version");
    }
    mutation.document = std::move(*document);
  }
  const WriteOutcome outcome = co_await service.write(std::move(mutation));
  if (outcome.status >= 400) co_return outcome_error(outcome);
  if (request.method == "DELETE") {
    AdminResponse response;
    response.status = 204;
    co_return response;
  }
  AdminResponse response = entity_response(outcome.status, outcome.entity);
  if (outcome.status == 201) {
    response.headers.emplace_back(
        "Location", "/admin/" + std::string(kind.collection) + "/" + outcome.entity.id);
  }
  co_return response;
}

bool is_yaml_body(const AdminRequest& request) {
  const std::string_view type = request.header("content-type");
  return type.starts_with("application/yaml") || type.starts_with("text/yaml") ||
         type.starts_with("application/x-yaml");
}

bool is_toml_body(const AdminRequest& request) {
  const std::string_view type = request.header("content-type");
  return type.starts_with("application/toml") || type.starts_with("text/toml") ||
         type.starts_with("text/plain");
}

awaitable<std::optional<AdminResponse>> config_endpoint(const AdminRequest& request,
                                                        std::string_view key,
                                                        ConfigService& service) {
  const bool read = request.method == "GET" || request.method == "HEAD";
  if (key.empty()) {
    if (!read) co_return method_not_allowed("GET");
    co_return json_response(200, config_status_json(service.status()));
  }
  if (key == "export") {
    if (!read) co_return method_not_allowed("GET");
    const std::string format = request.param("format").value_or("toml");
    AdminResponse response;
    if (format == "json") {
      response.body = config::export_json(service.entities(), service.status().revision);
    } else if (format == "toml") {
      response.content_type = "application/toml";
      response.body = config::export_toml(service.entities());
    } else if (format == "yaml") {
      response.content_type = "application/yaml";
      response.body = config::export_yaml(service.entities());
    } else {
      co_return error_response(400, "invalid_query", "'format' must be toml, yaml or json");
    }
    co_return response;
  }
  if (key == "validate" || key == "import") {
    if (request.method != "POST") co_return method_not_allowed("POST");
    const bool yaml = is_yaml_body(request);
    if (key == "validate" && (is_toml_body(request) || yaml) &&
        config::has_file_sections(request.body, yaml)) {
      // A whole config file: checked as `apigw check` would, nothing applied.
      const auto details = service.validate_file(request.body, yaml);
      if (!details.empty()) {
        co_return error_response(400, "invalid_config", "the config has errors", details);
      }
      json::object body;
      body["valid"] = true;
      co_return json_response(200, body);
    }
    if (yaml) {
      co_return error_response(415, "unsupported_media_type",
                               "YAML is taken for a whole config file to validate; send entity "
                               "documents as TOML or JSON");
    }
    std::vector<config::Entity> entities;
    std::vector<config::ConfigError> errors;
    if (!config::parse_entities_document(request.body, is_toml_body(request), entities, errors)) {
      co_return error_response(400, "invalid_document", "the document has errors",
                               details_of(errors));
    }
    if (key == "validate") {
      const auto details = service.validate(entities);
      if (!details.empty()) {
        co_return error_response(400, "invalid_config", "the config has errors", details);
      }
      json::object body;
      body["valid"] = true;
      body["entities"] = entities.size();
      co_return json_response(200, body);
    }
    const WriteOutcome outcome = co_await service.import(std::move(entities));
    if (outcome.status >= 400) co_return outcome_error(outcome);
    json::object body = config_status_json(service.status());
    body["entities"] = service.entities().size();
    co_return json_response(200, body);
  }
  co_return std::nullopt;
}

}  // namespace

std::string etag_of(const config::Entity& entity) {
  return "\"" + std::to_string(entity.version) + "\"";
}

AdminResponse outcome_error(const WriteOutcome& outcome) {
  return error_response(outcome.status, outcome.code, outcome.message, outcome.details);
}

// If-Match: "3", W/"3" or 3; "*" matches any version. nullopt (with ok=false) when malformed.
std::optional<std::int64_t> expected_version(std::string_view if_match, bool& ok) {
  ok = true;
  if (if_match.empty() || if_match == "*") return std::nullopt;
  if (if_match.starts_with("W/")) if_match.remove_prefix(2);
  if (if_match.size() >= 2 && if_match.front() == '"' && if_match.back() == '"') {
    if_match = if_match.substr(1, if_match.size() - 2);
  }
  std::int64_t version = 0;
  const auto [end, error] =
      std::from_chars(if_match.data(), if_match.data() + if_match.size(), version);
  ok = error == std::errc() && end == if_match.data() + if_match.size();
  return ok ? std::optional<std::int64_t>(version) : std::nullopt;
}

// The request body as a JSON object, or the 400 to send.
std::optional<json::object> body_object(const AdminRequest& request, AdminResponse& refusal) {
  std::error_code error;
  json::value value = json::parse(request.body, error);
  if (error) {
    refusal = error_response(400, "invalid_json", "the body is not valid JSON: " + error.message());
    return std::nullopt;
  }
  if (!value.is_object()) {
    refusal = error_response(400, "invalid_json", "the body must be a JSON object");
    return std::nullopt;
  }
  return std::move(value.get_object());
}

json::object config_status_json(const ConfigStatus& status) {
  json::object body;
  body["source"] = status.source;
  body["writable"] = status.writable;
  body["file"] = status.file;
  body["revision"] = status.revision;
  body["snapshot_version"] = status.snapshot_version;
  body["loaded_at"] = status.loaded_at;
  body["store_reachable"] = status.store_reachable;
  if (!status.store_error.empty()) body["store_error"] = status.store_error;
  body["from_cache"] = status.from_cache;
  return body;
}

awaitable<std::optional<AdminResponse>> handle_entity_api(const AdminRequest& request,
                                                          ConfigService& service) {
  std::string_view collection, key;
  bool extra = false;
  if (!split_path(request.path, collection, key, extra)) co_return std::nullopt;
  if (collection == "reload" && key.empty()) {
    if (request.method != "POST") co_return method_not_allowed("POST");
    const WriteOutcome outcome = co_await service.reload();
    if (outcome.status >= 400) co_return outcome_error(outcome);
    co_return json_response(200, config_status_json(service.status()));
  }
  if (collection == "config" && !extra) co_return co_await config_endpoint(request, key, service);
  const config::EntityKindInfo* kind = config::find_kind(collection);
  if (kind == nullptr || extra) co_return std::nullopt;
  if (key.empty()) {
    if (request.method == "GET" || request.method == "HEAD") {
      co_return list_entities(request, *kind, service);
    }
    if (request.method == "POST") co_return co_await write_entity(request, *kind, key, service);
    co_return method_not_allowed("GET, POST");
  }
  if (request.method == "GET" || request.method == "HEAD") {
    const config::Entity* entity = store::find_entity(service.entities(), kind->kind, key);
    if (entity == nullptr) {
      co_return error_response(
          404, "not_found",
          "no " + std::string(kind->singular) + " with id or name '" + std::string(key) + "'");
    }
    co_return entity_response(200, *entity);
  }
  if (request.method == "PUT" || request.method == "PATCH" || request.method == "DELETE") {
    co_return co_await write_entity(request, *kind, key, service);
  }
  co_return method_not_allowed("GET, PUT, PATCH, DELETE");
}

}  // namespace apigw::admin
