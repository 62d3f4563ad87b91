// TOML tree -> schema structs: [server], [admin], [[upstreams]] and [[routes]] (whose filters
// entries are parsed by the FilterCatalog). Shape and type errors are reported here; value checks
// that need the whole config live in validate.cpp.
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
    {"idle", &ServerTimeouts::idle},
    {"drain", &ServerTimeouts::drain},
};

void convert_limits(const toml::table& table, ServerLimits& limits, LoadContext& ctx) {
  TableReader reader(table, "server.limits", kLimitFields.keys(), ctx);
  kLimitFields.read(reader, limits);
}

void convert_timeouts(const toml::table& table, ServerTimeouts& timeouts, LoadContext& ctx) {
  TableReader reader(table, "server.timeouts", kTimeoutFields.keys(), ctx);
  kTimeoutFields.read(reader, timeouts);
}

ServerConfig convert_server(const toml::table& table, LoadContext& ctx) {
  ServerConfig server;
  TableReader reader(table, "server",
                     {"listen", "workers", "limits", "timeouts", "access_log", "trusted_proxies"},
                     ctx);
  server.position = reader.position();
  reader.read_strings("listen", server.listen);
  reader.read_count("workers", server.workers);
  reader.read_strings("trusted_proxies", server.trusted_proxies);
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
  TableReader reader(table, "admin", {"listen", "token"}, ctx);
  admin.position = reader.position();
  reader.read_string("listen", admin.listen);
  reader.read_string("token", admin.token);
  return admin;
}

TargetConfig convert_target(const toml::table& table, const std::string& path, LoadContext& ctx) {
  TargetConfig target;
  TableReader reader(table, path, {"address", "weight", "backup"}, ctx);
  target.position = reader.position();
  reader.read_string("address", target.address, Presence::required);
  reader.read_count("weight", target.weight);
  reader.read_bool("backup", target.backup);
  return target;
}

const FieldTable<HealthCheckConfig> kHealthCheckFields = {
    {"path", &HealthCheckConfig::path},
    {"method", &HealthCheckConfig::method},
    {"host", &HealthCheckConfig::host},
    {"body_contains", &HealthCheckConfig::body_contains},
    {"interval", &HealthCheckConfig::interval},
    {"timeout", &HealthCheckConfig::timeout},
    {"healthy_threshold", &HealthCheckConfig::healthy_threshold},
    {"unhealthy_threshold", &HealthCheckConfig::unhealthy_threshold},
};

void convert_health_check(const toml::table& table, const std::string& path, LoadContext& ctx,
                          HealthCheckConfig& check) {
  check.enabled = true;
  TableReader reader(table, path, kHealthCheckFields.keys({"type", "expected_statuses"}), ctx);
  kHealthCheckFields.read(reader, check);
  std::string kind;
  if (reader.read_string("type", kind)) {
    if (kind == "http") {
      check.kind = HealthCheckConfig::Kind::http;
    } else if (kind == "tcp") {
      check.kind = HealthCheckConfig::Kind::tcp;
    } else {
      ctx.error(ctx.positions().at(reader.path_of("type"), {}),
                "health_check 'type' must be \"http\" or \"tcp\"");
    }
  }
  std::vector<std::string> ranges;
  if (reader.read_strings("expected_statuses", ranges)) {
    check.expected_statuses.clear();
    for (std::size_t i = 0; i < ranges.size(); ++i) {
      // "200" or "200-399"
      const std::string& text = ranges[i];
      const std::size_t dash = text.find('-');
      int low = 0, high = 0;
      const auto parse = [](std::string_view digits, int& out) {
        const auto [end, error] =
            std::from_chars(digits.data(), digits.data() + digits.size(), out);
        return error == std::errc() && end == digits.data() + digits.size() && out >= 100 &&
               out <= 599;
      };
      const bool ok = dash == std::string::npos
                          ? parse(text, low) && (high = low, true)
                          : parse(std::string_view(text).substr(0, dash), low) &&
                                parse(std::string_view(text).substr(dash + 1), high) && low <= high;
      if (ok) {
        check.expected_statuses.emplace_back(low, high);
      } else {
        ctx.error(
            ctx.positions().at(reader.path_of("expected_statuses") + "." + std::to_string(i), {}),
            "invalid status range '" + text + "' (e.g. \"200\" or \"200-399\")");
      }
    }
  }
}

