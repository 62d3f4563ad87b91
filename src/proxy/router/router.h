// Request routing: picks the route for a request from its host, method, path and headers.
//
// Precedence. When several routes match a request, the most specific one wins. Routes are compared
// rule by rule; a rule only decides when all the rules above it are tied:
//   1. Host: an exact host ("api.example.com") beats a wildcard host ("*.example.com"); between
//      wildcards the longer suffix wins ("*.eu.example.com" beats "*.example.com"); any host
//      constraint beats none. A route listing several hosts is ranked by the host that matched.
//   2. Path: an exact path beats a template, which beats a prefix. Between templates the one with
//      more literal segments wins ("/users/me" as a template beats "/users/{id}"); between
//      prefixes the longer one wins ("/api/v2" beats "/api").
//   3. A route with a methods list beats one without.
//   4. A route with more header predicates beats one with fewer.
//   5. Otherwise the route written earlier in the config file wins.
//
// Matching. A route matches when every constraint it sets holds:
//   - Host: the request's Host header, compared case-insensitively with its port and a trailing dot
//     removed ("API.Example.com.:8080" is "api.example.com"). IPv6 literals keep their brackets
//     ("[::1]:8080" is "[::1]"); a route may list them as "[::1]" or "::1". "*.example.com" matches
//     "a.example.com" and "a.b.example.com" but not "example.com". Any listed host may match.
//   - Method: any listed method, compared exactly (methods are case-sensitive, RFC 9110 §9.1; HEAD
//     does not match a route listing only GET).
//   - Path (normalized, without the query): an exact path must be equal; a template must match
//     segment by segment (http/path_template.h); a prefix matches whole segments only: "/api"
//     matches "/api" and "/api/x" but not "/apix", a prefix ending in '/' ("/api/") matches
//     anything that starts with it, and "/" matches every path.
//   - Headers: all predicates must hold. Names compare case-insensitively. exact: some header of
//     that name has exactly this value (case-sensitive); prefix: some header of that name has a
//     value starting with it; present: the header occurs; absent: it does not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/schema.h"
#include "http/message.h"
#include "http/path_template.h"

namespace apigw::proxy {

// Routes compiled from config; immutable after build, shared by all workers (no locks: read-only).
class Router {
 public:
  // `routes` are already validated by the config loader; route index = position in the vector.
  // Throws std::invalid_argument for a path template that does not parse.
  static Router build(const config::SharedList<config::RouteConfig>& routes);

  // host: raw Host header value (may carry ":port", any case); method: request method text;
  // path: normalized path (no query). On a match returns the route index and fills `params`
  // (cleared first; values point into `path`, names into this router). Never allocates unless
  // `params` needs to grow.
  std::optional<std::size_t> match(std::string_view host, std::string_view method,
                                   std::string_view path, const std::vector<http::Header>& headers,
                                   http::PathParams& params) const;

  std::size_t route_count() const { return routes_.size(); }

 private:
  struct CompiledRoute {
    std::vector<std::string> wildcard_suffixes;  // lower-case, with the dot: ".example.com"
    std::vector<std::string> methods;
    config::PathMatchKind path_kind = config::PathMatchKind::prefix;
    std::string path;
    http::PathTemplate path_template;  // for PathMatchKind::templated
    std::vector<config::HeaderPredicate> headers;
  };

  // One way a route can match a request: the route, and whether its host still needs checking.
  // Indices rather than pointers keep the Router safely copyable and movable.
  struct Candidate {
    std::uint32_t route = 0;
    std::int32_t wildcard = -1;  // wildcard_suffixes index the host must end with; -1: no check
  };

  struct HostHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  static bool matches_request(const CompiledRoute& route, std::string_view method,
                              std::string_view path, const std::vector<http::Header>& headers,
                              http::PathParams& params);

  std::vector<CompiledRoute> routes_;
  // Exact host -> every route that can match it (exact, matching wildcards, host-less), sorted.
  std::unordered_map<std::string, std::vector<Candidate>, HostHash, std::equal_to<>> by_host_;
  // For hosts without a bucket: wildcard routes (checked at match time) and host-less, sorted.
  std::vector<Candidate> other_hosts_;
};

// The segment-aware prefix test of PathMatchKind::prefix (rules above). Rewrites use it too, so
// they rewrite exactly the paths their route matched.
bool path_has_prefix(std::string_view path, std::string_view prefix);

}  // namespace apigw::proxy
