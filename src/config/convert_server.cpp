// TOML -> schema structs: [server] (listen addresses, limits, timeouts, access log, trusted
// proxies) and [admin]. The [[server.listeners]] tables are read by convert_listeners.cpp.
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

#include "config/detail.h"
#include "config/reader.h"
#include "http/message.h"

namespace apigw::config::detail {
namespace {

const FieldTable<ServerLimits> kLimitFields = {
    {"max_header_bytes", &ServerLimits::max_header_bytes},
    {"max_header_count", &ServerLimits::max_header_count},
    {"max_uri_bytes", &ServerLimits::max_uri_bytes},
    {"max_body_bytes", &ServerLimits::max_body_bytes},
    {"max_connections", &ServerLimits::max_connections},
};

const FieldTable<ServerTimeouts> kTimeoutFields = {
    {"header_read", &ServerTimeouts::header_read},
    {"body_read", &ServerTimeouts::body_read},
    {"body_min_rate", &ServerTimeouts::body_min_rate},
    {"idle", &ServerTimeouts::idle},
    {"drain", &ServerTimeouts::drain},
    {"websocket_route_grace", &ServerTimeouts::websocket_route_grace},
};

const FieldTable<Http2Config> kHttp2Fields = {
    {"max_concurrent_streams", &Http2Config::max_concurrent_streams},
    {"stream_window", &Http2Config::stream_window},
    {"connection_window", &Http2Config::connection_window},
    {"max_resets", &Http2Config::max_resets},
    {"reset_rate", &Http2Config::reset_rate},
    {"max_control_frames", &Http2Config::max_control_frames},
    {"control_frame_rate", &Http2Config::control_frame_rate},
    {"max_empty_data", &Http2Config::max_empty_data},
    {"max_requests_per_connection", &Http2Config::max_requests_per_connection},
};

void convert_limits(const toml::table& table, ServerLimits& limits, LoadContext& ctx) {
  TableReader reader(table, "server.limits", kLimitFields.keys(), ctx);
  kLimitFields.read(reader, limits);
}

void convert_timeouts(const toml::table& table, ServerTimeouts& timeouts, LoadContext& ctx) {
  TableReader reader(table, "server.timeouts", kTimeoutFields.keys(), ctx);
  kTimeoutFields.read(reader, timeouts);
}

}  // namespace

ServerConfig convert_server(const toml::table& table, LoadContext& ctx) {
  ServerConfig server;
  TableReader reader(table, "server",
                     {"listen", "workers", "limits", "timeouts", "access_log", "error_log", "trusted_proxies",
                      "proxy_protocol", "listeners", "http2"},
                     ctx);
  server.position = reader.position();
  const bool listen_written = reader.find("listen") != nullptr;
  reader.read_strings("listen", server.listen);
  if (const auto* listeners = reader.find("listeners")) {
    convert_listeners(*listeners, server, ctx);
    // The default 127.0.0.1:8080 is for a file that says nothing about where to listen; one
    // with [[server.listeners]] tables binds exactly those (plus `listen`, if written).
    if (!listen_written) server.listen.clear();
  }
  reader.read_count("workers", server.workers);
  reader.read_strings("trusted_proxies", server.trusted_proxies);
  reader.read_strings("proxy_protocol", server.proxy_protocol);
  if (const auto* limits = reader.read_table("limits")) {
    convert_limits(*limits, server.limits, ctx);
  }
  if (const auto* timeouts = reader.read_table("timeouts")) {
    convert_timeouts(*timeouts, server.timeouts, ctx);
  }
  if (const auto* http2 = reader.read_table("http2")) {
    TableReader fields(*http2, "server.http2", kHttp2Fields.keys(), ctx);
    kHttp2Fields.read(fields, server.http2);
  }
  if (const auto* error_log = reader.read_table("error_log")) {
    TableReader log(*error_log, "server.error_log", {"level", "format"}, ctx);
    log.read_enum("level",
                  {{"debug", util::LogLevel::debug},
                   {"info", util::LogLevel::info},
                   {"warn", util::LogLevel::warn},
                   {"error", util::LogLevel::error}},
                  server.error_log.level);
    log.read_enum("format",
                  {{"text", util::LogFormat::text},
                   {"json", util::LogFormat::json},
                   {"logfmt", util::LogFormat::logfmt}},
                  server.error_log.format);
  }
  if (const auto* access_log = reader.read_table("access_log")) {
    TableReader log(*access_log, "server.access_log", {"enabled", "path", "fields"}, ctx);
    log.read_bool("enabled", server.access_log.enabled);
    log.read_string("path", server.access_log.path);
    if (std::vector<std::string> names; log.read_strings("fields", names)) {
      const std::vector<std::string> known(kAccessLogFieldNames.begin(),
                                           kAccessLogFieldNames.end());
      for (const std::string& name : names) {
        if (const auto field = access_log_field(name)) {
          auto& fields = server.access_log.fields;
          if (std::find(fields.begin(), fields.end(), *field) != fields.end()) {
            log.error("fields", "access log field '" + name + "' is listed twice");
          } else {
            fields.push_back(*field);
          }
        } else {
          log.error("fields", "unknown access log field '" + name + "'" + did_you_mean(name, known));
        }
      }
    }
  }
  return server;
}

void add_shorthand_listeners(ServerConfig& server) {
  std::vector<ListenerConfig> listeners;
  listeners.reserve(server.listen.size() + server.listeners.size());
  for (const auto& address : server.listen) {
    ListenerConfig listener;
    listener.address = address;
    listener.proxy_protocol = std::find(server.proxy_protocol.begin(), server.proxy_protocol.end(),
                                        address) != server.proxy_protocol.end();
    listener.position = server.position;
    listeners.push_back(std::move(listener));
  }
  for (auto& listener : server.listeners) listeners.push_back(std::move(listener));
  server.listeners = std::move(listeners);
}

AdminConfig convert_admin(const toml::table& table, LoadContext& ctx) {
  AdminConfig admin;
  TableReader reader(table, "admin", {"listen", "token"}, ctx);
  admin.position = reader.position();
  reader.read_string("listen", admin.listen);
  reader.read_string("token", admin.token);
  return admin;
}

}  // namespace apigw::config::detail
