// The entity arrays of `apigw check --print` ([[upstreams]], [[routes]], ...), every key with its
// effective value. Filter and handler settings come from the entities as loaded (a filter's
// settings are parsed by the filter, into a type only it knows).
#include <boost/json.hpp>

#include "config/effective_config_detail.h"
#include "config/entity_document.h"

namespace apigw::config::detail {
namespace {

std::int64_t as_int(std::uint64_t value) { return static_cast<std::int64_t>(value); }

void add_meta(const EntityMeta& meta, toml::table& out) {
  if (!meta.id.empty()) out.insert_or_assign("id", meta.id);
  if (!meta.tags.empty()) out.insert_or_assign("tags", string_array(meta.tags));
}

std::string hash_on_text(const HashOn& hash_on) {
  switch (hash_on.kind) {
    case HashOn::Kind::client_ip:
      return "client_ip";
    case HashOn::Kind::header:
      return "header:" + hash_on.name;
    case HashOn::Kind::cookie:
      return "cookie:" + hash_on.name;
    case HashOn::Kind::param:
      return "param:" + hash_on.name;
  }
  return "client_ip";
}

toml::table outlier_table(const OutlierDetectionConfig& outlier) {
  toml::table out;
  out.insert_or_assign("consecutive_failures", as_int(outlier.consecutive_failures));
  out.insert_or_assign("base_ejection_time", duration_text(outlier.base_ejection_time));
  out.insert_or_assign("max_ejection_time", duration_text(outlier.max_ejection_time));
  out.insert_or_assign("max_ejection_percent", as_int(outlier.max_ejection_percent));
  return out;
}

toml::table breaker_table(const CircuitBreakerConfig& b) {
  toml::table out;
  using Scope = CircuitBreakerConfig::Scope;
  out.insert_or_assign("scope", b.scope == Scope::target     ? "target"
                                : b.scope == Scope::upstream ? "upstream"
                                                             : "both");
  out.insert_or_assign("failure_rate", as_int(b.failure_rate));
  out.insert_or_assign("slow_call_rate", as_int(b.slow_call_rate));
  out.insert_or_assign("slow_call_duration", duration_text(b.slow_call_duration));
  out.insert_or_assign("window", duration_text(b.window));
  out.insert_or_assign("minimum_calls", as_int(b.minimum_calls));
  out.insert_or_assign("consecutive_failures", as_int(b.consecutive_failures));
  out.insert_or_assign("open_duration", duration_text(b.open_duration));
  out.insert_or_assign("half_open_calls", as_int(b.half_open_calls));
  out.insert_or_assign("max_in_flight", as_int(b.max_in_flight));
  out.insert_or_assign("max_connections", as_int(b.max_connections));
  out.insert_or_assign("max_pending", as_int(b.max_pending));
  return out;
}

toml::table health_check_table(const HealthCheckConfig& h) {
  toml::table out;
  out.insert_or_assign("type", h.kind == HealthCheckConfig::Kind::http ? "http" : "tcp");
  if (h.kind == HealthCheckConfig::Kind::http) {
    out.insert_or_assign("path", h.path);
    out.insert_or_assign("method", h.method);
    if (!h.host.empty()) out.insert_or_assign("host", h.host);
    toml::array statuses;
    for (const auto& [low, high] : h.expected_statuses) {
      statuses.push_back(low == high ? std::to_string(low)
                                     : std::to_string(low) + "-" + std::to_string(high));
    }
    out.insert_or_assign("expected_statuses", std::move(statuses));
    if (!h.body_contains.empty()) out.insert_or_assign("body_contains", h.body_contains);
  }
  out.insert_or_assign("interval", duration_text(h.interval));
  out.insert_or_assign("timeout", duration_text(h.timeout));
  out.insert_or_assign("healthy_threshold", as_int(h.healthy_threshold));
  out.insert_or_assign("unhealthy_threshold", as_int(h.unhealthy_threshold));
  return out;
}

toml::table upstream_table(const UpstreamConfig& u) {
  toml::table out;
  out.insert_or_assign("name", u.name);
  add_meta(u.meta, out);
  out.insert_or_assign("protocol", u.protocol == UpstreamProtocol::h2 ? "h2" : "http1");
  toml::array targets;
  for (const auto& target : u.targets) {
    toml::table entry;
    entry.insert_or_assign("address", target.address);
    entry.insert_or_assign("weight", as_int(target.weight));
    entry.insert_or_assign("backup", target.backup);
    entry.insert_or_assign("drain", target.drain);
    entry.insert_or_assign("health", target_health_name(target.health));
    targets.push_back(std::move(entry));
  }
  out.insert_or_assign("targets", std::move(targets));
  out.insert_or_assign("connect_timeout", duration_text(u.connect_timeout));
  out.insert_or_assign("request_timeout", duration_text(u.request_timeout));
  toml::table keepalive;
  keepalive.insert_or_assign("max_idle", as_int(u.keepalive_max_idle));
  keepalive.insert_or_assign("idle_timeout", duration_text(u.keepalive_idle_timeout));
  out.insert_or_assign("keepalive", std::move(keepalive));
  switch (u.host_header) {
    case HostHeaderMode::preserve:
      out.insert_or_assign("host_header", "preserve");
      break;
    case HostHeaderMode::target:
      out.insert_or_assign("host_header", "target");
      break;
    case HostHeaderMode::fixed:
      out.insert_or_assign("host_header", u.host_header_value);
      break;
  }
  out.insert_or_assign("resolve_interval", duration_text(u.resolve_interval));
  static constexpr const char* kBalancers[] = {"round_robin", "weighted_round_robin",
                                               "least_connections", "least_request_p2c",
                                               "consistent_hash"};
  out.insert_or_assign("balancer", kBalancers[static_cast<int>(u.balancer)]);
  if (u.balancer == BalancerKind::consistent_hash) {
    out.insert_or_assign("hash_on", hash_on_text(u.hash_on));
  }
  if (u.outlier_detection.enabled) {
    out.insert_or_assign("outlier_detection", outlier_table(u.outlier_detection));
  }
  toml::table ejection = outlier_table(u.connect_failure_ejection);
  ejection.insert_or_assign("enabled", u.connect_failure_ejection.enabled);
  out.insert_or_assign("connect_failure_ejection", std::move(ejection));
  if (u.circuit_breaker.enabled) out.insert_or_assign("circuit_breaker", breaker_table(u.circuit_breaker));
  if (u.health_check.enabled) out.insert_or_assign("health_check", health_check_table(u.health_check));
  if (u.tls) {
    toml::table tls;
    tls.insert_or_assign("verify", u.tls->verify);
    if (!u.tls->ca_file.empty()) tls.insert_or_assign("ca_file", u.tls->ca_file);
    if (!u.tls->server_name.empty()) tls.insert_or_assign("server_name", u.tls->server_name);
    if (!u.tls->client_cert.empty()) tls.insert_or_assign("client_cert", u.tls->client_cert);
    if (!u.tls->client_key.empty()) tls.insert_or_assign("client_key", u.tls->client_key);
    tls.insert_or_assign("min_version", version_text(u.tls->min_version));
    out.insert_or_assign("tls", std::move(tls));
  }
  return out;
}

toml::table predicate_table(const ValuePredicate& predicate) {
  toml::table out;
  out.insert_or_assign("name", predicate.name);
  using Kind = ValuePredicate::Kind;
  switch (predicate.kind) {
    case Kind::exact:
      out.insert_or_assign("exact", predicate.value);
      break;
    case Kind::prefix:
      out.insert_or_assign("prefix", predicate.value);
      break;
    case Kind::regex:
      out.insert_or_assign("regex", predicate.value);
      break;
    case Kind::present:
      out.insert_or_assign("present", true);
      break;
    case Kind::absent:
      out.insert_or_assign("absent", true);
      break;
  }
  return out;
}

toml::table match_table(const RouteMatch& match) {
  toml::table out;
  toml::array paths;
  for (const PathMatch& path : match.paths) {
    static constexpr const char* kKinds[] = {"prefix", "exact", "template", "regex"};
    toml::table entry;
    entry.insert_or_assign(kKinds[static_cast<int>(path.kind)], path.value);
    paths.push_back(std::move(entry));
  }
  out.insert_or_assign("paths", std::move(paths));
  if (!match.hosts.empty()) out.insert_or_assign("hosts", string_array(match.hosts));
  if (!match.methods.empty()) out.insert_or_assign("methods", string_array(match.methods));
  const std::pair<const char*, const std::vector<ValuePredicate>*> lists[] = {
      {"headers", &match.headers}, {"query", &match.query}, {"cookies", &match.cookies}};
  for (const auto& [key, predicates] : lists) {
    if (predicates->empty()) continue;
    toml::array array;
    for (const auto& predicate : *predicates) array.push_back(predicate_table(predicate));
    out.insert_or_assign(key, std::move(array));
  }
  return out;
}

toml::table retry_table(const RetryConfig& r) {
  toml::table out;
  out.insert_or_assign("attempts", as_int(r.attempts));
  toml::array on;
  if (r.on_connect_failure) on.push_back("connect_failure");
  if (r.on_reset) on.push_back("reset");
  if (r.on_timeout) on.push_back("timeout");
  for (const int status : r.on_statuses) on.push_back(std::to_string(status));
  out.insert_or_assign("on", std::move(on));
  if (r.per_try_timeout) out.insert_or_assign("per_try_timeout", duration_text(*r.per_try_timeout));
  toml::table backoff;
  backoff.insert_or_assign("base", duration_text(r.backoff_base));
  backoff.insert_or_assign("max", duration_text(r.backoff_max));
  out.insert_or_assign("backoff", std::move(backoff));
  out.insert_or_assign("non_idempotent", r.non_idempotent);
  out.insert_or_assign("replay_limit", as_int(r.replay_limit));
  toml::table budget;
  budget.insert_or_assign("percent", as_int(r.budget_percent));
  budget.insert_or_assign("min", as_int(r.budget_min));
  out.insert_or_assign("budget", std::move(budget));
  out.insert_or_assign("failover", r.failover);
  return out;
}

toml::table fallback_table(const FallbackConfig& f) {
  toml::table out;
  out.insert_or_assign("stale_if_error", duration_text(f.stale_if_error));
  out.insert_or_assign("stale_max_body", as_int(f.stale_max_body));
  if (!f.upstream.empty()) out.insert_or_assign("upstream", f.upstream);
  if (f.status != 0) {
    out.insert_or_assign("status", static_cast<std::int64_t>(f.status));
    out.insert_or_assign("body", f.body);
    toml::table headers;
    for (const auto& [name, value] : f.headers) headers.insert_or_assign(name, value);
    out.insert_or_assign("headers", std::move(headers));
  }
  return out;
}

toml::table websocket_table(const WebSocketConfig& w) {
  toml::table out;
  out.insert_or_assign("enabled", w.enabled);
  out.insert_or_assign("idle_timeout", duration_text(w.idle_timeout));
  out.insert_or_assign("ping_interval", duration_text(w.ping_interval));
  out.insert_or_assign("max_message_size", as_int(w.max_message_size));
  out.insert_or_assign("max_connections", as_int(w.max_connections));
  if (w.max_duration) out.insert_or_assign("max_duration", duration_text(*w.max_duration));
  return out;
}

// The entity's body as loaded (null when there is none of that kind and name).
boost::json::object body_of(const std::vector<Entity>& entities, EntityKind kind,
                            const std::string& name) {
  for (const Entity& entity : entities) {
    if (entity.kind != kind || entity.name != name) continue;
    boost::system::error_code ec;
    boost::json::value body = boost::json::parse(entity.body, ec);
    if (!ec && body.is_object()) return body.as_object();
  }
  return {};
}

// A JSON settings object as a TOML table (filters' settings as written).
toml::table settings_table(const boost::json::value& settings) {
  toml::table out;
  std::vector<FieldError> ignored;
  if (settings.is_object()) json_to_toml_table(settings.as_object(), out, ignored);
  return out;
}

toml::table route_table(const RouteConfig& r, const boost::json::object& body) {
  toml::table out;
  out.insert_or_assign("name", r.name);
  add_meta(r.meta, out);
  out.insert_or_assign("match", match_table(r.match));
  if (!r.upstream_param.empty()) {
    out.insert_or_assign("upstream", "{" + r.upstream_param + "}");
    toml::table services;
    if (!r.services.allow.empty()) services.insert_or_assign("allow", string_array(r.services.allow));
    if (!r.services.tag.empty()) services.insert_or_assign("tag", r.services.tag);
    out.insert_or_assign("services", std::move(services));
  } else if (!r.upstream.empty()) {
    out.insert_or_assign("upstream", r.upstream);
  } else if (!r.upstreams.empty()) {
    toml::array arms;
    for (const auto& arm : r.upstreams) {
      toml::table entry;
      entry.insert_or_assign("name", arm.name);
      entry.insert_or_assign("weight", as_int(arm.weight));
      arms.push_back(std::move(entry));
    }
    out.insert_or_assign("upstreams", std::move(arms));
    if (r.sticky) out.insert_or_assign("sticky", hash_on_text(*r.sticky));
  }
  if (r.handler) {
    const auto* handler = body.if_contains("handler");
    out.insert_or_assign("handler", settings_table(handler != nullptr ? *handler : nullptr));
  }
  static constexpr const char* kRewrites[] = {"", "strip_prefix", "replace_prefix", "template"};
  if (r.rewrite.kind != RewriteConfig::Kind::none) {
    toml::table rewrite;
    rewrite.insert_or_assign(kRewrites[static_cast<int>(r.rewrite.kind)], r.rewrite.value);
    out.insert_or_assign("rewrite", std::move(rewrite));
  }
  if (r.timeout) out.insert_or_assign("timeout", duration_text(*r.timeout));
  if (r.max_body_bytes) out.insert_or_assign("max_body_bytes", as_int(*r.max_body_bytes));
  out.insert_or_assign("max_buffered_body_bytes", as_int(r.max_buffered_body_bytes));
  out.insert_or_assign("retry", retry_table(r.retry));
  if (r.fallback.enabled) out.insert_or_assign("fallback", fallback_table(r.fallback));
  if (r.mirror) {
    toml::table mirror;
    mirror.insert_or_assign("upstream", r.mirror->upstream);
    mirror.insert_or_assign("percent", r.mirror->percent);
    mirror.insert_or_assign("max_body_bytes", as_int(r.mirror->max_body_bytes));
    mirror.insert_or_assign("timeout", duration_text(r.mirror->timeout));
    out.insert_or_assign("mirror", std::move(mirror));
  }
  out.insert_or_assign("websocket", websocket_table(r.websocket));
  if (!r.filters.empty()) {
    toml::array filters;
    const auto* written = body.if_contains("filters");
    for (std::size_t i = 0; i < r.filters.size(); ++i) {
      const bool known = written != nullptr && written->is_array() && i < written->as_array().size();
      toml::table entry = known ? settings_table(written->as_array()[i]) : toml::table{};
      entry.insert_or_assign("name", r.filters[i].name);
      filters.push_back(std::move(entry));
    }
    out.insert_or_assign("filters", std::move(filters));
  }
  return out;
}

}  // namespace

void add_effective_entities(const Config& config, const std::vector<Entity>& entities,
                            toml::table& root) {
  toml::array upstreams;
  for (const auto& upstream : config.upstreams) upstreams.push_back(upstream_table(upstream));
  if (!upstreams.empty()) root.insert_or_assign("upstreams", std::move(upstreams));

  toml::array routes;
  for (const auto& route : config.routes) {
    routes.push_back(route_table(route, body_of(entities, EntityKind::route, route.name)));
  }
  if (!routes.empty()) root.insert_or_assign("routes", std::move(routes));

  toml::array consumers;
  for (const auto& consumer : config.consumers) {
    toml::table out;
    out.insert_or_assign("name", consumer.name);
    add_meta(consumer.meta, out);
    if (!consumer.custom_id.empty()) out.insert_or_assign("custom_id", consumer.custom_id);
    consumers.push_back(std::move(out));
  }
  if (!consumers.empty()) root.insert_or_assign("consumers", std::move(consumers));

  toml::array credentials;
  for (const auto& credential : config.credentials) {
    toml::table out;
    const bool api_key = credential.kind == CredentialConfig::Kind::api_key;
    out.insert_or_assign("name", credential.name);
    add_meta(credential.meta, out);
    out.insert_or_assign("consumer", credential.consumer);
    out.insert_or_assign("type", api_key ? "api_key" : "password");
    out.insert_or_assign(api_key ? "key_hash" : "password_hash", credential.secret_hash);
    credentials.push_back(std::move(out));
  }
  if (!credentials.empty()) root.insert_or_assign("credentials", std::move(credentials));

  toml::array plugins;
  for (const auto& plugin : config.plugins) {
    toml::table out;
    out.insert_or_assign("name", plugin.name);
    add_meta(plugin.meta, out);
    if (!plugin.route.empty()) out.insert_or_assign("route", plugin.route);
    if (!plugin.upstream.empty()) out.insert_or_assign("upstream", plugin.upstream);
    out.insert_or_assign("enabled", plugin.enabled);
    out.insert_or_assign("filter", plugin.filter.name);
    const boost::json::object body = body_of(entities, EntityKind::plugin, plugin.name);
    if (const auto* settings = body.if_contains("config")) {
      out.insert_or_assign("config", settings_table(*settings));
    }
    plugins.push_back(std::move(out));
  }
  if (!plugins.empty()) root.insert_or_assign("plugins", std::move(plugins));

  toml::array rate_limits;
  for (const auto& rule : config.rate_limits) {
    toml::table out;
    out.insert_or_assign("name", rule.name);
    add_meta(rule.meta, out);
    if (!rule.route.empty()) out.insert_or_assign("route", rule.route);
    if (!rule.consumer.empty()) out.insert_or_assign("consumer", rule.consumer);
    out.insert_or_assign("algorithm", rule.algorithm == RateLimitConfig::Algorithm::token_bucket
                                          ? "token_bucket"
                                          : "sliding_window");
    out.insert_or_assign("limit", as_int(rule.limit));
    out.insert_or_assign("window", duration_text(rule.window));
    out.insert_or_assign("burst", as_int(rule.burst));
    using Key = RateLimitConfig::Key;
    out.insert_or_assign("key", rule.key == Key::client_ip  ? std::string("client_ip")
                                : rule.key == Key::consumer ? std::string("consumer")
                                                             : "header:" + rule.key_header);
    out.insert_or_assign("scope", rule.scope == RateLimitConfig::Scope::local ? "local" : "cluster");
    rate_limits.push_back(std::move(out));
  }
  if (!rate_limits.empty()) root.insert_or_assign("rate_limits", std::move(rate_limits));
}

}  // namespace apigw::config::detail
