// TOML -> schema structs: [[upstreams]] (targets, health checks, balancers, Host header,
// circuit breakers, outlier detection, keep-alive, TLS to the targets).
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

TargetConfig convert_target(const toml::table& table, const std::string& path, LoadContext& ctx) {
  TargetConfig target;
  TableReader reader(table, path, {"address", "weight", "backup", "drain", "health"}, ctx);
  target.position = reader.position();
  reader.read_string("address", target.address, Presence::required);
  reader.read_count("weight", target.weight);
  reader.read_bool("backup", target.backup);
  reader.read_bool("drain", target.drain);
  using Health = TargetConfig::Health;
  reader.read_enum("health",
                   {{"auto", Health::automatic}, {"healthy", Health::healthy},
                    {"unhealthy", Health::unhealthy}},
                   target.health);
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
  if (!parse_hash_on(hash_on, /*allow_param=*/true, upstream.hash_on)) {
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

const FieldTable<UpstreamTlsConfig> kUpstreamTlsFields = {
    {"verify", &UpstreamTlsConfig::verify},
    {"ca_file", &UpstreamTlsConfig::ca_file},
    {"server_name", &UpstreamTlsConfig::server_name},
    {"client_cert", &UpstreamTlsConfig::client_cert},
    {"client_key", &UpstreamTlsConfig::client_key},
};

UpstreamTlsConfig convert_upstream_tls(const toml::table& table, const std::string& path,
                                       LoadContext& ctx) {
  using Version = ListenerTlsConfig::Version;
  UpstreamTlsConfig tls;
  TableReader reader(table, path, kUpstreamTlsFields.keys({"min_version"}), ctx);
  tls.position = reader.position();
  kUpstreamTlsFields.read(reader, tls);
  // "1.2" written as a TOML number would be a float: say how to write it.
  if (const toml::node* node = reader.find("min_version"); node != nullptr && node->is_number()) {
    reader.error_at(*node, "'min_version' must be a string: \"1.2\" or \"1.3\" (with quotes)");
  } else {
    reader.read_enum("min_version", {{"1.2", Version::tls1_2}, {"1.3", Version::tls1_3}},
                     tls.min_version);
  }
  return tls;
}

}  // namespace

bool parse_hash_on(std::string_view text, bool allow_param, HashOn& out) {
  if (text == "client_ip") {
    out = {HashOn::Kind::client_ip, ""};
    return true;
  }
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) return false;
  const std::string_view prefix = text.substr(0, colon);
  const std::string name(text.substr(colon + 1));
  if (prefix == "header") {
    out = {HashOn::Kind::header, ascii_lower(name)};
  } else if (prefix == "cookie") {
    out = {HashOn::Kind::cookie, name};
  } else if (prefix == "param" && allow_param) {
    out = {HashOn::Kind::param, name};
  } else {
    return false;
  }
  return true;
}

UpstreamConfig convert_upstream(const toml::table& table, const std::string& path,
                                LoadContext& ctx) {
  UpstreamConfig upstream;
  TableReader reader(
      table, path,
      {"id", "name", "tags", "targets", "connect_timeout", "request_timeout", "host_header",
       "resolve_interval", "keepalive", "balancer", "hash_on", "outlier_detection",
       "connect_failure_ejection", "health_check", "circuit_breaker", "tls", "protocol"},
      ctx);
  upstream.position = reader.position();
  if (std::string protocol; reader.read_string("protocol", protocol)) {
    if (protocol == "http1") {
      upstream.protocol = UpstreamProtocol::http1;
    } else if (protocol == "h2") {
      upstream.protocol = UpstreamProtocol::h2;
    } else {
      ctx.error(ctx.positions().at(reader.path_of("protocol"), {}),
                "unknown protocol '" + protocol + "' (\"http1\" or \"h2\")");
    }
  }
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
  if (const auto* ejection = reader.read_table("connect_failure_ejection")) {
    OutlierDetectionConfig& detection = upstream.connect_failure_ejection;
    TableReader inner(*ejection, reader.path_of("connect_failure_ejection"),
                      kOutlierFields.keys({"enabled"}), ctx);
    kOutlierFields.read(inner, detection);
    inner.read_bool("enabled", detection.enabled);
  }
  if (const auto* keepalive = reader.read_table("keepalive")) {
    TableReader pool(*keepalive, reader.path_of("keepalive"), kKeepaliveFields.keys(), ctx);
    kKeepaliveFields.read(pool, upstream);
  }
  if (const auto* tls = reader.read_table("tls")) {
    upstream.tls = convert_upstream_tls(*tls, reader.path_of("tls"), ctx);
  }
  return upstream;
}

}  // namespace apigw::config::detail
