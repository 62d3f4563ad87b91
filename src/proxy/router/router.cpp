#include "proxy/router/router.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

#include "proxy/router/request_predicates.h"
#include "util/anchored_regex.h"

namespace apigw::proxy {
namespace {

// Everything rules 2-5 compare for one path of one route; larger is more specific. Rule 1 (host)
// is the order the router visits host tables in, so it needs no field here.
struct EntryRank {
  int path_rank = 0;            // 3 exact, 2 template, 1 regex, 0 prefix
  std::size_t path_detail = 0;  // template: literal segments; prefix: its length
  bool has_methods = false;
  std::size_t predicate_count = 0;
  std::uint32_t route = 0;  // earlier wins
  std::uint32_t path = 0;   // earlier in the route's list wins

  auto specificity() const {
    return std::tie(path_rank, path_detail, has_methods, predicate_count);
  }
};

bool more_specific(const EntryRank& a, const EntryRank& b) {
  if (a.specificity() != b.specificity()) return a.specificity() > b.specificity();
  return std::tie(a.route, a.path) < std::tie(b.route, b.path);
}

}  // namespace

bool path_has_prefix(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix)) return false;
  return prefix.ends_with('/') || path.size() == prefix.size() || path[prefix.size()] == '/';
}

std::uint32_t Router::register_regex(const std::shared_ptr<const re2::RE2>& regex) {
  if (!regex) return kNoRegex;  // the loader refused the config; kept only by hand-made routes
  regexes_.push_back(regex);
  return static_cast<std::uint32_t>(regexes_.size() - 1);
}

Router Router::build(const config::SharedList<config::RouteConfig>& routes) {
  Router router;
  router.routes_.reserve(routes.size());
  std::vector<EntryRank> ranks;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const config::RouteMatch& match = routes[i].match;
    CompiledRoute compiled;
    compiled.methods = match.methods;
    for (const auto* list : {&match.headers, &match.query, &match.cookies}) {
      auto& out = list == &match.headers ? compiled.headers
                  : list == &match.query ? compiled.query
                                         : compiled.cookies;
      for (const config::ValuePredicate& predicate : *list) {
        out.push_back(CompiledPredicate{predicate, router.register_regex(predicate.regex)});
      }
    }
    const std::size_t predicate_count =
        match.headers.size() + match.query.size() + match.cookies.size();
    for (std::size_t p = 0; p < match.paths.size(); ++p) {
      const config::PathMatch& path = match.paths[p];
      CompiledPath compiled_path;
      compiled_path.kind = path.kind;
      EntryRank rank{0,
                     0,
                     !match.methods.empty(),
                     predicate_count,
                     static_cast<std::uint32_t>(i),
                     static_cast<std::uint32_t>(p)};
      switch (path.kind) {
        case config::PathMatchKind::exact:
          rank.path_rank = 3;
          break;
        case config::PathMatchKind::templated: {
          std::string error;
          if (!http::parse_path_template(path.value, compiled_path.path_template, error)) {
            throw std::invalid_argument("route '" + routes[i].name + "': " + error);
          }
          rank.path_rank = 2;
          rank.path_detail = compiled_path.path_template.literal_count();
          break;
        }
        case config::PathMatchKind::regex:
          rank.path_rank = 1;
          compiled_path.regex = router.register_regex(path.regex);
          if (path.regex) {
            for (const auto& [name, group] : path.regex->NamedCapturingGroups()) {
              compiled_path.captures.push_back(Capture{name, group});
              compiled_path.groups_needed = std::max(compiled_path.groups_needed, group + 1);
            }
            // Parameters in the order the pattern writes them, as templates give theirs.
            std::sort(compiled_path.captures.begin(), compiled_path.captures.end(),
                      [](const Capture& a, const Capture& b) { return a.group < b.group; });
          }
          break;
        case config::PathMatchKind::prefix:
          rank.path_detail = path.value.size();
          break;
      }
      compiled.paths.push_back(std::move(compiled_path));
      ranks.push_back(rank);
    }
    router.routes_.push_back(std::move(compiled));
  }

  // Ordinals: the place of each (route, path) in precedence order, host left aside.
  std::sort(ranks.begin(), ranks.end(), more_specific);
  std::vector<std::vector<std::uint32_t>> ordinals(routes.size());
  for (std::size_t i = 0; i < routes.size(); ++i) ordinals[i].resize(routes[i].match.paths.size());
  for (std::size_t n = 0; n < ranks.size(); ++n) {
    ordinals[ranks[n].route][ranks[n].path] = static_cast<std::uint32_t>(n);
  }

  // Each route goes into the table of each of its hosts (once per table), or the any-host table.
  std::vector<std::uint32_t> route_tables;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    route_tables.clear();
    const auto next_id = static_cast<std::uint32_t>(router.tables_.size());
    const auto table_of = [&](std::uint32_t id) {
      if (id == router.tables_.size()) router.tables_.emplace_back();
      if (std::find(route_tables.begin(), route_tables.end(), id) == route_tables.end()) {
        route_tables.push_back(id);
      }
    };
    if (routes[i].match.hosts.empty()) {
      table_of(router.hosts_.table_for_any_host(next_id));
    }
    for (const std::string& host : routes[i].match.hosts) {
      table_of(router.hosts_.table_for_host(canonical_config_host(host),
                                            static_cast<std::uint32_t>(router.tables_.size())));
    }
    const config::RouteMatch& match = routes[i].match;
    for (const std::uint32_t table : route_tables) {
      PathIndex& index = router.tables_[table];
      for (std::size_t p = 0; p < match.paths.size(); ++p) {
        const RouteEntry entry{ordinals[i][p], static_cast<std::uint32_t>(i),
                               static_cast<std::uint32_t>(p)};
        const config::PathMatch& path = match.paths[p];
        switch (path.kind) {
          case config::PathMatchKind::exact:
            index.add_exact(path.value, entry);
            break;
          case config::PathMatchKind::prefix:
            index.add_prefix(path.value, entry);
            break;
          case config::PathMatchKind::templated:
            index.add_template(router.routes_[i].paths[p].path_template, entry);
            break;
          case config::PathMatchKind::regex:
            index.add_regex(path.regex ? util::regex_path_directory(*path.regex) : "/", entry);
            break;
        }
      }
    }
  }
  for (PathIndex& table : router.tables_) table.finish();
  return router;
}

