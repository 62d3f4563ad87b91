// Fuzzes path normalization and the router together, as a request meets them: the raw path is
// normalized once, then matched against a fixed set of routes. Input lines: method, Host value,
// raw path (origin-form, without the query), then header lines "name: value".
// Checks that a normalized path is canonical (no dot segments, no "//", escapes only where needed,
// normalizing again changes nothing), and that the router picks exactly the route that the
// precedence rules of proxy/router/router.h pick when every route is tried one by one.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "fuzz_check.h"
#include "http/path.h"
#include "http/path_template.h"
#include "proxy/router/router.h"

using apigw::config::HeaderPredicate;
using apigw::config::PathMatchKind;
using apigw::config::RouteConfig;
using apigw::config::RouteMatch;

namespace {

std::vector<RouteConfig> make_routes() {
  using Kind = HeaderPredicate::Kind;
  const std::vector<RouteMatch> matches = {
      {.path = "/api"},
      {.path = "/api/v2/"},
      {.methods = {"POST"}, .path_kind = PathMatchKind::exact, .path = "/login"},
      {.path_kind = PathMatchKind::templated, .path = "/users/{id}"},
      {.hosts = {"api.example.com"},
       .path_kind = PathMatchKind::templated,
       .path = "/users/{id}/posts/{post}"},
      {.path_kind = PathMatchKind::templated, .path = "/users/me"},
      {.path_kind = PathMatchKind::templated, .path = "/{a}/{b}/posts"},
      {.hosts = {"*.example.com"}, .path = "/"},
      {.hosts = {"*.eu.example.com", "[::1]"}, .path = "/static"},
      {.hosts = {"api.example.com"}, .path = "/", .headers = {{"x-tenant", Kind::present}}},
      {.path = "/admin", .headers = {{"x-role", Kind::exact, "admin"}, {"x-debug", Kind::absent}}},
      {.path = "/files", .headers = {{"accept", Kind::prefix, "text/"}}},
      {.methods = {"GET", "HEAD"}, .path_kind = PathMatchKind::exact, .path = "/"},
      {.hosts = {"2001:DB8::1", "Static.Example.ORG"}, .path = "/"},
      {.hosts = {"*.example.com"}, .methods = {"DELETE"}, .path = "/api"},
  };
  std::vector<RouteConfig> routes;
  for (const RouteMatch& match : matches) {
    RouteConfig route;
    route.name = "r" + std::to_string(routes.size());
    route.match = match;
    routes.push_back(std::move(route));
  }
  return routes;
}

const std::vector<RouteConfig>& routes() {
  static const std::vector<RouteConfig> all = make_routes();
  return all;
}

const apigw::proxy::Router& router() {
  static const apigw::proxy::Router built = apigw::proxy::Router::build(routes());
  return built;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

// The host as router.h documents the comparison: port and trailing dot removed, brackets of an
// IPv6 literal kept, lower case; more than 255 bytes names no configured host.
std::string request_host(std::string_view raw) {
  std::string_view host;
  if (raw.starts_with('[')) {
    const std::size_t close = raw.find(']');
    host = close == std::string_view::npos ? std::string_view() : raw.substr(0, close + 1);
  } else {
    host = raw.substr(0, raw.find(':'));
    if (host.ends_with('.')) host.remove_suffix(1);
  }
  return host.size() > 255 ? std::string() : lowered(host);
}

std::string config_host(std::string_view host) {
  const bool bare_ipv6 = std::count(host.begin(), host.end(), ':') >= 2 && !host.starts_with('[');
  return request_host(bare_ipv6 ? "[" + std::string(host) + "]" : std::string(host));
}

bool predicate_holds(const HeaderPredicate& predicate,
                     const std::vector<apigw::http::Header>& headers) {
  bool present = false, matched = false;
  for (const auto& header : headers) {
    if (lowered(header.name) != lowered(predicate.name)) continue;
    present = true;
    if (predicate.kind == HeaderPredicate::Kind::exact) matched |= header.value == predicate.value;
    if (predicate.kind == HeaderPredicate::Kind::prefix) {
      matched |= header.value.starts_with(predicate.value);
    }
  }
  switch (predicate.kind) {
    case HeaderPredicate::Kind::present:
      return present;
    case HeaderPredicate::Kind::absent:
      return !present;
    default:
      return matched;
  }
}

// Tries every route in turn and keeps the most specific match (earliest on a tie).
std::optional<std::size_t> reference_match(std::string_view raw_host, std::string_view method,
                                           std::string_view path,
                                           const std::vector<apigw::http::Header>& headers) {
  const std::string host = request_host(raw_host);
  using Rank = std::tuple<int, std::size_t, int, std::size_t, bool, std::size_t>;
  std::optional<std::size_t> best;
  Rank best_rank{};
  for (std::size_t i = 0; i < routes().size(); ++i) {
    const RouteMatch& match = routes()[i].match;
    int host_rank = 0;
    std::size_t wildcard_length = 0;
    for (const std::string& listed : match.hosts) {
      const std::string canonical = config_host(listed);
      if (canonical.starts_with('*')) {
        const std::string_view suffix = std::string_view(canonical).substr(1);
        if (host.size() > suffix.size() && host.ends_with(suffix) && host_rank < 2) {
          host_rank = 1;
          wildcard_length = std::max(wildcard_length, suffix.size());
        }
      } else if (!host.empty() && canonical == host) {
        host_rank = 2;
        wildcard_length = 0;
      }
    }
    if (!match.hosts.empty() && host_rank == 0) continue;
    if (!match.methods.empty() &&
        std::find(match.methods.begin(), match.methods.end(), method) == match.methods.end()) {
      continue;
    }
    if (!std::all_of(match.headers.begin(), match.headers.end(),
                     [&](const HeaderPredicate& p) { return predicate_holds(p, headers); })) {
      continue;
    }
    int path_rank = 0;
    std::size_t path_detail = 0;
    bool path_matches = false;
    if (match.path_kind == PathMatchKind::exact) {
      path_rank = 2;
      path_matches = path == match.path;
    } else if (match.path_kind == PathMatchKind::templated) {
      apigw::http::PathTemplate tmpl;
      std::string error;
      FUZZ_CHECK(apigw::http::parse_path_template(match.path, tmpl, error));
      apigw::http::PathParams params;
      path_rank = 1;
      path_detail = tmpl.literal_count();
      path_matches = apigw::http::match_path_template(tmpl, path, params);
    } else {
      path_detail = match.path.size();
      path_matches = apigw::proxy::path_has_prefix(path, match.path);
    }
    if (!path_matches) continue;
    const Rank rank{host_rank,   wildcard_length,        path_rank,
                    path_detail, !match.methods.empty(), match.headers.size()};
    if (!best || rank > best_rank) {
      best = i;
      best_rank = rank;
    }
  }
  return best;
}

// What normalize_path promises about its output.
void check_canonical(std::string_view raw, const std::string& path) {
  FUZZ_CHECK(path.starts_with('/'));
  FUZZ_CHECK(path.size() <= 3 * raw.size());
  FUZZ_CHECK(path.find("//") == std::string::npos);
  FUZZ_CHECK(path != "/." && path != "/.." && !path.ends_with("/.") && !path.ends_with("/.."));
  FUZZ_CHECK(path.find("/./") == std::string::npos && path.find("/../") == std::string::npos);
  for (std::size_t i = 0; i < path.size(); ++i) {
    const auto c = static_cast<unsigned char>(path[i]);
    FUZZ_CHECK(c > 0x20 && c < 0x7f);
    if (c != '%') continue;
    FUZZ_CHECK(i + 2 < path.size());
    const int high = apigw::http::hex_digit_value(path[i + 1]);
    const int low = apigw::http::hex_digit_value(path[i + 2]);
    FUZZ_CHECK(high >= 0 && low >= 0);
    FUZZ_CHECK(!(path[i + 1] >= 'a' && path[i + 1] <= 'f') &&
               !(path[i + 2] >= 'a' && path[i + 2] <= 'f'));
    const char decoded = static_cast<char>(high * 16 + low);
    const bool unreserved = (decoded >= 'a' && decoded <= 'z') ||
                            (decoded >= 'A' && decoded <= 'Z') ||
                            (decoded >= '0' && decoded <= '9') || decoded == '-' ||
                            decoded == '.' || decoded == '_' || decoded == '~';
    FUZZ_CHECK(!unreserved && decoded != '\0');
    i += 2;
  }
  std::string again;
  FUZZ_CHECK(apigw::http::normalize_path(path, again));
  FUZZ_CHECK(again == path);
}

std::string_view next_line(std::string_view& rest) {
  const std::size_t end = rest.find('\n');
  const std::string_view line = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const std::string_view method = next_line(rest);
  const std::string_view host = next_line(rest);
  const std::string_view raw_path = next_line(rest);
  std::vector<apigw::http::Header> headers;
  while (!rest.empty()) {
    const std::string_view line = next_line(rest);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (value.starts_with(' ')) value.remove_prefix(1);
    headers.emplace_back(line.substr(0, colon), value);
  }

  std::string path;
  if (!apigw::http::normalize_path(raw_path, path)) return 0;  // the session answers 400
  check_canonical(raw_path, path);

  apigw::http::PathParams params;
  const std::optional<std::size_t> chosen = router().match(host, method, path, headers, params);
  FUZZ_CHECK(chosen == reference_match(host, method, path, headers));
  if (chosen) {
    const RouteMatch& match = routes()[*chosen].match;
    if (match.path_kind != PathMatchKind::templated) FUZZ_CHECK(params.empty());
    for (const auto& param : params) {
      // Values are whole, non-empty segments of the path the router was given.
      FUZZ_CHECK(!param.value.empty() && param.value.find('/') == std::string_view::npos);
      FUZZ_CHECK(param.value.data() > path.data() &&
                 param.value.data() + param.value.size() <= path.data() + path.size());
      FUZZ_CHECK(param.value.data()[-1] == '/');
    }
  } else {
    FUZZ_CHECK(params.empty());
  }
  // Host names compare without regard to case.
  std::string upper_host(host);
  std::transform(upper_host.begin(), upper_host.end(), upper_host.begin(), [](char c) {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
  });
  FUZZ_CHECK(router().match(upper_host, method, path, headers, params) == chosen);
  return 0;
}
