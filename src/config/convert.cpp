// TOML tree -> schema structs for the top level, [server], [admin] and [[upstreams]]. Shape and
// type errors are reported here; value checks that need the whole config live in validate.cpp.
#include <toml++/toml.h>

#include "config/detail.h"
#include "config/reader.h"

namespace apigw::config::detail {
namespace {

void convert_limits(const toml::table& table, ServerLimits& limits, LoadContext& ctx) {
  TableReader reader(table, "server.limits",
                     {"max_header_bytes", "max_header_count", "max_uri_bytes", "max_body_bytes",
                      "max_connections"},
                     ctx);
  reader.read_size("max_header_bytes", limits.max_header_bytes);
  reader.read_count("max_header_count", limits.max_header_count);
  reader.read_size("max_uri_bytes", limits.max_uri_bytes);
  reader.read_size("max_body_bytes", limits.max_body_bytes);
  reader.read_count("max_connections", limits.max_connections);
}

void convert_timeouts(const toml::table& table, ServerTimeouts& timeouts, LoadContext& ctx) {
  TableReader reader(table, "server.timeouts", {"header_read", "body_read", "idle", "drain"}, ctx);
  reader.read_duration("header_read", timeouts.header_read);
  reader.read_duration("body_read", timeouts.body_read);
  reader.read_duration("idle", timeouts.idle);
  reader.read_duration("drain", timeouts.drain);
}

ServerConfig convert_server(const toml::table& table, LoadContext& ctx) {
  ServerConfig server;
  TableReader reader(table, "server", {"listen", "workers", "limits", "timeouts", "access_log"},
                     ctx);
  server.position = reader.position();
  reader.read_strings("listen", server.listen);
  reader.read_count("workers", server.workers);
  if (const auto* limits = reader.read_table("limits")) {
    convert_limits(*limits, server.limits, ctx);
  }
  if (const auto* timeouts = reader.read_table("timeouts")) {
    convert_timeouts(*timeouts, server.timeouts, ctx);
  }
  if (const auto* access_log = reader.read_table("access_log")) {
    TableReader log(*access_log, "server.access_log", {"enabled", "path"}, ctx);
    log.read_bool("enabled", server.access_log.enabled);
    log.read_string("path", server.access_log.path);
  }
  return server;
}

AdminConfig convert_admin(const toml::table& table, LoadContext& ctx) {
  AdminConfig admin;
  TableReader reader(table, "admin", {"listen"}, ctx);
  admin.position = reader.position();
  reader.read_string("listen", admin.listen);
  return admin;
}

TargetConfig convert_target(const toml::table& table, const std::string& path,
                            LoadContext& ctx) {
  TargetConfig target;
  TableReader reader(table, path, {"address", "weight"}, ctx);
  target.position = reader.position();
  reader.read_string("address", target.address, Presence::required);
  reader.read_count("weight", target.weight);
  return target;
}

void convert_host_header(TableReader& reader, UpstreamConfig& upstream) {
  std::string mode;
  if (!reader.read_string("host_header", mode)) return;
  if (mode == "preserve") {
    upstream.host_header = HostHeaderMode::preserve;
  } else if (mode == "target") {
    upstream.host_header = HostHeaderMode::target;
  } else if (mode.empty()) {
    reader.context().error(reader.context().positions().at(reader.path_of("host_header"), {}),
                           "'host_header' must be \"preserve\", \"target\" or a host name");
  } else {
    upstream.host_header = HostHeaderMode::fixed;
    upstream.host_header_value = std::move(mode);
  }
}

UpstreamConfig convert_upstream(const toml::table& table, const std::string& path,
                                LoadContext& ctx) {
  UpstreamConfig upstream;
  TableReader reader(table, path,
                     {"name", "targets", "connect_timeout", "request_timeout", "host_header",
                      "resolve_interval", "keepalive"},
                     ctx);
  upstream.position = reader.position();
  reader.read_string("name", upstream.name, Presence::required);
  if (const auto* targets = reader.find("targets")) {
    for_each_table(*targets, "targets", reader.path_of("targets"), ctx,
                   [&](const toml::table& target, const std::string& target_path) {
                     upstream.targets.push_back(convert_target(target, target_path, ctx));
                   });
  }
  reader.read_duration("connect_timeout", upstream.connect_timeout);
  reader.read_duration("request_timeout", upstream.request_timeout);
  convert_host_header(reader, upstream);
  reader.read_duration("resolve_interval", upstream.resolve_interval);
  if (const auto* keepalive = reader.read_table("keepalive")) {
    TableReader pool(*keepalive, reader.path_of("keepalive"), {"max_idle", "idle_timeout"}, ctx);
    pool.read_count("max_idle", upstream.keepalive_max_idle);
    pool.read_duration("idle_timeout", upstream.keepalive_idle_timeout);
  }
  return upstream;
}

}  // namespace

Config convert(const toml::table& root, const FilterCatalog& filters, LoadContext& ctx) {
  Config config;
  config.source_file = ctx.file();
  // Absent sections keep their defaults; errors about them can still name the file.
  config.server.position.file = ctx.file();
  config.admin.position.file = ctx.file();

  TableReader reader(root, "", {"server", "admin", "upstreams", "routes"}, ctx);
  if (const auto* server = reader.read_table("server")) {
    config.server = convert_server(*server, ctx);
  }
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
  return config;
}

}  // namespace apigw::config::detail
