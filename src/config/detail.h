// Internals of the config loader shared by its passes (parse -> interpolate -> overrides ->
// convert -> validate). Not part of the config/ contract: only config/*.cpp include it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_set>
#include <utility>
#include <vector>

#include "config/entity.h"
#include "config/loader.h"
#include "config/schema.h"
#include "config/yaml_document.h"

namespace toml {
inline namespace v3 {
class node;
class key;
class table;
}  // namespace v3
}  // namespace toml

namespace apigw::config {
class TableReader;
}  // namespace apigw::config

namespace apigw::config::detail {

using config::TableReader;

// Where each converted value came from, keyed by its dotted path ("routes.2.upstream",
// "server.listen.0"), so validation, which sees only the schema structs, can still point at the
// offending value instead of at its enclosing table.
class ValuePositions {
 public:
  void record(std::string path, SourcePosition position) {
    positions_.insert_or_assign(std::move(path), std::move(position));
  }
  const SourcePosition& at(const std::string& path, const SourcePosition& fallback) const {
    const auto found = positions_.find(path);
    return found == positions_.end() ? fallback : found->second;
  }
  bool has(const std::string& path) const { return positions_.contains(path); }

 private:
  std::map<std::string, SourcePosition> positions_;
};

// State shared by the passes of one load: the file name, the collected errors and the positions
// of values that were not in the file.
class LoadContext {
 public:
  LoadContext(std::string file, std::vector<ConfigError>& errors)
      : file_(std::move(file)), errors_(errors) {}

  const std::string& file() const { return file_; }
  std::vector<ConfigError>& errors() { return errors_; }
  ValuePositions& positions() { return positions_; }
  const ValuePositions& positions() const { return positions_; }

  // The node's place in the file, or "env:APIGW__..." for a value an override put there.
  SourcePosition position_of(const toml::node& node) const;
  // For an unknown key the key itself is the most precise place; overrides have no key position.
  SourcePosition position_of(const toml::key& key, const toml::node& value) const;
  // Nodes created by overrides have no source in toml++, so their origin is kept here. The tree
  // is not modified after overrides, so node addresses stay valid for the whole load.
  void mark_from_env(const toml::node& node, const std::string& variable);
  // Nodes built from a stored or admin-written entity: their origin is the entity and the
  // field's path inside it.
  void mark_origin(const toml::node& node, SourcePosition position);
  // A YAML file's positions of its values (config/yaml_document.h): toml++ nodes built by hand
  // carry none. Consulted after the origins above; `positions` must outlive the load.
  void use_file_positions(const NodePositions* positions) { file_positions_ = positions; }

  void error(const toml::node& node, std::string message) {
    errors_.push_back({position_of(node), std::move(message)});
  }
  void error(SourcePosition position, std::string message) {
    errors_.push_back({std::move(position), std::move(message)});
  }

  // A string whose interpolation failed stays unresolved; remembering its position lets the
  // loader drop the follow-up errors the unresolved text would cause ("invalid address '${X}'").
  void mark_unresolved(const toml::node& node) { unresolved_.insert(key_of(position_of(node))); }
  // Keeps only the first error reported at each unresolved position.
  void drop_follow_up_errors();

 private:
  using PositionKey = std::tuple<std::string, std::uint32_t, std::uint32_t>;
  static PositionKey key_of(const SourcePosition& p) {
    return {p.file + "#" + p.field, p.line, p.column};
  }

  std::string file_;
  std::vector<ConfigError>& errors_;
  ValuePositions positions_;
  std::map<const toml::node*, SourcePosition> origins_;
  const NodePositions* file_positions_ = nullptr;
  std::set<PositionKey> unresolved_;
};

inline std::string ascii_lower(std::string text) {
  for (char& c : text) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return text;
}
inline std::string ascii_upper(std::string text) {
  for (char& c : text) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return text;
}

// Expands "${VAR}" and "${VAR:-default}" in `text` ("$${" is a literal "${"). On failure returns
// false and sets `error`.
bool interpolate(std::string_view text, const Environment& env, std::string& out,
                 std::string& error);
// Interpolates every string value of the tree in place (keys are left alone).
void interpolate_tree(toml::table& root, const Environment& env, LoadContext& ctx);

// Applies every APIGW__A__B__C variable of `env` to the tree before conversion.
void apply_env_overrides(toml::table& root, const Environment& env, LoadContext& ctx);

// Levenshtein distance, for did-you-mean hints.
std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate close enough to `word` to be what was meant, if any.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);
// "; did you mean 'x'?" or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// A host name such as "api.example.com" or an IPv4 literal (no port, no brackets).
bool is_dns_name(std::string_view name);
// An IPv6 literal, bracketed or not, in the form browsers and curl put in a Host header: brackets,
// RFC 5952 text ("[0:0::1]" -> "[::1]"). nullopt if `host` is not one.
std::optional<std::string> canonical_ipv6_host(std::string_view host);
// "host:port" with an IP literal host ("0.0.0.0:8080", "[::1]:8080"); port 0 asks for any port.
bool is_valid_listen_address(std::string_view address);
// "host:port" where host may also be a DNS name; port 1..65535.
bool is_valid_target_address(std::string_view address);

