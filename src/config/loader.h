// Loads and validates a configuration: TOML text -> env interpolation and overrides -> schema
// structs -> validation. Every error carries "file:line:col" and all errors are reported at once.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/entity.h"
#include "config/schema.h"
#include "config/yaml_document.h"

namespace toml {
inline namespace v3 {
class node;
class table;
}  // namespace v3
}  // namespace toml

namespace apigw::config {

struct ConfigError {
  SourcePosition position;
  std::string message;
  // "file:line:col: message" (or "file: message" when there is no line).
  std::string to_string() const;
};

// The process environment as seen by the loader (injected so tests can supply their own).
struct Environment {
  std::map<std::string, std::string> variables;
  static Environment from_process();
};

// Where a node of the document being loaded came from ("file:line:col", or the entity and field
// of a document that came from the admin API or a store).
using PositionOf = std::function<SourcePosition(const toml::node&)>;

class TableReader;

// Parses the settings of the filters named in routes' `filters` lists and of routes' handlers.
// Implemented by the registries (a layer above config), so the loader knows filters and handlers
// only through this interface.
class FilterCatalog {
 public:
  virtual ~FilterCatalog() = default;
  virtual std::vector<std::string> filter_names() const = 0;
  // Parses one entry (the whole inline table; its "name" key is allowed) through `entry`, which
  // reports errors at their file:line. On success returns the filter's own parsed config.
  virtual std::shared_ptr<const void> parse_filter(std::string_view name,
                                                   TableReader& entry) const = 0;
  // The same for a route's `handler` table.
  virtual std::vector<std::string> handler_names() const { return {}; }
  virtual std::shared_ptr<const void> parse_handler(std::string_view /*name*/,
                                                    TableReader& /*entry*/) const {
    return nullptr;
  }
};

struct LoadResult {
  std::optional<Config> config;  // set only when errors is empty
  std::vector<ConfigError> errors;
  // The entities the config was built from: the file's own (ids derived where the file names
  // none, secrets hashed), or the `entities` passed in.
  std::vector<Entity> entities;
};

// The names of the upstreams, routes and consumers of a whole entity set, in its order. A write
// is checked on part of the set (the entity written and those it is linked to, see
// config/write_scope.h): references in that part resolve among these names, and did-you-mean
// hints choose among them, exactly as when the whole set is checked.
struct EntityNames {
  std::vector<std::string> upstreams, routes, consumers;
};

// Loads a config file: YAML when its name ends in .yaml or .yml (config/yaml_document.h), else
// TOML; the same schema, messages and positions either way. When `entities` is given (store mode), they replace whatever upstreams,
// routes, consumers, credentials, plugins and rate limits the file has, and are validated with
// the rest of it; their errors name the entity and field ("routes/r: upstream: ..."). `text_out`
// receives the file's text, so a caller can rebuild later with other entities without re-reading.
LoadResult load_config_file(const std::string& path, const Environment& env,
                            const FilterCatalog& filters,
                            const std::vector<Entity>* entities = nullptr,
                            std::string* text_out = nullptr);
// `names` (only with `entities`): the `entities` are part of a larger set with these names.
LoadResult load_config_text(std::string_view text, const std::string& source_name,
                            const Environment& env, const FilterCatalog& filters,
                            const std::vector<Entity>* entities = nullptr,
                            const EntityNames* names = nullptr);

// A config file's text parsed once, without its entity tables. Store mode builds every config
// from it with the store's entities, so that an admin write does not parse the file again (a file
// that seeded 10,000 routes takes longer to parse than the write's own checks).
class FileSections {
 public:
  FileSections(std::string_view text, std::string source_name);
  ~FileSections();
  FileSections(const FileSections&) = delete;
  FileSections& operator=(const FileSections&) = delete;
  // False when the text does not parse (load_config_text says why).
  bool parsed() const { return root_ != nullptr; }
  const std::string& source_name() const { return source_name_; }
  const toml::table& root() const { return *root_; }
  // A YAML file's positions of its values (empty for TOML, whose nodes carry theirs).
  const NodePositions& positions() const { return positions_; }

 private:
  std::unique_ptr<toml::table> root_;
  NodePositions positions_;
  std::string source_name_;
};

// load_config_text() of the file `sections` came from, with `entities` in place of its own:
// the same config and the same errors, at the same positions.
LoadResult load_config_sections(const FileSections& sections, const Environment& env,
                                const FilterCatalog& filters, const std::vector<Entity>& entities,
                                const EntityNames* names = nullptr);

// Reads a config file whole; the error ("cannot read PATH: reason", a directory included) when
// it cannot.
std::optional<ConfigError> read_config_file(const std::string& path, std::string& text);

// Parses a config file's text, YAML or TOML by its name (is_yaml_file), into `root`; a YAML
// file's value positions go to `positions`. False (with the error in `errors`) when it does not
// parse.
bool parse_config_document(std::string_view text, const std::string& source_name, toml::table& root,
                           NodePositions& positions, std::vector<ConfigError>& errors);

// "127.x.x.x:port" or "[::1]:port".
bool is_loopback_listen_address(std::string_view address);

// "250ms", "5s", "2m", "1h", "1500us" -> duration. Bare numbers are refused (units are required).
std::optional<Duration> parse_duration(std::string_view text);
// "512", "16KiB", "4MiB", "1GiB", "10KB"(=10*1000) -> bytes.
std::optional<std::uint64_t> parse_size(std::string_view text);

}  // namespace apigw::config
