// Checks of the converted config as a whole: what the TOML types alone cannot say (names and
// references, addresses, ranges, templates). Positions come from the ValuePositions recorded
// during conversion, falling back to the enclosing table.
#include <algorithm>
#include <cctype>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include <re2/re2.h>

#include "config/detail.h"
#include "http/path.h"
#include "http/path_template.h"
#include "util/cidr.h"

namespace apigw::config::detail {
namespace {

constexpr std::uint32_t kMaxWorkers = 256;
constexpr std::uint32_t kMaxWeight = 1000;  // of a target, and of an arm of a split

std::string describe_position(const SourcePosition& position) {
  if (position.line == 0) return position.file;
  return position.file + ":" + std::to_string(position.line) + ":" +
         std::to_string(position.column);
}

bool is_upstream_name(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

class Validator {
 public:
  Validator(const ValuePositions& positions, std::vector<ConfigError>& errors)
      : positions_(positions), errors_(errors) {}

  void server(const ServerConfig& server);
  void admin(const AdminConfig& admin);
  void upstreams(const SharedList<UpstreamConfig>& upstreams);
  void routes(const SharedList<RouteConfig>& routes, const SharedList<UpstreamConfig>& upstreams,
              const EntityNames* names);

 private:
  void error(const std::string& path, const SourcePosition& fallback, std::string message) {
    errors_.push_back({positions_.at(path, fallback), std::move(message)});
  }
  void positive(const std::string& path, const SourcePosition& fallback, std::string_view key,
                bool is_positive) {
    if (!is_positive) error(path, fallback, "'" + std::string(key) + "' must be greater than zero");
  }
  // Reports a name seen before in `seen` (name -> where it was first defined).
  void unique(std::map<std::string, SourcePosition>& seen, std::string_view kind,
              const std::string& name, const std::string& path, const SourcePosition& fallback);
  void upstream(const UpstreamConfig& upstream, const std::string& path);
  void route_paths(const RouteConfig& route, const std::string& path);
  // A route's `upstreams` (a weighted split): names and weights. `known` holds every upstream
  // name of the set, `names` the same for did-you-mean hints.
  void split(const RouteConfig& route, const std::string& path,
             const std::unordered_set<std::string_view>& known,
             const std::vector<std::string>& names);
  // An upstream the route proxies to (`upstream`, or an arm of its split, at `path`) that hashes
  // on a path parameter needs the route's path_template to capture it.
  void hash_param_captured(const RouteConfig& route, const UpstreamConfig* upstream,
                           const std::string& path);

  const ValuePositions& positions_;
  std::vector<ConfigError>& errors_;
};

void Validator::server(const ServerConfig& server) {
  const SourcePosition& at = server.position;
  if (server.workers > kMaxWorkers) {
    error("server.workers", at, "'workers' must be at most 256 (0 means one per core)");
  }
  const ServerLimits& limits = server.limits;
  positive("server.limits.max_header_bytes", at, "max_header_bytes", limits.max_header_bytes > 0);
  positive("server.limits.max_header_count", at, "max_header_count", limits.max_header_count > 0);
  positive("server.limits.max_uri_bytes", at, "max_uri_bytes", limits.max_uri_bytes > 0);
  positive("server.limits.max_body_bytes", at, "max_body_bytes", limits.max_body_bytes > 0);
  positive("server.limits.max_connections", at, "max_connections", limits.max_connections > 0);
  const ServerTimeouts& timeouts = server.timeouts;
  positive("server.timeouts.header_read", at, "header_read", timeouts.header_read.count() > 0);
  positive("server.timeouts.body_read", at, "body_read", timeouts.body_read.count() > 0);
  positive("server.timeouts.idle", at, "idle", timeouts.idle.count() > 0);
  positive("server.timeouts.drain", at, "drain", timeouts.drain.count() > 0);
  const Http2Config& http2 = server.http2;
  positive("server.http2.max_concurrent_streams", at, "max_concurrent_streams",
           http2.max_concurrent_streams > 0);
  positive("server.http2.max_resets", at, "max_resets", http2.max_resets > 0);
  positive("server.http2.reset_rate", at, "reset_rate", http2.reset_rate > 0);
  positive("server.http2.max_control_frames", at, "max_control_frames",
           http2.max_control_frames > 0);
  positive("server.http2.control_frame_rate", at, "control_frame_rate",
           http2.control_frame_rate > 0);
  positive("server.http2.max_empty_data", at, "max_empty_data", http2.max_empty_data > 0);
  // RFC 9113 §6.5.2: windows run from 0 to 2^31-1; below one frame a stream crawls.
  constexpr std::uint64_t kMaxWindow = (1ull << 31) - 1;
  if (http2.stream_window < 16 * 1024 || http2.stream_window > kMaxWindow) {
    error("server.http2.stream_window", at,
          "'stream_window' must be between 16KiB and 2147483647 bytes");
  }
  if (http2.connection_window < http2.stream_window || http2.connection_window > kMaxWindow) {
    error("server.http2.connection_window", at,
          "'connection_window' must be at least 'stream_window' and at most 2147483647 bytes");
  }
  for (const auto& block : server.trusted_proxies) {
    std::string problem;
    if (!util::parse_cidr(block, &problem)) {
      error("server.trusted_proxies", at,
            "invalid address block '" + block + "' in 'trusted_proxies': " + problem);
    }
  }
  if (server.access_log.enabled && server.access_log.path.empty()) {
    error("server.access_log.path", at, "'path' must not be empty when the access log is enabled");
  }
}

void Validator::admin(const AdminConfig& admin) {
  if (!is_valid_listen_address(admin.listen)) {
    error("admin.listen", admin.position,
          "invalid admin listen address '" + admin.listen +
              "' (use an IP address and port, e.g. \"127.0.0.1:9901\")");
  }
}

void Validator::unique(std::map<std::string, SourcePosition>& seen, std::string_view kind,
                       const std::string& name, const std::string& path,
                       const SourcePosition& fallback) {
  const SourcePosition& here = positions_.at(path, fallback);
  const auto [first, inserted] = seen.emplace(name, here);
  if (!inserted) {
    errors_.push_back({here, "duplicate " + std::string(kind) + " name '" + name +
                                 "' (first defined at " + describe_position(first->second) + ")"});
  }
}

void Validator::upstream(const UpstreamConfig& upstream, const std::string& path) {
  const SourcePosition& at = upstream.position;
  if (!upstream.name.empty() && !is_upstream_name(upstream.name)) {
    error(path + ".name", at,
          "invalid upstream name '" + upstream.name + "' (use letters, digits, '_', '.', '-')");
  }
  if (upstream.targets.empty()) {
    error(path + ".targets", at, "upstream '" + upstream.name + "' needs at least one target");
  }
  std::map<std::string, SourcePosition> addresses;
  for (std::size_t i = 0; i < upstream.targets.size(); ++i) {
    const TargetConfig& target = upstream.targets[i];
    const std::string target_path = path + ".targets." + std::to_string(i);
    if (target.address.empty()) continue;  // reported as missing during conversion
    if (!is_valid_target_address(target.address)) {
      error(target_path + ".address", target.position,
            "invalid target address '" + target.address +
                "' (use \"host:port\" with port 1-65535, e.g. \"10.0.0.5:8080\", "
                "\"backend.local:80\" or \"[::1]:8080\")");
    } else if (!addresses.emplace(ascii_lower(target.address), target.position).second) {
      error(target_path + ".address", target.position,
            "duplicate target '" + target.address + "' in upstream '" + upstream.name + "'");
    }
    if (target.weight < 1 || target.weight > kMaxWeight) {
      error(target_path + ".weight", target.position, "'weight' must be between 1 and 1000");
    }
  }
  if (upstream.host_header == HostHeaderMode::fixed) {
    // It goes into the upstream request head as is: only what a Host value may hold.
    const bool valid = std::all_of(upstream.host_header_value.begin(),
                                   upstream.host_header_value.end(), [](unsigned char c) {
                                     return std::isalnum(c) || c == '.' || c == '-' || c == '_' ||
                                            c == ':' || c == '[' || c == ']';
                                   });
    if (!valid) {
      error(path + ".host_header", at,
            "invalid 'host_header' value '" + upstream.host_header_value +
                "' (a host name or address, optionally with :port)");
    }
  }
  if (const auto& cb = upstream.circuit_breaker; cb.enabled) {
    const std::string prefix = path + ".circuit_breaker.";
    if (cb.failure_rate > 100 || cb.slow_call_rate > 100) {
      error(prefix + "failure_rate", at, "'failure_rate' and 'slow_call_rate' must be 0-100");
    }
    positive(prefix + "window", at, "window", cb.window.count() > 0);
    positive(prefix + "slow_call_duration", at, "slow_call_duration",
             cb.slow_call_duration.count() > 0);
    positive(prefix + "minimum_calls", at, "minimum_calls", cb.minimum_calls > 0);
    positive(prefix + "open_duration", at, "open_duration", cb.open_duration.count() > 0);
    positive(prefix + "half_open_calls", at, "half_open_calls", cb.half_open_calls > 0);
  }
  if (const auto& check = upstream.health_check; check.enabled) {
    const std::string prefix = path + ".health_check.";
    if (upstream.protocol == UpstreamProtocol::h2 && check.kind == HealthCheckConfig::Kind::http) {
      error(prefix + "type", at,
            "an upstream with protocol = \"h2\" needs health_check type = \"tcp\" (HTTP checks "
            "speak HTTP/1.1)");
    }
    positive(prefix + "interval", at, "interval", check.interval.count() > 0);
    positive(prefix + "timeout", at, "timeout", check.timeout.count() > 0);
    positive(prefix + "healthy_threshold", at, "healthy_threshold", check.healthy_threshold > 0);
    positive(prefix + "unhealthy_threshold", at, "unhealthy_threshold",
             check.unhealthy_threshold > 0);
    if (!check.path.starts_with('/') ||
        std::any_of(check.path.begin(), check.path.end(),
                    [](unsigned char c) { return c <= 0x20 || c == 0x7f; })) {
      error(prefix + "path", at, "health_check 'path' must start with '/' and have no spaces");
    }
    if (check.method.empty() ||
        !std::all_of(check.method.begin(), check.method.end(),
                     [](unsigned char c) { return std::isupper(c) != 0; })) {
      error(prefix + "method", at, "health_check 'method' must be an upper-case method name");
    }
    if (!std::all_of(check.host.begin(), check.host.end(), [](unsigned char c) {
          return std::isalnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
        })) {
      error(prefix + "host", at, "invalid health_check 'host'");
    }
  }
  for (const auto& [key, detection] :
       {std::pair<std::string_view, const OutlierDetectionConfig&>{"outlier_detection",
                                                                   upstream.outlier_detection},
        {"connect_failure_ejection", upstream.connect_failure_ejection}}) {
    if (!detection.enabled) continue;
    const std::string prefix = path + "." + std::string(key) + ".";
    positive(prefix + "consecutive_failures", at, "consecutive_failures",
             detection.consecutive_failures > 0);
    positive(prefix + "base_ejection_time", at, "base_ejection_time",
             detection.base_ejection_time.count() > 0);
    if (detection.max_ejection_time < detection.base_ejection_time) {
      error(prefix + "max_ejection_time", at,
            "'max_ejection_time' must be at least 'base_ejection_time'");
    }
    if (detection.max_ejection_percent > 100) {
      error(prefix + "max_ejection_percent", at, "'max_ejection_percent' must be 0-100");
    }
  }
  positive(path + ".connect_timeout", at, "connect_timeout", upstream.connect_timeout.count() > 0);
  positive(path + ".request_timeout", at, "request_timeout", upstream.request_timeout.count() > 0);
  positive(path + ".resolve_interval", at, "resolve_interval",
           upstream.resolve_interval.count() > 0);
  positive(path + ".keepalive.idle_timeout", at, "idle_timeout",
           upstream.keepalive_idle_timeout.count() > 0);
  validate_upstream_tls(upstream, path, positions_, errors_);
}

void Validator::upstreams(const SharedList<UpstreamConfig>& upstreams) {
  std::map<std::string, SourcePosition> names;
  for (std::size_t i = 0; i < upstreams.size(); ++i) {
    const std::string path = "upstreams." + std::to_string(i);
    // A missing name was reported during conversion.
    if (!upstreams[i].name.empty()) {
      unique(names, "upstream", upstreams[i].name, path + ".name", upstreams[i].position);
    }
    upstream(upstreams[i], path);
  }
}

// The parameters a path captures: a template's {names}, a regex's named groups.
std::vector<std::string> captured_names(const PathMatch& entry) {
  std::vector<std::string> names;
  if (entry.kind == PathMatchKind::templated) {
    http::PathTemplate tmpl;
    std::string ignored;
    if (!http::parse_path_template(entry.value, tmpl, ignored)) return names;
    for (const auto& segment : tmpl.segments) {
      if (segment.is_param) names.push_back(segment.text);
    }
  } else if (entry.kind == PathMatchKind::regex && entry.regex) {
    for (const auto& [name, index] : entry.regex->NamedCapturingGroups()) names.push_back(name);
  }
  return names;
}

bool captures(const PathMatch& entry, const std::string& name) {
  const auto names = captured_names(entry);
  return std::find(names.begin(), names.end(), name) != names.end();
}

const char* shorthand_key(PathMatchKind kind) {
  switch (kind) {
    case PathMatchKind::prefix:
      return "path_prefix";
    case PathMatchKind::exact:
      return "path";
    case PathMatchKind::templated:
      return "path_template";
    case PathMatchKind::regex:
      return "path_regex";
  }
  return "";
}

const char* entry_key(PathMatchKind kind) {
  switch (kind) {
    case PathMatchKind::prefix:
      return "prefix";
    case PathMatchKind::exact:
      return "exact";
    case PathMatchKind::templated:
      return "template";
    case PathMatchKind::regex:
      return "regex";
  }
  return "";
}

// How the route's paths are named in messages: "the route's path_template" for one path written
// as a shorthand, "path 2 ('/x') of the route" for an entry of a `paths` list.
std::string describe_path(const RouteMatch& match, std::size_t i) {
  if (match.paths.size() == 1)
    return std::string("the route's ") + shorthand_key(match.paths[i].kind);
  return "path " + std::to_string(i) + " ('" + match.paths[i].value + "') of the route";
}

void Validator::route_paths(const RouteConfig& route, const std::string& path) {
  const SourcePosition& at = route.position;
  const RouteMatch& match = route.match;
  for (std::size_t i = 0; i < match.paths.size(); ++i) {
    const PathMatch& entry = match.paths[i];
    const std::string listed =
        path + ".match.paths." + std::to_string(i) + "." + entry_key(entry.kind);
    const bool in_list = positions_.has(listed);
    const std::string key = in_list ? entry_key(entry.kind) : shorthand_key(entry.kind);
    const std::string at_key = in_list ? listed : path + ".match." + key;
    std::string problem;
    switch (entry.kind) {
      case PathMatchKind::prefix:
      case PathMatchKind::exact: {
        std::string normalized;
        if (!entry.value.starts_with('/')) {
          error(at_key, at, "'" + key + "' must start with '/'");
        } else if (!http::normalize_path(entry.value, normalized) || normalized != entry.value) {
          // Requests are matched after normalization, so anything else could never match.
          error(at_key, at,
                "'" + key + "' must be a normalized path" +
                    (normalized.empty() ? std::string() : " (did you mean '" + normalized + "'?)"));
        }
        break;
      }
      case PathMatchKind::templated: {
        http::PathTemplate tmpl;
        if (!http::parse_path_template(entry.value, tmpl, problem)) {
          error(at_key, at, "invalid " + key + " '" + entry.value + "': " + problem);
        }
        break;
      }
      case PathMatchKind::regex:
        break;  // compiled, and any error reported, when the config was read
    }
  }
  const RewriteConfig& rewrite = route.rewrite;
  std::string problem;
  switch (rewrite.kind) {
    case RewriteConfig::Kind::none:
      break;
    case RewriteConfig::Kind::strip_prefix:
    case RewriteConfig::Kind::replace_prefix: {
      const std::string key =
          rewrite.kind == RewriteConfig::Kind::strip_prefix ? "strip_prefix" : "replace_prefix";
      const bool all_prefixes =
          std::all_of(match.paths.begin(), match.paths.end(),
                      [](const PathMatch& entry) { return entry.kind == PathMatchKind::prefix; });
      if (!all_prefixes) {
        error(path + ".rewrite." + key, at,
              "'" + key + "' needs a path_prefix match" +
                  (match.paths.size() > 1 ? " (every path of the route a prefix)" : ""));
      }
      if (!rewrite.value.starts_with('/')) {
        error(path + ".rewrite." + key, at, "'" + key + "' must start with '/'");
      }
      break;
    }
    case RewriteConfig::Kind::templated: {
      http::PathTemplate rewrite_template;
      if (!http::parse_path_template(rewrite.value, rewrite_template, problem)) {
        error(path + ".rewrite.template", at,
              "invalid rewrite template '" + rewrite.value + "': " + problem);
        break;
      }
      for (const auto& segment : rewrite_template.segments) {
        if (!segment.is_param) continue;
        for (std::size_t i = 0; i < match.paths.size(); ++i) {
          if (captures(match.paths[i], segment.text)) continue;
          error(path + ".rewrite.template", at,
                "rewrite template uses '{" + segment.text + "}', which " + describe_path(match, i) +
                    " does not capture");
          break;
        }
      }
      break;
    }
  }
}

void Validator::split(const RouteConfig& route, const std::string& path,
                      const std::unordered_set<std::string_view>& known,
                      const std::vector<std::string>& names) {
  const SourcePosition& at = route.position;
  const auto& arms = route.upstreams;  // 1 to 16 of them: checked during conversion
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < arms.size(); ++i) {
    const std::string arm_path = path + ".upstreams." + std::to_string(i);
    const UpstreamWeight& arm = arms[i];
    total += arm.weight;
    if (arm.weight > kMaxWeight) {
      error(arm_path + ".weight", at, "'weight' must be between 0 and 1000");
    }
    if (arm.name.empty()) continue;  // missing: reported during conversion
    const auto same = [&](const UpstreamWeight& other) { return other.name == arm.name; };
    if (std::any_of(arms.begin(), arms.begin() + static_cast<std::ptrdiff_t>(i), same)) {
      error(arm_path + ".name", at, "upstream '" + arm.name + "' appears twice in 'upstreams'");
    } else if (!known.contains(arm.name)) {
      error(arm_path + ".name", at,
            "route '" + route.name + "' names upstream '" + arm.name + "' which is not defined" +
                did_you_mean(arm.name, names));
    }
  }
  if (total == 0) {
    error(path + ".upstreams", at, "the weights of 'upstreams' add up to 0");
  }
}

void Validator::hash_param_captured(const RouteConfig& route, const UpstreamConfig* upstream,
                                    const std::string& path) {
  if (upstream == nullptr || upstream->balancer != BalancerKind::consistent_hash ||
      upstream->hash_on.kind != HashOn::Kind::param) {
    return;
  }
  // The parameter is taken from the path that matched; a path without it would make every
  // request it matches hash alike.
  const auto& paths = route.match.paths;
  const auto missing = std::find_if(paths.begin(), paths.end(), [&](const PathMatch& entry) {
    return !captures(entry, upstream->hash_on.name);
  });
  if (missing == paths.end()) return;
  const std::string param = "{" + upstream->hash_on.name + "}";
  // One path that is not a regex: a template is what captures, so say that.
  const std::string fix =
      paths.size() == 1 && missing->kind != PathMatchKind::regex
          ? "the route's path_template must capture " + param
          : describe_path(route.match, static_cast<std::size_t>(missing - paths.begin())) +
                " does not capture " + param;
  error(path, route.position,
        "route '" + route.name + "' uses upstream '" + upstream->name +
            "', which hashes on path parameter '" + upstream->hash_on.name + "'; " + fix);
}

void Validator::routes(const SharedList<RouteConfig>& routes,
                       const SharedList<UpstreamConfig>& upstreams, const EntityNames* universe) {
  std::vector<std::string> own_names;
  if (universe == nullptr) {
    for (const auto& upstream : upstreams) own_names.push_back(upstream.name);
  }
  // References resolve among every upstream of the set (only part of it may be converted here).
  const std::vector<std::string>& upstream_names =
      universe != nullptr ? universe->upstreams : own_names;
  // Indexes, not scans: a scan per route costs routes x upstreams (10 M compares at 10,000 x
  // 1,000). The first upstream of a name wins, as a scan from the front would find it.
  const std::unordered_set<std::string_view> known_upstreams(upstream_names.begin(),
                                                             upstream_names.end());
  std::unordered_map<std::string_view, const UpstreamConfig*> upstream_by_name;
  for (const auto& upstream : upstreams) upstream_by_name.emplace(upstream.name, &upstream);
  std::map<std::string, SourcePosition> names;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const RouteConfig& route = routes[i];
    const std::string path = "routes." + std::to_string(i);
    if (!route.name.empty()) unique(names, "route", route.name, path + ".name", route.position);
    const bool known = known_upstreams.contains(route.upstream);
    validate_services(route, path, positions_, errors_);
    if (!route.upstream.empty() && !known && route.upstream_param.empty()) {
      error(path + ".upstream", route.position,
            "route '" + route.name + "' names upstream '" + route.upstream +
                "' which is not defined" + did_you_mean(route.upstream, upstream_names));
    }
    if (!route.upstreams.empty()) split(route, path, known_upstreams, upstream_names);
    route_paths(route, path);
    const auto upstream_named = [&](const std::string& name) -> const UpstreamConfig* {
      const auto found = upstream_by_name.find(name);
      return found != upstream_by_name.end() ? found->second : nullptr;
    };
    hash_param_captured(route, upstream_named(route.upstream), path + ".upstream");
    for (std::size_t arm = 0; arm < route.upstreams.size(); ++arm) {
      hash_param_captured(route, upstream_named(route.upstreams[arm].name),
                          path + ".upstreams." + std::to_string(arm) + ".name");
    }
    if (route.handler && route.fallback.enabled) {
      error(path + ".fallback", route.position,
            "route '" + route.name +
                "' is answered by its handler: 'fallback' applies to routes "
                "with an upstream");
    }
    if (const FallbackConfig& fallback = route.fallback; fallback.enabled) {
      const std::string prefix = path + ".fallback.";
      if (fallback.stale_if_error.count() == 0 && fallback.upstream.empty() &&
          fallback.status == 0) {
        error(path + ".fallback", route.position,
              "'fallback' needs at least one of 'stale_if_error', 'upstream' or 'status'");
      }
      if (fallback.status != 0 && (fallback.status < 200 || fallback.status > 599)) {
        error(prefix + "status", route.position, "fallback 'status' must be 200-599");
      }
      if (fallback.status == 0 && (!fallback.body.empty() || !fallback.headers.empty())) {
        error(prefix + "status", route.position, "fallback 'body' and 'headers' need a 'status'");
      }
      if (!fallback.upstream.empty()) {
        const bool exists = known_upstreams.contains(fallback.upstream);
        if (!exists) {
          error(prefix + "upstream", route.position,
                "fallback upstream '" + fallback.upstream + "' is not defined" +
                    did_you_mean(fallback.upstream, upstream_names));
        } else if (fallback.upstream == route.upstream) {
          error(prefix + "upstream", route.position,
                "the fallback upstream must differ from the route's upstream");
        } else if (std::any_of(
                       route.upstreams.begin(), route.upstreams.end(),
                       [&](const UpstreamWeight& arm) { return arm.name == fallback.upstream; })) {
          error(prefix + "upstream", route.position,
                "the fallback upstream must differ from every upstream of 'upstreams'");
        }
      }
      for (const auto& [name, value] : fallback.headers) {
        if (name == "content-length" || name == "transfer-encoding" || name == "connection") {
          error(prefix + "headers", route.position,
                "fallback header '" + name + "' is set by the gateway");
        }
      }
    }
    validate_mirror(route, path, known_upstreams, upstream_names, positions_, errors_);
    const RetryConfig& retry = route.retry;
    if (retry.attempts < 1 || retry.attempts > 10) {
      error(path + ".retry.attempts", route.position,
            "'attempts' must be between 1 and 10 (tries in all, the first included)");
    }
    positive(path + ".retry.backoff.base", route.position, "base", retry.backoff_base.count() > 0);
    if (retry.backoff_max < retry.backoff_base) {
      error(path + ".retry.backoff.max", route.position, "backoff 'max' must be at least 'base'");
    }
    if (retry.per_try_timeout) {
      positive(path + ".retry.per_try_timeout", route.position, "per_try_timeout",
               retry.per_try_timeout->count() > 0);
    }
    if (retry.budget_percent > 100) {
      error(path + ".retry.budget.percent", route.position,
            "budget 'percent' must be between 0 and 100");
    }
    if (route.timeout)
      positive(path + ".timeout", route.position, "timeout", route.timeout->count() > 0);
    if (route.max_body_bytes) {
      positive(path + ".max_body_bytes", route.position, "max_body_bytes",
               *route.max_body_bytes > 0);
    }
    positive(path + ".max_buffered_body_bytes", route.position, "max_buffered_body_bytes",
             route.max_buffered_body_bytes > 0);
  }
}

}  // namespace

bool path_captures(const PathMatch& entry, const std::string& name) { return captures(entry, name); }

void validate(const Config& config, const ValuePositions& positions,
              std::vector<ConfigError>& errors, const EntityNames* names) {
  Validator validator(positions, errors);
  validator.server(config.server);
  validate_listeners(config.server, positions, errors);
  validator.admin(config.admin);
  validator.upstreams(config.upstreams);
  validator.routes(config.routes, config.upstreams, names);
}

}  // namespace apigw::config::detail
