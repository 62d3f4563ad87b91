// The top-level sections of `apigw check --print`: [server] (with its listeners, limits, timeouts,
// HTTP/2 and logs), [admin], [store], [redis] and [tracing]. Key names are the converters' own
// (convert_server.cpp, convert_listeners.cpp, ...), so that the output loads back unchanged.
#include "config/effective_config.h"

#include <sstream>

#include "config/effective_config_detail.h"
#include "config/yaml_writer.h"

namespace apigw::config {
namespace detail {

std::string duration_text(Duration duration) {
  const std::int64_t ms = duration.count();
  if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1'000 == 0) return std::to_string(ms / 1'000) + "s";
  return std::to_string(ms) + "ms";
}

toml::array string_array(const std::vector<std::string>& values) {
  toml::array array;
  for (const auto& value : values) array.push_back(value);
  return array;
}

namespace {

// Where the password of a URL's userinfo is: [begin, end), or begin == npos.
std::pair<std::size_t, std::size_t> userinfo_password(const std::string& url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) return {std::string::npos, 0};
  const std::size_t authority_end = url.find_first_of("/?#", scheme + 3);
  const std::size_t at = url.rfind('@', authority_end);
  if (at == std::string::npos || at < scheme + 3) return {std::string::npos, 0};
  const std::size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return {std::string::npos, 0};
  return {colon + 1, at};
}

}  // namespace

bool url_has_password(const std::string& url) {
  return userinfo_password(url).first != std::string::npos;
}

std::string version_text(ListenerTlsConfig::Version version) {
  return version == ListenerTlsConfig::Version::tls1_3 ? "1.3" : "1.2";
}

}  // namespace detail

std::string redact_url_secrets(const std::string& url) {
  std::string out = url;
  // A "password=" query parameter (a libpq URI may carry it there), its value up to the next '&'.
  const std::size_t query = out.find('?');
  for (std::size_t at = query; at != std::string::npos && at < out.size();) {
    const std::size_t name = at + 1;
    const std::size_t end = out.find('&', name);
    if (out.compare(name, 9, "password=") == 0) {
      out.replace(name + 9, (end == std::string::npos ? out.size() : end) - name - 9,
                  detail::kRedacted);
    }
    at = out.find('&', name);
  }
  const auto [begin, end] = detail::userinfo_password(out);
  if (begin != std::string::npos) out.replace(begin, end - begin, detail::kRedacted);
  return out;
}

