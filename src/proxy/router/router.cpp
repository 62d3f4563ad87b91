#include "proxy/router/router.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <tuple>

namespace apigw::proxy {
namespace {

// DNS names are at most 253 bytes; a longer Host cannot name any configured host, so match() can
// lower-case into a fixed stack buffer and never allocate.
constexpr std::size_t kMaxHostBytes = 255;

char to_lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool header_name_equals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return to_lower_ascii(x) == to_lower_ascii(y);
         });
}

// The host part of a Host value, without port or trailing dot; IPv6 literals keep their brackets.
std::string_view host_without_port(std::string_view raw) {
  if (!raw.empty() && raw.front() == '[') {
    const std::size_t close = raw.find(']');
    return close == std::string_view::npos ? std::string_view() : raw.substr(0, close + 1);
  }
  std::string_view host = raw.substr(0, raw.find(':'));
  // "example.com." is the same name written fully qualified; without this it would fall through
  // to the host-less routes and dodge any host-specific ones.
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return host;
}

// Config hosts go through the same reduction as request hosts, so both sides compare alike.
std::string canonical_config_host(std::string_view host) {
  std::string text(host);
  if (std::count(host.begin(), host.end(), ':') >= 2 && !host.starts_with('[')) {
    text = "[" + text + "]";  // a bare IPv6 literal; requests always bracket it
  }
  std::string canonical(host_without_port(text));
  std::transform(canonical.begin(), canonical.end(), canonical.begin(), to_lower_ascii);
  return canonical;
}

bool wildcard_matches(std::string_view host, std::string_view suffix) {
  // At least one character before the suffix: "*.example.com" never matches "example.com".
  return host.size() > suffix.size() && host.ends_with(suffix);
}

bool header_predicate_holds(const config::HeaderPredicate& predicate,
                            const std::vector<http::Header>& headers) {
  using Kind = config::HeaderPredicate::Kind;
  for (const http::Header& header : headers) {
    if (!header_name_equals(header.name, predicate.name)) continue;
    switch (predicate.kind) {
      case Kind::exact:
        if (header.value == predicate.value) return true;
        break;
      case Kind::prefix:
        if (header.value.starts_with(predicate.value)) return true;
        break;
      case Kind::present:
        return true;
      case Kind::absent:
        return false;
    }
  }
  return predicate.kind == Kind::absent;
}

// Everything precedence compares, for one (route, host rule) pair. Larger is more specific.
struct CandidateRank {
  int host_rank = 0;  // 2 exact, 1 wildcard, 0 no host constraint
  std::size_t wildcard_length = 0;
  int path_rank = 0;            // 2 exact, 1 template, 0 prefix
  std::size_t path_detail = 0;  // template: literal segments; prefix: its length
  bool has_methods = false;
  std::size_t header_count = 0;
  std::uint32_t route = 0;  // earlier wins
  std::int32_t wildcard = -1;

  auto specificity() const {
    return std::tie(host_rank, wildcard_length, path_rank, path_detail, has_methods, header_count);
  }
};

void sort_by_precedence(std::vector<CandidateRank>& ranks) {
  std::sort(ranks.begin(), ranks.end(), [](const CandidateRank& a, const CandidateRank& b) {
    if (a.specificity() != b.specificity()) return a.specificity() > b.specificity();
    return a.route < b.route;
  });
}

CandidateRank route_rank(const config::RouteMatch& match, const http::PathTemplate& tmpl,
                         std::uint32_t route) {
  CandidateRank rank;
  switch (match.path_kind) {
    case config::PathMatchKind::exact:
      rank.path_rank = 2;
      break;
    case config::PathMatchKind::templated:
      rank.path_rank = 1;
      rank.path_detail = tmpl.literal_count();
      break;
    case config::PathMatchKind::prefix:
      rank.path_detail = match.path.size();
      break;
  }
  rank.has_methods = !match.methods.empty();
  rank.header_count = match.headers.size();
  rank.route = route;
  return rank;
}

}  // namespace

bool path_has_prefix(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix)) return false;
  return prefix.ends_with('/') || path.size() == prefix.size() || path[prefix.size()] == '/';
}

