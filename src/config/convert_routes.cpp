// TOML -> schema structs: [[routes]] (match, rewrite, retry, fallback, and the filters and
// handler entries, parsed by the FilterCatalog).
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
  TableReader reader(table, path,
                     {"attempts", "on", "per_try_timeout", "backoff", "non_idempotent",
                      "replay_limit", "budget", "failover"},
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
  reader.read_bool("failover", retry.failover);
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

// `upstreams = [{ name = "v1", weight = 90 }, ...]` and `sticky`: a weighted split. Names and
// weights are checked by validate(), which knows the upstreams.
void convert_split(TableReader& reader, RouteConfig& route) {
  constexpr std::size_t kMaxArms = 16;  // proxy::TrafficSplit::kMaxArms
  LoadContext& ctx = reader.context();
  if (const auto* list = reader.find("upstreams")) {
    for_each_table(*list, "upstreams", reader.path_of("upstreams"), ctx,
                   [&](const toml::table& entry, const std::string& entry_path) {
                     UpstreamWeight arm;
                     TableReader inner(entry, entry_path, {"name", "weight"}, ctx);
                     inner.read_string("name", arm.name, Presence::required);
                     inner.read_count("weight", arm.weight);
                     route.upstreams.push_back(std::move(arm));
                   });
    const auto* array = list->as_array();
    if (array != nullptr && (array->empty() || array->size() > kMaxArms)) {
      ctx.error(*list, "'upstreams' takes 1 to 16 entries");
    }
  }
  std::string sticky;
  if (!reader.read_string("sticky", sticky)) return;
  const auto at = ctx.positions().at(reader.path_of("sticky"), {});
  if (HashOn key; parse_hash_on(sticky, /*allow_param=*/false, key)) {
    route.sticky = std::move(key);
  } else {
    ctx.error(at, "invalid 'sticky' '" + sticky +
                      "' (\"client_ip\", \"header:NAME\" or \"cookie:NAME\")");
  }
  if (reader.find("upstreams") == nullptr) ctx.error(at, "'sticky' needs 'upstreams'");
}

RouteConfig convert_route(const toml::table& table, const std::string& path,
                          const FilterCatalog& filters, LoadContext& ctx) {
  RouteConfig route;
  TableReader reader(table, path,
                     {"id", "name", "tags", "match", "upstream", "upstreams", "sticky", "handler",
                      "rewrite", "timeout", "max_body_bytes", "max_buffered_body_bytes", "retry",
                      "fallback", "mirror", "websocket", "services", "filters"},
                     ctx);
  route.position = reader.position();
  reader.read_string("name", route.name, Presence::required);
  convert_meta(reader, "routes", route.name, route.meta);
  if (const auto* match = reader.read_table("match")) {
    route.match = convert_match(*match, reader.path_of("match"), ctx);
  }
  reader.read_string("upstream", route.upstream);
  if (route.upstream.size() > 2 && route.upstream.front() == '{' && route.upstream.back() == '}') {
    route.upstream_param = route.upstream.substr(1, route.upstream.size() - 2);
  }
  if (const auto* services = reader.read_table("services")) {
    TableReader inner(*services, reader.path_of("services"), {"allow", "tag"}, ctx);
    inner.read_strings("allow", route.services.allow);
    inner.read_string("tag", route.services.tag);
  }
  convert_split(reader, route);
  if (const auto* handler = reader.read_table("handler")) {
    route.handler =
        convert_named_entry(*handler, reader.path_of("handler"), filters, /*is_handler=*/true, ctx);
  }
  const int actions = (route.upstream.empty() ? 0 : 1) + (reader.find("upstreams") ? 1 : 0) +
                      (reader.find("handler") ? 1 : 0);
  if (actions != 1) {
    ctx.error(reader.position(), "route '" + route.name +
                                     "' needs exactly one of 'upstream' (proxy to it), "
                                     "'upstreams' (split among them) or 'handler' (the gateway "
                                     "answers)");
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
  if (const auto* mirror = reader.read_table("mirror")) {
    route.mirror = convert_mirror(*mirror, reader.path_of("mirror"), ctx);
  }
  if (const auto* websocket = reader.find("websocket")) {
    route.websocket = convert_websocket(*websocket, reader.path_of("websocket"), ctx);
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

}  // namespace

std::vector<RouteConfig> convert_routes(const toml::node& routes, const FilterCatalog& filters,
                                        LoadContext& ctx) {
  std::vector<RouteConfig> out;
  for_each_table(routes, "routes", "routes", ctx,
                 [&](const toml::table& table, const std::string& path) {
                   out.push_back(convert_route(table, path, filters, ctx));
                 });
  return out;
}

}  // namespace apigw::config::detail