void convert_balancer(TableReader& reader, UpstreamConfig& upstream) {
  static constexpr std::pair<std::string_view, BalancerKind> kKinds[] = {
      {"round_robin", BalancerKind::round_robin},
      {"weighted_round_robin", BalancerKind::weighted_round_robin},
      {"least_connections", BalancerKind::least_connections},
      {"least_request_p2c", BalancerKind::least_request_p2c},
      {"consistent_hash", BalancerKind::consistent_hash},
  };
  LoadContext& ctx = reader.context();
  std::string kind;
  if (reader.read_string("balancer", kind)) {
    const auto* found = std::find_if(std::begin(kKinds), std::end(kKinds),
                                     [&](const auto& entry) { return entry.first == kind; });
    if (found == std::end(kKinds)) {
      ctx.error(ctx.positions().at(reader.path_of("balancer"), {}),
                "unknown balancer '" + kind +
                    "' (round_robin, weighted_round_robin, least_connections, "
                    "least_request_p2c, consistent_hash)");
    } else {
      upstream.balancer = found->second;
    }
  }
  std::string hash_on;
  if (!reader.read_string("hash_on", hash_on)) return;
  const auto at = ctx.positions().at(reader.path_of("hash_on"), {});
  const std::size_t colon = hash_on.find(':');
  const std::string prefix = hash_on.substr(0, colon);
  const std::string name = colon == std::string::npos ? "" : hash_on.substr(colon + 1);
  if (hash_on == "client_ip") {
    upstream.hash_on = {HashOn::Kind::client_ip, ""};
  } else if ((prefix == "header" || prefix == "cookie" || prefix == "param") && !name.empty()) {
    const auto kind_of = prefix == "header"   ? HashOn::Kind::header
                         : prefix == "cookie" ? HashOn::Kind::cookie
                                              : HashOn::Kind::param;
    upstream.hash_on = {kind_of, prefix == "header" ? ascii_lower(name) : name};
  } else {
    ctx.error(at, "invalid 'hash_on' '" + hash_on +
                      "' (\"client_ip\", \"header:NAME\", \"cookie:NAME\" or \"param:NAME\")");
  }
  if (upstream.balancer != BalancerKind::consistent_hash) {
    ctx.error(at, "'hash_on' needs balancer = \"consistent_hash\"");
  }
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

const FieldTable<CircuitBreakerConfig> kBreakerFields = {
    {"failure_rate", &CircuitBreakerConfig::failure_rate},
    {"slow_call_rate", &CircuitBreakerConfig::slow_call_rate},
    {"slow_call_duration", &CircuitBreakerConfig::slow_call_duration},
    {"window", &CircuitBreakerConfig::window},
    {"minimum_calls", &CircuitBreakerConfig::minimum_calls},
    {"consecutive_failures", &CircuitBreakerConfig::consecutive_failures},
    {"open_duration", &CircuitBreakerConfig::open_duration},
    {"half_open_calls", &CircuitBreakerConfig::half_open_calls},
    {"max_in_flight", &CircuitBreakerConfig::max_in_flight},
    {"max_connections", &CircuitBreakerConfig::max_connections},
    {"max_pending", &CircuitBreakerConfig::max_pending},
};

const FieldTable<OutlierDetectionConfig> kOutlierFields = {
    {"consecutive_failures", &OutlierDetectionConfig::consecutive_failures},
    {"base_ejection_time", &OutlierDetectionConfig::base_ejection_time},
    {"max_ejection_time", &OutlierDetectionConfig::max_ejection_time},
    {"max_ejection_percent", &OutlierDetectionConfig::max_ejection_percent},
};

// keepalive = { ... } maps onto the upstream's own members.
const FieldTable<UpstreamConfig> kKeepaliveFields = {
    {"max_idle", &UpstreamConfig::keepalive_max_idle},
    {"idle_timeout", &UpstreamConfig::keepalive_idle_timeout},
};

UpstreamConfig convert_upstream(const toml::table& table, const std::string& path,
                                LoadContext& ctx) {
  UpstreamConfig upstream;
  TableReader reader(table, path,
                     {"id", "name", "tags", "targets", "connect_timeout", "request_timeout",
                      "host_header", "resolve_interval", "keepalive", "balancer", "hash_on",
                      "outlier_detection", "health_check", "circuit_breaker"},
                     ctx);
  upstream.position = reader.position();
  reader.read_string("name", upstream.name, Presence::required);
  convert_meta(reader, "upstreams", upstream.name, upstream.meta);
  if (const auto* targets = reader.find("targets")) {
    for_each_table(*targets, "targets", reader.path_of("targets"), ctx,
                   [&](const toml::table& target, const std::string& target_path) {
                     upstream.targets.push_back(convert_target(target, target_path, ctx));
                   });
  }
  reader.read_duration("connect_timeout", upstream.connect_timeout);
  reader.read_duration("request_timeout", upstream.request_timeout);
  convert_host_header(reader, upstream);
  convert_balancer(reader, upstream);
  reader.read_duration("resolve_interval", upstream.resolve_interval);
  if (const auto* breaker = reader.read_table("circuit_breaker")) {
    CircuitBreakerConfig& cb = upstream.circuit_breaker;
    cb.enabled = true;
    TableReader inner(*breaker, reader.path_of("circuit_breaker"), kBreakerFields.keys({"scope"}),
                      ctx);
    kBreakerFields.read(inner, cb);
    if (std::string scope; inner.read_string("scope", scope)) {
      if (scope == "target") {
        cb.scope = CircuitBreakerConfig::Scope::target;
      } else if (scope == "upstream") {
        cb.scope = CircuitBreakerConfig::Scope::upstream;
      } else if (scope == "both") {
        cb.scope = CircuitBreakerConfig::Scope::both;
      } else {
        ctx.error(ctx.positions().at(inner.path_of("scope"), {}),
                  "circuit_breaker 'scope' must be \"target\", \"upstream\" or \"both\"");
      }
    }
  }
  if (const auto* check = reader.read_table("health_check")) {
    convert_health_check(*check, reader.path_of("health_check"), ctx, upstream.health_check);
  }
  if (const auto* outlier = reader.read_table("outlier_detection")) {
    OutlierDetectionConfig& detection = upstream.outlier_detection;
    detection.enabled = true;
    TableReader inner(*outlier, reader.path_of("outlier_detection"), kOutlierFields.keys(), ctx);
    kOutlierFields.read(inner, detection);
  }
  if (const auto* keepalive = reader.read_table("keepalive")) {
    TableReader pool(*keepalive, reader.path_of("keepalive"), kKeepaliveFields.keys(), ctx);
    kKeepaliveFields.read(pool, upstream);
  }
  return upstream;
}

// Reads whichever of `keys` are present into `value`; returns how many were, so callers can
// insist on "exactly one" or "at most one" with a message that lists the choices.
template <typename Kind>
int read_one_of(TableReader& reader, std::initializer_list<std::pair<const char*, Kind>> keys,
                Kind& kind, std::string& value) {
  int found = 0;
  for (const auto& [key, key_kind] : keys) {
    if (reader.read_string(key, value)) {
      kind = key_kind;
      ++found;
    }
  }
  return found;
}

void convert_hosts(TableReader& reader, RouteMatch& match) {
  const bool has_host = reader.find("host") != nullptr;
  const bool has_hosts = reader.find("hosts") != nullptr;
  if (has_host && has_hosts) {
    reader.context().error(reader.position(), "match may have 'host' or 'hosts', not both");
    return;
  }
  const char* key = has_host ? "host" : "hosts";
  if (!reader.read_strings(key, match.hosts)) return;
  for (std::size_t i = 0; i < match.hosts.size(); ++i) {
    std::string& host = match.hosts[i];
    host = ascii_lower(std::move(host));
    if (auto literal = canonical_ipv6_host(host)) {
      host = std::move(*literal);
      continue;
    }
    const std::string_view name = std::string_view(host).starts_with("*.")
                                      ? std::string_view(host).substr(2)
                                      : std::string_view(host);
    if (!is_dns_name(name)) {
      const auto path = reader.path_of(key) + "." + std::to_string(i);
      reader.context().error(
          reader.context().positions().at(path, reader.position()),
          "invalid host '" + host +
              "' (use \"api.example.com\", \"*.example.com\", an IPv4 or an IPv6 address)");
    }
  }
}

void convert_methods(TableReader& reader, RouteMatch& match) {
  if (!reader.read_strings("methods", match.methods)) return;
  for (std::size_t i = 0; i < match.methods.size(); ++i) {
    std::string& method = match.methods[i];
    method = ascii_upper(std::move(method));
    if (!http::is_token(method)) {
      const auto path = reader.path_of("methods") + "." + std::to_string(i);
      reader.context().error(reader.context().positions().at(path, reader.position()),
                             "invalid method '" + method + "'");
    }
  }
}

HeaderPredicate convert_header_predicate(const toml::table& table, const std::string& path,
                                         LoadContext& ctx) {
  HeaderPredicate predicate;
  TableReader reader(table, path, {"name", "exact", "prefix", "present", "absent"}, ctx);
  if (reader.read_string("name", predicate.name, Presence::required)) {
    predicate.name = ascii_lower(std::move(predicate.name));
    if (!http::is_token(predicate.name)) {
      ctx.error(ctx.positions().at(reader.path_of("name"), reader.position()),
                "invalid header name '" + predicate.name + "'");
    }
  }
  using Kind = HeaderPredicate::Kind;
  int conditions = read_one_of(reader, {{"exact", Kind::exact}, {"prefix", Kind::prefix}},
                               predicate.kind, predicate.value);
  // present = false means absent and the other way round; both are plain booleans.
  bool flag = false;
  if (reader.read_bool("present", flag)) {
    predicate.kind = flag ? Kind::present : Kind::absent;
    ++conditions;
  }
  if (reader.read_bool("absent", flag)) {
    predicate.kind = flag ? Kind::absent : Kind::present;
    ++conditions;
  }
  if (conditions > 1) {
    ctx.error(reader.position(),
              "a header match takes only one of 'exact', 'prefix', 'present' or 'absent'");
  }
  return predicate;
}

RouteMatch convert_match(const toml::table& table, const std::string& path, LoadContext& ctx) {
  RouteMatch match;
  TableReader reader(
      table, path, {"path_prefix", "path", "path_template", "host", "hosts", "methods", "headers"},
      ctx);
  const int paths = read_one_of(reader,
                                {{"path_prefix", PathMatchKind::prefix},
                                 {"path", PathMatchKind::exact},
                                 {"path_template", PathMatchKind::templated}},
                                match.path_kind, match.path);
  if (paths > 1) {
    ctx.error(reader.position(),
              "match takes only one of 'path_prefix', 'path' or 'path_template'");
  }
  convert_hosts(reader, match);
  convert_methods(reader, match);
  if (const auto* headers = reader.find("headers")) {
    for_each_table(*headers, "headers", reader.path_of("headers"), ctx,
                   [&](const toml::table& entry, const std::string& entry_path) {
                     match.headers.push_back(convert_header_predicate(entry, entry_path, ctx));
                   });
  }
  return match;
}

RewriteConfig convert_rewrite(const toml::table& table, const std::string& path, LoadContext& ctx) {
  using Kind = RewriteConfig::Kind;
  RewriteConfig rewrite;
  TableReader reader(table, path, {"strip_prefix", "replace_prefix", "template"}, ctx);
  const int found = read_one_of(reader,
                                {{"strip_prefix", Kind::strip_prefix},
                                 {"replace_prefix", Kind::replace_prefix},
                                 {"template", Kind::templated}},
                                rewrite.kind, rewrite.value);
  if (found != 1) {
    ctx.error(reader.position(),
              "rewrite takes exactly one of 'strip_prefix', 'replace_prefix' or 'template'");
    return {};
  }
  return rewrite;
}

// A filters-list entry or a route's handler table: its "name" picks the parser; its other keys
// belong to that parser, which checks them.
std::optional<FilterRef> convert_named_entry(const toml::table& entry, const std::string& path,
                                             const FilterCatalog& catalog, bool is_handler,
                                             LoadContext& ctx) {
  const std::string_view kind = is_handler ? "handler" : "filter";
  const toml::node* name_node = entry.get("name");
  const auto* name = name_node != nullptr ? name_node->as_string() : nullptr;
  if (name == nullptr) {
    ctx.error(name_node != nullptr ? ctx.position_of(*name_node) : ctx.position_of(entry),
              std::string(is_handler ? "a handler" : "each filter") + " needs a string 'name'");
    return std::nullopt;
  }
  ctx.positions().record(path + ".name", ctx.position_of(*name_node));
  const auto known = is_handler ? catalog.handler_names() : catalog.filter_names();
  if (std::find(known.begin(), known.end(), name->get()) == known.end()) {
    ctx.error(*name_node, "unknown " + std::string(kind) + " '" + name->get() + "'" +
                              did_you_mean(name->get(), known));
    return std::nullopt;
  }
  TableReader reader(entry, path, ctx, {"name"});
  auto settings = is_handler ? catalog.parse_handler(name->get(), reader)
                             : catalog.parse_filter(name->get(), reader);
  if (settings == nullptr) return std::nullopt;
  return FilterRef{name->get(), std::move(settings), ctx.position_of(entry)};
}

RetryConfig convert_retry(const toml::table& table, const std::string& path, LoadContext& ctx) {
  RetryConfig retry;
  TableReader reader(
      table, path,
      {"attempts", "on", "per_try_timeout", "backoff", "non_idempotent", "replay_limit", "budget"},
      ctx);
  reader.read_count("attempts", retry.attempts);
  std::vector<std::string> on;
  if (reader.read_strings("on", on)) {
    retry.on_connect_failure = retry.on_reset = retry.on_timeout = false;
    retry.on_statuses.clear();
    for (std::size_t i = 0; i < on.size(); ++i) {
      const std::string& condition = on[i];
      int status = 0;
      const auto [end, error] =
          std::from_chars(condition.data(), condition.data() + condition.size(), status);
      if (condition == "connect_failure") {
        retry.on_connect_failure = true;
      } else if (condition == "reset") {
        retry.on_reset = true;
      } else if (condition == "timeout") {
        retry.on_timeout = true;
      } else if (error == std::errc() && end == condition.data() + condition.size() &&
                 status >= 500 && status <= 599) {
        retry.on_statuses.push_back(status);
      } else {
        ctx.error(ctx.positions().at(reader.path_of("on") + "." + std::to_string(i), {}),
                  "unknown retry condition '" + condition +
                      "' (connect_failure, reset, timeout, or a status 500-599 such as \"503\")");
      }
    }
  }
  if (Duration value{}; reader.read_duration("per_try_timeout", value)) {
    retry.per_try_timeout = value;
  }
  if (const auto* backoff = reader.read_table("backoff")) {
    static const FieldTable<RetryConfig> kBackoffFields = {
        {"base", &RetryConfig::backoff_base},
        {"max", &RetryConfig::backoff_max},
    };
    TableReader inner(*backoff, reader.path_of("backoff"), kBackoffFields.keys(), ctx);
    kBackoffFields.read(inner, retry);
  }
  reader.read_bool("non_idempotent", retry.non_idempotent);
  reader.read_size("replay_limit", retry.replay_limit);
  if (const auto* budget = reader.read_table("budget")) {
    static const FieldTable<RetryConfig> kBudgetFields = {
        {"percent", &RetryConfig::budget_percent},
        {"min", &RetryConfig::budget_min},
    };
    TableReader inner(*budget, reader.path_of("budget"), kBudgetFields.keys(), ctx);
    kBudgetFields.read(inner, retry);
  }
  return retry;
}

FallbackConfig convert_fallback(const toml::table& table, const std::string& path,
                                LoadContext& ctx) {
  FallbackConfig fallback;
  fallback.enabled = true;
  TableReader reader(table, path,
                     {"stale_if_error", "stale_max_body", "upstream", "status", "body", "headers"},
                     ctx);
  reader.read_duration("stale_if_error", fallback.stale_if_error);
  reader.read_size("stale_max_body", fallback.stale_max_body);
  reader.read_string("upstream", fallback.upstream);
  if (std::uint32_t status = 0; reader.read_count("status", status)) {
    fallback.status = static_cast<int>(status);
  }
  reader.read_string("body", fallback.body);
  if (const auto* headers = reader.read_table("headers")) {
    for (const auto& [name, value] : *headers) {
      const auto* text = value.as_string();
      const bool printable =
          text != nullptr && std::all_of(text->get().begin(), text->get().end(),
                                         [](unsigned char c) { return c >= 0x20 && c != 0x7f; });
      if (!http::is_token(name.str()) || !printable) {
        ctx.error(ctx.positions().at(reader.path_of("headers") + "." + std::string(name.str()), {}),
                  "fallback header '" + std::string(name.str()) +
                      "' needs a valid name and a printable string value");
      } else {
        fallback.headers.emplace_back(ascii_lower(std::string(name.str())), text->get());
      }
    }
  }
  return fallback;
}

RouteConfig convert_route(const toml::table& table, const std::string& path,
                          const FilterCatalog& filters, LoadContext& ctx) {
  RouteConfig route;
  TableReader reader(table, path,
                     {"id", "name", "tags", "match", "upstream", "handler", "rewrite", "timeout",
                      "max_body_bytes", "max_buffered_body_bytes", "retry", "fallback", "filters"},
                     ctx);
  route.position = reader.position();
  reader.read_string("name", route.name, Presence::required);
  convert_meta(reader, "routes", route.name, route.meta);
  if (const auto* match = reader.read_table("match")) {
    route.match = convert_match(*match, reader.path_of("match"), ctx);
  }
  reader.read_string("upstream", route.upstream);
  if (const auto* handler = reader.read_table("handler")) {
    route.handler =
        convert_named_entry(*handler, reader.path_of("handler"), filters, /*is_handler=*/true, ctx);
  }
  const bool has_handler = reader.find("handler") != nullptr;
  if (route.upstream.empty() == !has_handler) {
    ctx.error(reader.position(), "route '" + route.name +
                                     "' needs exactly one of 'upstream' (proxy to it) or "
                                     "'handler' (the gateway answers)");
  }
  if (const auto* rewrite = reader.read_table("rewrite")) {
    route.rewrite = convert_rewrite(*rewrite, reader.path_of("rewrite"), ctx);
  }
  if (Duration timeout{}; reader.read_duration("timeout", timeout)) route.timeout = timeout;
  if (std::uint64_t bytes = 0; reader.read_size("max_body_bytes", bytes))
    route.max_body_bytes = bytes;
  reader.read_size("max_buffered_body_bytes", route.max_buffered_body_bytes);
  if (const auto* retry = reader.read_table("retry")) {
    route.retry = convert_retry(*retry, reader.path_of("retry"), ctx);
  }
  if (const auto* fallback = reader.read_table("fallback")) {
    route.fallback = convert_fallback(*fallback, reader.path_of("fallback"), ctx);
  }
  if (const auto* list = reader.find("filters")) {
    for_each_table(*list, "filters", reader.path_of("filters"), ctx,
                   [&](const toml::table& entry, const std::string& entry_path) {
                     if (auto ref = convert_named_entry(entry, entry_path, filters,
                                                        /*is_handler=*/false, ctx)) {
                       route.filters.push_back(std::move(*ref));
                     }
                   });
  }
  return route;
}

std::vector<RouteConfig> convert_routes(const toml::node& routes, const FilterCatalog& filters,
                                        LoadContext& ctx) {
  std::vector<RouteConfig> out;
  for_each_table(routes, "routes", "routes", ctx,
                 [&](const toml::table& table, const std::string& path) {
                   out.push_back(convert_route(table, path, filters, ctx));
                 });
  return out;
}

}  // namespace

Config convert(const toml::table& root, const FilterCatalog& filters, LoadContext& ctx) {
  Config config;
  config.source_file = ctx.file();
  // Absent sections keep their defaults; errors about them can still name the file.
  config.server.position.file = ctx.file();
  config.admin.position.file = ctx.file();
  config.store.position.file = ctx.file();

  TableReader reader(root, "",
                     {"server", "admin", "store", "upstreams", "routes", "consumers", "credentials",
                      "plugins", "rate_limits", "redis"},
                     ctx);
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
  if (const auto* store = reader.read_table("store")) config.store = convert_store(*store, ctx);
  if (const auto* redis = reader.read_table("redis")) config.redis = convert_redis(*redis, ctx);
  if (const auto* node = reader.find("consumers")) convert_consumers(*node, config, ctx);
  if (const auto* node = reader.find("credentials")) convert_credentials(*node, config, ctx);
  if (const auto* node = reader.find("plugins")) convert_plugins(*node, filters, config, ctx);
  if (const auto* node = reader.find("rate_limits")) convert_rate_limits(*node, config, ctx);
  return config;
}

}  // namespace apigw::config::detail