// A request key as an upstream's `hash_on` and a route's `sticky` name it: "client_ip",
// "header:NAME" (NAME lower-cased), "cookie:NAME" or, with `allow_param`, "param:NAME". False
// (and `out` untouched) for anything else.
bool parse_hash_on(std::string_view text, bool allow_param, HashOn& out);

// Turns the (interpolated, overridden) tree into the schema structs, reporting shape and type
// errors. Value checks that need the whole config are left to validate().
Config convert(const toml::table& root, const FilterCatalog& filters, LoadContext& ctx);

// The converters of [store] and of the entity kinds beyond upstreams and routes
// (convert_entities.cpp), and the id and tags every entity table may carry.
// The sections, each in its convert_*.cpp.
ServerConfig convert_server(const toml::table& table, LoadContext& ctx);
// [[server.listeners]] (convert_listeners.cpp): appends each table to server.listeners.
void convert_listeners(const toml::node& node, ServerConfig& server, LoadContext& ctx);
// Puts a listener for each `listen` entry (with its proxy_protocol flag) before the
// [[server.listeners]] tables, so that the gateway binds one list.
void add_shorthand_listeners(ServerConfig& server);
AdminConfig convert_admin(const toml::table& table, LoadContext& ctx);
UpstreamConfig convert_upstream(const toml::table& table, const std::string& path,
                                LoadContext& ctx);
std::vector<RouteConfig> convert_routes(const toml::node& routes, const FilterCatalog& filters,
                                        LoadContext& ctx);
// [routes.match] (convert_route_match.cpp).
RouteMatch convert_match(const toml::table& table, const std::string& path, LoadContext& ctx);
// A route's `websocket`: `false`, or a table of limits (convert_websocket.cpp).
WebSocketConfig convert_websocket(const toml::node& node, const std::string& path, LoadContext& ctx);
// A route's `mirror` table (convert_mirror.cpp).
MirrorConfig convert_mirror(const toml::table& table, const std::string& path, LoadContext& ctx);
StoreConfig convert_store(const toml::table& table, LoadContext& ctx);
// [redis] (convert_redis.cpp): the URL split into its parts, every value checked.
RedisConfig convert_redis(const toml::table& table, LoadContext& ctx);
// [tracing] (convert_tracing.cpp): every value checked.
TracingConfig convert_tracing(const toml::table& table, LoadContext& ctx);
void convert_meta(TableReader& reader, std::string_view collection, const std::string& name,
                  EntityMeta& meta);
void convert_consumers(const toml::node& node, Config& config, LoadContext& ctx);
void convert_credentials(const toml::node& node, Config& config, LoadContext& ctx);
void convert_plugins(const toml::node& node, const FilterCatalog& filters, Config& config,
                     LoadContext& ctx);
void convert_rate_limits(const toml::node& node, Config& config, LoadContext& ctx);

// The file's entity tables as Entities (ids derived from kind and name where the file has none,
// secrets hashed). Malformed tables are skipped: convert() reports them with their positions.
std::vector<Entity> entities_of_tree(const toml::table& root);
// Replaces the entity arrays of `root` with `entities`, marking each node's origin
// ("routes/r", field path) for error messages.
void replace_entities(toml::table& root, const std::vector<Entity>& entities, LoadContext& ctx);

// Whole-config checks of the entity kinds beyond upstreams and routes, of [store] and of the
// admin token (validate_entities.cpp).
// `names` (may be null) are the names references resolve among when `config` holds only part of
// the entities (see EntityNames); null: the config's own.
void validate_entities(const Config& config, const ValuePositions& positions,
                       std::vector<ConfigError>& errors, const EntityNames* names = nullptr);

// Whether a path of a route captures the parameter `name` (a template's {name}, a regex's named
// group).
bool path_captures(const PathMatch& entry, const std::string& name);

// The checks of a route whose upstream is a path parameter (validate_services.cpp).
void validate_services(const RouteConfig& route, const std::string& route_path,
                       const ValuePositions& positions, std::vector<ConfigError>& errors);

// The checks of a route's `mirror` (validate_mirror.cpp): `route_path` is "routes.N"; references
// resolve among `known_upstreams`, whose names (`upstream_names`) give did-you-mean hints.
void validate_mirror(const RouteConfig& route, const std::string& route_path,
                     const std::unordered_set<std::string_view>& known_upstreams,
                     const std::vector<std::string>& upstream_names,
                     const ValuePositions& positions, std::vector<ConfigError>& errors);

// The checks of `listen`, `proxy_protocol` and [[server.listeners]] with their TLS settings
// (validate_listeners.cpp).
void validate_listeners(const ServerConfig& server, const ValuePositions& positions,
                        std::vector<ConfigError>& errors);

// The checks of an upstream's `tls` table (validate_upstream_tls.cpp): `path` is "upstreams.N";
// the files it names must be readable.
void validate_upstream_tls(const UpstreamConfig& upstream, const std::string& path,
                           const ValuePositions& positions, std::vector<ConfigError>& errors);

// Checks the converted config as a whole: names, references, addresses, ranges, templates.
void validate(const Config& config, const ValuePositions& positions,
              std::vector<ConfigError>& errors, const EntityNames* names = nullptr);

}  // namespace apigw::config::detail
