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

// Loads a config file. When `entities` is given (store mode), they replace whatever upstreams,
// routes, consumers, credentials, plugins and rate limits the file has, and are validated with
// the rest of it; their errors name the entity and field ("routes/r: upstream: ..."). `text_out`
// receives the file's text, so a caller can rebuild later with other entities without re-reading.
LoadResult load_config_file(const std::string& path, const Environment& env,
                            const FilterCatalog& filters,
                            const std::vector<Entity>* entities = nullptr,
                            std::string* text_out = nullptr);
LoadResult load_config_text(std::string_view text, const std::string& source_name,
                            const Environment& env, const FilterCatalog& filters,
                            const std::vector<Entity>* entities = nullptr);

// "127.x.x.x:port" or "[::1]:port".
bool is_loopback_listen_address(std::string_view address);

// "250ms", "5s", "2m", "1h", "1500us" -> duration. Bare numbers are refused (units are required).
std::optional<Duration> parse_duration(std::string_view text);
// "512", "16KiB", "4MiB", "1GiB", "10KB"(=10*1000) -> bytes.
std::optional<std::uint64_t> parse_size(std::string_view text);

}  // namespace apigw::config