const re2::RE2* Router::regex_for(std::uint32_t id, RegexCache* regexes) const {
  if (id == kNoRegex) return nullptr;
  return regexes != nullptr ? &regexes->copy_of(regexes_[id]) : regexes_[id].get();
}

bool Router::accepts(const RouteEntry& entry, const RouteRequest& request, http::PathParams& params,
                     RegexCache* regexes) const {
  const CompiledRoute& route = routes_[entry.route];
  if (!route.methods.empty() && std::find(route.methods.begin(), route.methods.end(),
                                          request.method) == route.methods.end()) {
    return false;
  }
  for (const CompiledPredicate& p : route.headers) {
    if (!header_predicate_holds(p.predicate, regex_for(p.regex, regexes), request.headers)) {
      return false;
    }
  }
  for (const CompiledPredicate& p : route.query) {
    if (!query_predicate_holds(p.predicate, regex_for(p.regex, regexes), request.query)) {
      return false;
    }
  }
  for (const CompiledPredicate& p : route.cookies) {
    if (!cookie_predicate_holds(p.predicate, regex_for(p.regex, regexes), request.headers)) {
      return false;
    }
  }
  // The path goes last: templates and regexes are the only checks that write to `params`. The
  // index already matched exact paths and prefixes.
  const CompiledPath& path = route.paths[entry.path];
  switch (path.kind) {
    case config::PathMatchKind::exact:
    case config::PathMatchKind::prefix:
      return true;
    case config::PathMatchKind::templated:
      return http::match_path_template(path.path_template, request.path, params);
    case config::PathMatchKind::regex: {
      const re2::RE2* regex = regex_for(path.regex, regexes);
      if (regex == nullptr) return false;
      std::array<re2::StringPiece, util::kMaxRegexCaptures + 1> groups;
      const re2::StringPiece text(request.path.data(), request.path.size());
      if (!regex->Match(text, 0, text.size(), RE2::ANCHOR_BOTH, groups.data(),
                        path.groups_needed)) {
        return false;
      }
      for (const Capture& capture : path.captures) {
        const re2::StringPiece& value = groups[static_cast<std::size_t>(capture.group)];
        if (value.data() == nullptr) continue;  // an optional group that took no part
        params.push_back(
            http::PathParam{capture.name, std::string_view(value.data(), value.size())});
      }
      return true;
    }
  }
  return false;
}

std::optional<RouteMatchResult> Router::match(const RouteRequest& request, http::PathParams& params,
                                              RegexCache* regexes) const {
  params.clear();
  std::array<char, 255> buffer;
  const std::string_view host = canonical_request_host(request.host, buffer);
  const RouteEntry* found = nullptr;
  hosts_.visit_tables(host, [&](std::uint32_t table) {
    found = tables_[table].find(request.path, [&](const RouteEntry& entry) {
      return accepts(entry, request, params, regexes);
    });
    return found != nullptr;
  });
  if (found == nullptr) return std::nullopt;
  return RouteMatchResult{found->route, found->path};
}

std::optional<std::size_t> Router::match(std::string_view host, std::string_view method,
                                         std::string_view path,
                                         const std::vector<http::Header>& headers,
                                         http::PathParams& params) const {
  const auto found = match(RouteRequest{host, method, path, {}, headers}, params);
  if (!found) return std::nullopt;
  return found->route;
}

}  // namespace apigw::proxy