namespace {

using detail::duration_text;
using detail::string_array;

std::int64_t as_int(std::uint64_t value) { return static_cast<std::int64_t>(value); }

toml::table listener_tls_table(const ListenerTlsConfig& tls) {
  toml::table out;
  out.insert_or_assign("min_version", detail::version_text(tls.min_version));
  out.insert_or_assign("ciphers", tls.ciphers);
  out.insert_or_assign("ciphersuites", tls.ciphersuites);
  out.insert_or_assign("groups", tls.groups);
  out.insert_or_assign("session_tickets", tls.session_tickets);
  out.insert_or_assign("ticket_key_rotation", duration_text(tls.ticket_key_rotation));
  if (!tls.ticket_key_file.empty()) out.insert_or_assign("ticket_key_file", tls.ticket_key_file);
  out.insert_or_assign("handshake_timeout", duration_text(tls.handshake_timeout));
  using ClientAuth = ListenerTlsConfig::ClientAuth;
  out.insert_or_assign("client_auth", tls.client_auth == ClientAuth::none       ? "none"
                                      : tls.client_auth == ClientAuth::optional ? "optional"
                                                                                : "require");
  if (!tls.client_ca_file.empty()) out.insert_or_assign("client_ca_file", tls.client_ca_file);
  out.insert_or_assign("client_verify_depth", as_int(tls.client_verify_depth));
  out.insert_or_assign("forward_client_cert",
                       tls.forward_client_cert == ListenerTlsConfig::ForwardClientCert::subject
                           ? "subject"
                           : "none");
  toml::array certificates;
  for (const auto& certificate : tls.certificates) {
    toml::table entry;
    entry.insert_or_assign("cert", certificate.cert);
    entry.insert_or_assign("key", certificate.key);
    if (!certificate.names.empty()) entry.insert_or_assign("names", string_array(certificate.names));
    entry.insert_or_assign("default", certificate.is_default);
    if (!certificate.ocsp_response.empty()) {
      entry.insert_or_assign("ocsp_response", certificate.ocsp_response);
    }
    certificates.push_back(std::move(entry));
  }
  out.insert_or_assign("certificates", std::move(certificates));
  return out;
}

toml::table server_table(const ServerConfig& server) {
  toml::table out;
  // Every listener as a table (the `listen` shorthand and `proxy_protocol` list folded in).
  toml::array listeners;
  for (const auto& listener : server.listeners) {
    toml::table entry;
    entry.insert_or_assign("address", listener.address);
    entry.insert_or_assign("proxy_protocol", listener.proxy_protocol);
    entry.insert_or_assign("http2", speaks_http2(listener));
    if (listener.tls) entry.insert_or_assign("tls", listener_tls_table(*listener.tls));
    listeners.push_back(std::move(entry));
  }
  out.insert_or_assign("listeners", std::move(listeners));
  out.insert_or_assign("workers", as_int(server.workers));
  out.insert_or_assign("trusted_proxies", string_array(server.trusted_proxies));

  toml::table limits;
  limits.insert_or_assign("max_header_bytes", as_int(server.limits.max_header_bytes));
  limits.insert_or_assign("max_header_count", as_int(server.limits.max_header_count));
  limits.insert_or_assign("max_uri_bytes", as_int(server.limits.max_uri_bytes));
  limits.insert_or_assign("max_body_bytes", as_int(server.limits.max_body_bytes));
  limits.insert_or_assign("max_connections", as_int(server.limits.max_connections));
  out.insert_or_assign("limits", std::move(limits));

  const ServerTimeouts& t = server.timeouts;
  toml::table timeouts;
  timeouts.insert_or_assign("header_read", duration_text(t.header_read));
  timeouts.insert_or_assign("body_read", duration_text(t.body_read));
  timeouts.insert_or_assign("body_min_rate", as_int(t.body_min_rate));
  timeouts.insert_or_assign("idle", duration_text(t.idle));
  timeouts.insert_or_assign("drain", duration_text(t.drain));
  timeouts.insert_or_assign("websocket_route_grace", duration_text(t.websocket_route_grace));
  out.insert_or_assign("timeouts", std::move(timeouts));

  const Http2Config& h = server.http2;
  toml::table http2;
  http2.insert_or_assign("max_concurrent_streams", as_int(h.max_concurrent_streams));
  http2.insert_or_assign("stream_window", as_int(h.stream_window));
  http2.insert_or_assign("connection_window", as_int(h.connection_window));
  http2.insert_or_assign("max_resets", as_int(h.max_resets));
  http2.insert_or_assign("reset_rate", as_int(h.reset_rate));
  http2.insert_or_assign("max_control_frames", as_int(h.max_control_frames));
  http2.insert_or_assign("control_frame_rate", as_int(h.control_frame_rate));
  http2.insert_or_assign("max_empty_data", as_int(h.max_empty_data));
  http2.insert_or_assign("max_requests_per_connection", as_int(h.max_requests_per_connection));
  out.insert_or_assign("http2", std::move(http2));

  toml::table access_log;
  access_log.insert_or_assign("enabled", server.access_log.enabled);
  access_log.insert_or_assign("path", server.access_log.path);
  if (!server.access_log.fields.empty()) {
    toml::array fields;
    for (const AccessLogField field : server.access_log.fields) {
      fields.push_back(std::string(kAccessLogFieldNames[static_cast<std::size_t>(field)]));
    }
    access_log.insert_or_assign("fields", std::move(fields));
  }
  out.insert_or_assign("access_log", std::move(access_log));

  toml::table error_log;
  static constexpr const char* kLevels[] = {"debug", "info", "warn", "error"};
  static constexpr const char* kFormats[] = {"text", "json", "logfmt"};
  error_log.insert_or_assign("level", kLevels[static_cast<int>(server.error_log.level)]);
  error_log.insert_or_assign("format", kFormats[static_cast<int>(server.error_log.format)]);
  out.insert_or_assign("error_log", std::move(error_log));
  return out;
}

toml::table store_table(const StoreConfig& store) {
  toml::table out;
  using Kind = StoreConfig::Kind;
  out.insert_or_assign("kind", store.kind == Kind::file     ? "file"
                               : store.kind == Kind::sqlite ? "sqlite"
                                                            : "postgres");
  if (store.kind == Kind::sqlite) out.insert_or_assign("path", store.path);
  if (store.kind == Kind::postgres) {
    out.insert_or_assign("url", redact_url_secrets(store.url));
    if (!store.cache_path.empty()) out.insert_or_assign("cache_path", store.cache_path);
    out.insert_or_assign("poll_interval", duration_text(store.poll_interval));
    out.insert_or_assign("retry_max", duration_text(store.retry_max));
  }
  return out;
}

toml::table redis_table(const RedisConfig& redis) {
  toml::table out;
  out.insert_or_assign("url", redact_url_secrets(redis.url));
  // A password given as its own key (the URL had none) is not shown either.
  if (!redis.password.empty() && !detail::url_has_password(redis.url)) {
    out.insert_or_assign("password", detail::kRedacted);
  }
  out.insert_or_assign("timeout", duration_text(redis.timeout));
  out.insert_or_assign("connect_timeout", duration_text(redis.connect_timeout));
  out.insert_or_assign("reconnect_max", duration_text(redis.reconnect_max));
  out.insert_or_assign("pool_size", as_int(redis.pool_size));
  return out;
}

toml::table tracing_table(const TracingConfig& tracing) {
  toml::table out;
  out.insert_or_assign("otlp_endpoint", redact_url_secrets(tracing.otlp_endpoint));
  out.insert_or_assign("sample_ratio", tracing.sample_ratio);
  out.insert_or_assign("service_name", tracing.service_name);
  out.insert_or_assign("export_timeout", duration_text(tracing.export_timeout));
  out.insert_or_assign("flush_interval", duration_text(tracing.flush_interval));
  out.insert_or_assign("batch_size", as_int(tracing.batch_size));
  out.insert_or_assign("queue_size", as_int(tracing.queue_size));
  toml::table headers;
  for (const auto& [name, value] : tracing.headers) headers.insert_or_assign(name, detail::kRedacted);
  out.insert_or_assign("headers", std::move(headers));
  if (!tracing.ca_file.empty()) out.insert_or_assign("ca_file", tracing.ca_file);
  return out;
}

}  // namespace

std::string render_effective_config(const Config& config, const std::vector<Entity>& entities,
                                    ConfigFormat format) {
  toml::table root;
  root.insert_or_assign("server", server_table(config.server));
  toml::table admin;
  admin.insert_or_assign("listen", config.admin.listen);
  if (!config.admin.token.empty()) admin.insert_or_assign("token", detail::kRedacted);
  root.insert_or_assign("admin", std::move(admin));
  if (config.store.kind != StoreConfig::Kind::file) {
    root.insert_or_assign("store", store_table(config.store));
  }
  if (config.redis.enabled) root.insert_or_assign("redis", redis_table(config.redis));
  if (config.tracing.enabled) root.insert_or_assign("tracing", tracing_table(config.tracing));
  detail::add_effective_entities(config, entities, root);
  std::ostringstream out;
  out << "# apigw check --print: " << config.source_file
      << " with defaults, ${VAR} and APIGW__* applied\n\n";
  if (format == ConfigFormat::yaml) {
    write_yaml(out, root);
  } else {
    out << toml::toml_formatter(root, toml::toml_formatter::default_flags &
                                          ~toml::format_flags::indent_sub_tables);
    out << "\n";
  }
  return out.str();
}

}  // namespace apigw::config
