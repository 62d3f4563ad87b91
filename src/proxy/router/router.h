// Request routing: picks the route for a request from its host, method, path, headers, query
// parameters and cookies.
//
// Precedence. When several routes match a request, the most specific one wins. Routes are compared
// rule by rule; a rule only decides when all the rules above it are tied:
//   1. Host: an exact host ("api.example.com") beats a wildcard host ("*.example.com"); between
//      wildcards the longer suffix wins ("*.eu.example.com" beats "*.example.com"); any host
//      constraint beats none. A route listing several hosts is ranked by the host that matched.
//   2. Path: an exact path beats a template, which beats a regex, which beats a prefix. Between
//      templates the one with more literal segments wins ("/users/me" as a template beats
//      "/users/{id}"); between prefixes the longer one wins ("/api/v2" beats "/api"); regexes
//      are not ranked among themselves (the rules below decide). A route listing several paths
//      is ranked by the best path that matched (on a tie, the earliest in its list).
//   3. A route with a methods list beats one without.
//   4. A route with more predicates (headers, query parameters and cookies together) beats one
//      with fewer.
//   5. Otherwise the route written earlier in the config file wins.
//
// Matching. A route matches when every constraint it sets holds:
//   - Host: the request's Host header, compared case-insensitively with its port and a trailing dot
//     removed ("API.Example.com.:8080" is "api.example.com"). IPv6 literals keep their brackets
//     ("[::1]:8080" is "[::1]"); a route may list them as "[::1]" or "::1". "*.example.com" matches
//     "a.example.com" and "a.b.example.com" but not "example.com". Any listed host may match.
//   - Method: any listed method, compared exactly (methods are case-sensitive, RFC 9110 §9.1; HEAD
//     does not match a route listing only GET).
//   - Path (normalized, without the query), any of the route's paths: an exact path must be equal;
//     a template must match segment by segment (http/path_template.h); a regex (RE2) must match
//     the whole path; a prefix matches whole segments only: "/api" matches "/api" and "/api/x"
//     but not "/apix", a prefix ending in '/' ("/api/") matches anything that starts with it, and
//     "/" matches every path.
//   - Headers, query parameters, cookies: all predicates must hold (request_predicates.h).
//
// Cost. Hosts are looked up in hash maps and paths in a per-host index (host_index.h,
// path_index.h), so a match costs the same with 10 routes or 100,000; only routes that share a
// host and a path key and differ by method or predicates are tried one after another.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/schema.h"
#include "http/message.h"
#include "http/path_template.h"
#include "proxy/router/host_index.h"
#include "proxy/router/path_index.h"
#include "proxy/router/regex_cache.h"

namespace apigw::proxy {

// What the router reads of a request.
struct RouteRequest {
  std::string_view host;    // raw Host header value (may carry ":port", any case)
  std::string_view method;  // request method text
  std::string_view path;    // normalized path, without the query
  std::string_view query;   // raw query, without the '?'
  const std::vector<http::Header>& headers;
};

struct RouteMatchResult {
  std::size_t route = 0;  // index in the config's routes
  std::size_t path = 0;   // index in that route's paths
};

// Routes compiled from config; immutable after build, shared by all workers (no locks: read-only).
class Router {
 public:
  // `routes` are already validated by the config loader; route index = position in the list.
  // Throws std::invalid_argument for a path template that does not parse.
  static Router build(const config::SharedList<config::RouteConfig>& routes);

  // On a match returns the route and which of its paths matched, and fills `params` (cleared
  // first; values point into `request.path`, names into this router). Regexes are matched with
  // the calling worker's copies in `regexes` (regex_cache.h); without one, with the shared
  // objects (tests, tools). Allocates nothing once warm, except a regex's first use in a cache.
  std::optional<RouteMatchResult> match(const RouteRequest& request, http::PathParams& params,
                                        RegexCache* regexes = nullptr) const;

  // The same for requests without query: host, method, path and headers only.
  std::optional<std::size_t> match(std::string_view host, std::string_view method,
                                   std::string_view path, const std::vector<http::Header>& headers,
                                   http::PathParams& params) const;

  std::size_t route_count() const { return routes_.size(); }

 private:
  static constexpr std::uint32_t kNoRegex = ~std::uint32_t{0};

  struct Capture {
    std::string name;
    int group = 0;
  };
  struct CompiledPath {
    config::PathMatchKind kind = config::PathMatchKind::prefix;
    http::PathTemplate path_template;  // for PathMatchKind::templated
    std::uint32_t regex = kNoRegex;    // for PathMatchKind::regex
    std::vector<Capture> captures;     // a regex's named groups, become path parameters
    int groups_needed = 0;             // 1 + the highest captured group; 0: none
  };
  struct CompiledPredicate {
    config::ValuePredicate predicate;
    std::uint32_t regex = kNoRegex;
  };
  struct CompiledRoute {
    std::vector<std::string> methods;
    std::vector<CompiledPath> paths;
    std::vector<CompiledPredicate> headers;
    std::vector<CompiledPredicate> query;
    std::vector<CompiledPredicate> cookies;
  };

  std::uint32_t register_regex(const std::shared_ptr<const re2::RE2>& regex);
  const re2::RE2* regex_for(std::uint32_t id, RegexCache* regexes) const;
  bool accepts(const RouteEntry& entry, const RouteRequest& request, http::PathParams& params,
               RegexCache* regexes) const;

  std::vector<CompiledRoute> routes_;
  HostIndex hosts_;
  std::vector<PathIndex> tables_;                         // by HostIndex table id
  std::vector<std::shared_ptr<const re2::RE2>> regexes_;  // by id
};

// The segment-aware prefix test of PathMatchKind::prefix (rules above). Rewrites use it too, so
// they rewrite exactly the paths their route matched.
bool path_has_prefix(std::string_view path, std::string_view prefix);

}  // namespace apigw::proxy
