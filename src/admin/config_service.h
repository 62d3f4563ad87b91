// What the admin API needs from the control plane (implemented in app/control_plane): the
// entities being served, writes to them, and the config as a whole.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "admin/admin_http.h"
#include "config/entity.h"
#include "server/asio.h"
#include "store/mutation.h"

namespace apigw::admin {

struct ConfigStatus {
  std::string source;                  // "file", "sqlite" or "postgres"
  bool writable = false;               // store mode
  std::string file;                    // the config file
  std::int64_t revision = 0;           // the store revision served (file mode: reloads)
  std::uint64_t snapshot_version = 0;  // this node's snapshot counter
  std::int64_t loaded_at = 0;          // Unix ms of the served revision's load
  bool store_reachable = true;
  std::string store_error;  // the last store error while unreachable
  bool from_cache = false;  // serving the local cache (postgres unreachable since start)
};

// The outcome of a write, import or reload.
struct WriteOutcome {
  int status = 200;
  std::string code;
  std::string message;
  std::vector<ErrorDetail> details;
  config::Entity entity;  // the entity written or deleted
  std::int64_t revision = 0;
};

class ConfigService {
 public:
  virtual ~ConfigService() = default;
  virtual ConfigStatus status() const = 0;
  // The entities the served snapshot was built from.
  virtual const std::vector<config::Entity>& entities() const = 0;
  virtual server::awaitable<WriteOutcome> write(store::Mutation mutation) = 0;
  // Replaces every entity with `entities` (ids and names kept).
  virtual server::awaitable<WriteOutcome> import(std::vector<config::Entity> entities) = 0;
  // Checks the entities with the running file's other sections; nothing is applied.
  virtual std::vector<ErrorDetail> validate(const std::vector<config::Entity>& entities) const = 0;
  // Checks a whole config file's text (TOML, or YAML when `yaml`), as `apigw check` would.
  virtual std::vector<ErrorDetail> validate_file(std::string_view text, bool yaml) const = 0;
  // File mode: re-reads the file. Store mode: re-reads the file and the store.
  virtual server::awaitable<WriteOutcome> reload() = 0;
};

}  // namespace apigw::admin
