// TOML -> WebSocketConfig: a route's `websocket = false`, or its `[routes.websocket]` table of
// limits. Ranges are checked here too: none of them depends on the rest of the config.
#include <toml++/toml.h>

#include "config/detail.h"
#include "config/reader.h"

namespace apigw::config::detail {

WebSocketConfig convert_websocket(const toml::node& node, const std::string& path,
                                  LoadContext& ctx) {
  WebSocketConfig websocket;
  if (const auto* flag = node.as_boolean()) {
    websocket.enabled = flag->get();
    return websocket;
  }
  const auto* table = node.as_table();
  if (table == nullptr) {
    ctx.error(node, "'websocket' must be false or a table of limits (idle_timeout, "
                    "ping_interval, max_message_size, max_connections, max_duration)");
    return websocket;
  }
  TableReader reader(*table, path,
                     {"enabled", "idle_timeout", "ping_interval", "max_message_size",
                      "max_connections", "max_duration"},
                     ctx);
  reader.read_bool("enabled", websocket.enabled);
  if (reader.read_duration("idle_timeout", websocket.idle_timeout) &&
      websocket.idle_timeout.count() <= 0) {
    reader.error("idle_timeout", "'idle_timeout' must be greater than zero");
  }
  if (reader.read_duration("ping_interval", websocket.ping_interval) &&
      websocket.ping_interval.count() < 0) {
    reader.error("ping_interval", "'ping_interval' must be zero (no pings) or more");
  }
  if (reader.read_size("max_message_size", websocket.max_message_size) &&
      websocket.max_message_size == 0) {
    reader.error("max_message_size", "'max_message_size' must be greater than zero");
  }
  reader.read_count("max_connections", websocket.max_connections);
  if (Duration duration{}; reader.read_duration("max_duration", duration)) {
    if (duration.count() <= 0) {
      reader.error("max_duration", "'max_duration' must be greater than zero");
    }
    websocket.max_duration = duration;
  }
  return websocket;
}

}  // namespace apigw::config::detail
