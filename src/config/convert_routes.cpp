// TOML tree -> RouteConfig: the match table, the rewrite, the per-route overrides and the
// filters list (whose entries are parsed by the FilterCatalog).
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "config/detail.h"
#include "config/reader.h"

namespace apigw::config::detail {
namespace {

bool is_http_token(std::string_view text) {
  constexpr std::string_view kTokenSymbols = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [&](unsigned char c) {
    return std::isalnum(c) != 0 || kTokenSymbols.find(static_cast<char>(c)) != kTokenSymbols.npos;
  });
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
    const std::string_view name = std::string_view(host).starts_with("*.")
                                      ? std::string_view(host).substr(2)
                                      : std::string_view(host);
    if (!is_dns_name(name)) {
      const auto path = reader.path_of(key) + "." + std::to_string(i);
      reader.context().error(reader.context().positions().at(path, reader.position()),
                             "invalid host '" + host +
                                 "' (use \"api.example.com\" or \"*.example.com\")");
    }
  }
}

void convert_methods(TableReader& reader, RouteMatch& match) {
  if (!reader.read_strings("methods", match.methods)) return;
  for (std::size_t i = 0; i < match.methods.size(); ++i) {
    std::string& method = match.methods[i];
    method = ascii_upper(std::move(method));
    if (!is_http_token(method)) {
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
    if (!is_http_token(predicate.name)) {
      ctx.error(ctx.positions().at(reader.path_of("name"), reader.position()),
                "invalid header name '" + predicate.name + "'");
    }
  }
  using Kind = HeaderPredicate::Kind;
  int conditions =
      read_one_of(reader, {{"exact", Kind::exact}, {"prefix", Kind::prefix}}, predicate.kind,
                  predicate.value);
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
  TableReader reader(table, path,
                     {"path_prefix", "path", "path_template", "host", "hosts", "methods",
                      "headers"},
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

RewriteConfig convert_rewrite(const toml::table& table, const std::string& path,
                              LoadContext& ctx) {
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

void convert_filter(const toml::table& entry, const std::string& path,
                    const FilterCatalog& catalog, std::vector<FilterRef>& out, LoadContext& ctx) {
  // The entry's other keys belong to the filter, whose parser checks them.
  const toml::node* name_node = entry.get("name");
  const auto* name = name_node != nullptr ? name_node->as_string() : nullptr;
  if (name == nullptr) {
    ctx.error(name_node != nullptr ? ctx.position_of(*name_node) : ctx.position_of(entry),
              "each filter needs a string 'name'");
    return;
  }
  ctx.positions().record(path + ".name", ctx.position_of(*name_node));
  const auto known = catalog.filter_names();
  if (std::find(known.begin(), known.end(), name->get()) == known.end()) {
    ctx.error(*name_node, "unknown filter '" + name->get() + "'" + did_you_mean(name->get(), known));
    return;
  }
  auto settings = catalog.parse_filter(name->get(), entry, ctx.file(), ctx.errors());
  if (settings != nullptr) {
    out.push_back({name->get(), std::move(settings), ctx.position_of(entry)});
  }
}

RouteConfig convert_route(const toml::table& table, const std::string& path,
                          const FilterCatalog& filters, LoadContext& ctx) {
  RouteConfig route;
  TableReader reader(table, path,
                     {"name", "match", "upstream", "rewrite", "timeout", "max_body_bytes",
                      "filters"},
                     ctx);
  route.position = reader.position();
  reader.read_string("name", route.name, Presence::required);
  if (const auto* match = reader.read_table("match")) {
    route.match = convert_match(*match, reader.path_of("match"), ctx);
  }
  reader.read_string("upstream", route.upstream, Presence::required);
  if (const auto* rewrite = reader.read_table("rewrite")) {
    route.rewrite = convert_rewrite(*rewrite, reader.path_of("rewrite"), ctx);
  }
  if (Duration timeout{}; reader.read_duration("timeout", timeout)) route.timeout = timeout;
  if (std::uint64_t bytes = 0; reader.read_size("max_body_bytes", bytes)) route.max_body_bytes = bytes;
  if (const auto* list = reader.find("filters")) {
    for_each_table(*list, "filters", reader.path_of("filters"), ctx,
                   [&](const toml::table& entry, const std::string& entry_path) {
                     convert_filter(entry, entry_path, filters, route.filters, ctx);
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