Router Router::build(const config::SharedList<config::RouteConfig>& routes) {
  Router router;
  router.routes_.reserve(routes.size());
  std::vector<std::vector<std::string>> exact_hosts(routes.size());
  std::vector<CandidateRank> base_ranks;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const config::RouteMatch& match = routes[i].match;
    CompiledRoute compiled;
    for (const std::string& host : match.hosts) {
      std::string canonical = canonical_config_host(host);
      if (canonical.starts_with('*')) {
        compiled.wildcard_suffixes.push_back(canonical.substr(1));
      } else {
        exact_hosts[i].push_back(std::move(canonical));
      }
    }
    compiled.methods = match.methods;
    compiled.path_kind = match.path_kind;
    compiled.path = match.path;
    if (match.path_kind == config::PathMatchKind::templated) {
      std::string error;
      if (!http::parse_path_template(match.path, compiled.path_template, error)) {
        throw std::invalid_argument("route '" + routes[i].name + "': " + error);
      }
    }
    compiled.headers = match.headers;
    base_ranks.push_back(route_rank(match, compiled.path_template, static_cast<std::uint32_t>(i)));
    router.routes_.push_back(std::move(compiled));
  }

  auto to_candidates = [](std::vector<CandidateRank>& ranks) {
    sort_by_precedence(ranks);
    std::vector<Candidate> candidates;
    candidates.reserve(ranks.size());
    for (const CandidateRank& r : ranks) candidates.push_back(Candidate{r.route, r.wildcard});
    return candidates;
  };

  // Each exact host gets one list holding every route that can match it, with wildcards already
  // resolved against the host, so match() does a single lookup and a linear scan.
  for (const auto& hosts : exact_hosts) {
    for (const std::string& host : hosts) {
      if (router.by_host_.contains(host)) continue;
      std::vector<CandidateRank> ranks;
      for (std::size_t i = 0; i < routes.size(); ++i) {
        CandidateRank rank = base_ranks[i];
        if (std::find(exact_hosts[i].begin(), exact_hosts[i].end(), host) != exact_hosts[i].end()) {
          rank.host_rank = 2;
        } else if (routes[i].match.hosts.empty()) {
          rank.host_rank = 0;
        } else {
          for (const std::string& suffix : router.routes_[i].wildcard_suffixes) {
            if (wildcard_matches(host, suffix)) {
              rank.host_rank = 1;
              rank.wildcard_length = std::max(rank.wildcard_length, suffix.size());
            }
          }
          if (rank.host_rank == 0) continue;  // its hosts exclude this one
        }
        ranks.push_back(rank);
      }
      router.by_host_.emplace(host, to_candidates(ranks));
    }
  }

  // Other hosts: a route appears once per wildcard (longest first after sorting), checked at match
  // time, and once if it has no host constraint.
  std::vector<CandidateRank> ranks;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    if (routes[i].match.hosts.empty()) ranks.push_back(base_ranks[i]);
    const auto& suffixes = router.routes_[i].wildcard_suffixes;
    for (std::size_t w = 0; w < suffixes.size(); ++w) {
      CandidateRank rank = base_ranks[i];
      rank.host_rank = 1;
      rank.wildcard_length = suffixes[w].size();
      rank.wildcard = static_cast<std::int32_t>(w);
      ranks.push_back(rank);
    }
  }
  router.other_hosts_ = to_candidates(ranks);
  return router;
}

std::optional<std::size_t> Router::match(std::string_view host, std::string_view method,
                                         std::string_view path,
                                         const std::vector<http::Header>& headers,
                                         http::PathParams& params) const {
  params.clear();
  std::array<char, kMaxHostBytes> lowered;
  std::string_view host_name = host_without_port(host);
  if (host_name.size() > lowered.size()) {
    host_name = {};  // too long to be any configured host: only host-less routes can match
  } else {
    std::transform(host_name.begin(), host_name.end(), lowered.begin(), to_lower_ascii);
    host_name = std::string_view(lowered.data(), host_name.size());
  }

  const std::vector<Candidate>* candidates = &other_hosts_;
  if (!host_name.empty()) {
    if (const auto it = by_host_.find(host_name); it != by_host_.end()) candidates = &it->second;
  }
  for (const Candidate& candidate : *candidates) {
    const CompiledRoute& route = routes_[candidate.route];
    if (candidate.wildcard >= 0 &&
        !wildcard_matches(host_name, route.wildcard_suffixes[candidate.wildcard])) {
      continue;
    }
    if (matches_request(route, method, path, headers, params)) return candidate.route;
  }
  return std::nullopt;
}

bool Router::matches_request(const CompiledRoute& route, std::string_view method,
                             std::string_view path, const std::vector<http::Header>& headers,
                             http::PathParams& params) {
  if (!route.methods.empty() &&
      std::find(route.methods.begin(), route.methods.end(), method) == route.methods.end()) {
    return false;
  }
  for (const config::HeaderPredicate& predicate : route.headers) {
    if (!header_predicate_holds(predicate, headers)) return false;
  }
  // The path goes last: a template match is the only check that writes to `params`.
  switch (route.path_kind) {
    case config::PathMatchKind::exact:
      return path == route.path;
    case config::PathMatchKind::prefix:
      return path_has_prefix(path, route.path);
    case config::PathMatchKind::templated:
      return http::match_path_template(route.path_template, path, params);
  }
  return false;
}

}  // namespace apigw::proxy
