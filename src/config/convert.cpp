// TOML tree -> schema structs, the top level: which section goes where. The sections themselves
// are converted in convert_server.cpp, convert_upstreams.cpp, convert_routes.cpp,
// convert_entities.cpp, convert_redis.cpp and convert_tracing.cpp. Shape and type errors are reported there; value
// checks that need the whole config live in validate.cpp.
#include <toml++/toml.h>

#include "config/detail.h"
#include "config/reader.h"

namespace apigw::config::detail {

Config convert(const toml::table& root, const FilterCatalog& filters, LoadContext& ctx) {
  Config config;
  config.source_file = ctx.file();
  // Absent sections keep their defaults; errors about them can still name the file.
  config.server.position.file = ctx.file();
  config.admin.position.file = ctx.file();
  config.store.position.file = ctx.file();

  TableReader reader(root, "",
                     {"server", "admin", "store", "upstreams", "routes", "consumers", "credentials",
                      "plugins", "rate_limits", "redis", "tracing"},
                     ctx);
  if (const auto* server = reader.read_table("server")) {
    config.server = convert_server(*server, ctx);
  }
  add_shorthand_listeners(config.server);
  if (const auto* admin = reader.read_table("admin")) {
    config.admin = convert_admin(*admin, ctx);
  }
  if (const auto* upstreams = reader.find("upstreams")) {
    for_each_table(*upstreams, "upstreams", "upstreams", ctx,
                   [&](const toml::table& table, const std::string& path) {
                     config.upstreams.push_back(convert_upstream(table, path, ctx));
                   });
  }
  if (const auto* routes = reader.find("routes")) {
    config.routes = convert_routes(*routes, filters, ctx);
  }
  if (const auto* store = reader.read_table("store")) config.store = convert_store(*store, ctx);
  if (const auto* redis = reader.read_table("redis")) config.redis = convert_redis(*redis, ctx);
  if (const auto* tracing = reader.read_table("tracing")) {
    config.tracing = convert_tracing(*tracing, ctx);
  }
  if (const auto* node = reader.find("consumers")) convert_consumers(*node, config, ctx);
  if (const auto* node = reader.find("credentials")) convert_credentials(*node, config, ctx);
  if (const auto* node = reader.find("plugins")) convert_plugins(*node, filters, config, ctx);
  if (const auto* node = reader.find("rate_limits")) convert_rate_limits(*node, config, ctx);
  return config;
}

}  // namespace apigw::config::detail
