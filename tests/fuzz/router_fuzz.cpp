// Fuzzes path normalization and the router together, as a request meets them: the raw path is
// normalized once, then matched against a fixed set of routes. Input lines: method, Host value,
// raw path (origin-form, optionally with "?query"), then header lines "name: value".
// Checks that a normalized path is canonical (no dot segments, no "//", escapes only where needed,
// normalizing again changes nothing), and that the router picks exactly the route that the
// precedence rules of proxy/router/router.h pick when every route is tried one by one
// (proxy/router/reference_router.h), with the same path and parameters.
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
#include "proxy/router/reference_router.h"
#include "proxy/router/router.h"
#include "util/anchored_regex.h"

using apigw::config::HeaderPredicate;
using apigw::config::PathMatchKind;
using apigw::config::RouteConfig;
using apigw::config::RouteMatch;

namespace {

std::shared_ptr<const re2::RE2> regex(std::string_view pattern) {
  std::string error;
  return apigw::util::compile_anchored_regex(pattern, error);
}

apigw::config::PathMatch regex_path(std::string_view pattern) {
  return {PathMatchKind::regex, std::string(pattern), regex(pattern)};
}

apigw::config::SharedList<RouteConfig> make_routes() {
  using Kind = HeaderPredicate::Kind;
  const std::vector<RouteMatch> matches = {
      {.paths = {{PathMatchKind::prefix, "/api"}}},
      {.paths = {{PathMatchKind::prefix, "/api/v2/"}}},
      {.methods = {"POST"}, .paths = {{PathMatchKind::exact, "/login"}}},
      {.paths = {{PathMatchKind::templated, "/users/{id}"}}},
      {.hosts = {"api.example.com"},
       .paths = {{PathMatchKind::templated, "/users/{id}/posts/{post}"}}},
      {.paths = {{PathMatchKind::templated, "/users/me"}}},
      {.paths = {{PathMatchKind::templated, "/{a}/{b}/posts"}}},
      {.hosts = {"*.example.com"}, .paths = {{PathMatchKind::prefix, "/"}}},
      {.hosts = {"*.eu.example.com", "[::1]"}, .paths = {{PathMatchKind::prefix, "/static"}}},
      {.hosts = {"api.example.com"},
       .paths = {{PathMatchKind::prefix, "/"}},
       .headers = {{"x-tenant", Kind::present}}},
      {.paths = {{PathMatchKind::prefix, "/admin"}},
       .headers = {{"x-role", Kind::exact, "admin"}, {"x-debug", Kind::absent}}},
      {.paths = {{PathMatchKind::prefix, "/files"}},
       .headers = {{"accept", Kind::prefix, "text/"}}},
      {.methods = {"GET", "HEAD"}, .paths = {{PathMatchKind::exact, "/"}}},
      {.hosts = {"2001:DB8::1", "Static.Example.ORG"}, .paths = {{PathMatchKind::prefix, "/"}}},
      {.hosts = {"*.example.com"},
       .methods = {"DELETE"},
       .paths = {{PathMatchKind::prefix, "/api"}}},
      {.paths = {regex_path("/api/v(?P<version>[0-9]+)/(?P<rest>.*)")}},
      {.paths = {regex_path("/users/[0-9]+|/items/.*")}, .query = {{"debug", Kind::absent}}},
      {.paths = {{PathMatchKind::exact, "/search"},
                 {PathMatchKind::prefix, "/find/"},
                 {PathMatchKind::templated, "/q/{term}"}},
       .query = {{"q", Kind::present}, {"lang", Kind::regex, "en|de", regex("en|de")}}},
      {.paths = {{PathMatchKind::prefix, "/api"}}, .query = {{"v", Kind::exact, "2"}}},
      {.paths = {{PathMatchKind::prefix, "/"}}, .cookies = {{"beta", Kind::exact, "1"}}},
      {.paths = {{PathMatchKind::prefix, "/files"}},
       .headers = {{"x-env", Kind::regex, "canary|beta", regex("canary|beta")}},
       .cookies = {{"session", Kind::prefix, "s-"}}},
  };
  apigw::config::SharedList<RouteConfig> routes;
  for (const RouteMatch& match : matches) {
    RouteConfig route;
    route.name = "r" + std::to_string(routes.size());
    route.match = match;
    routes.push_back(std::move(route));
  }
  return routes;
}

const apigw::config::SharedList<RouteConfig>& routes() {
  static const apigw::config::SharedList<RouteConfig> all = make_routes();
  return all;
}

const apigw::proxy::Router& router() {
  static const apigw::proxy::Router built = apigw::proxy::Router::build(routes());
  return built;
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

  const std::size_t question = raw_path.find('?');
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : raw_path.substr(question + 1);
  std::string path;
  if (!apigw::http::normalize_path(raw_path.substr(0, question), path)) return 0;  // answered 400
  check_canonical(raw_path.substr(0, question), path);

  apigw::http::PathParams params;
  const auto chosen =
      router().match(apigw::proxy::RouteRequest{host, method, path, query, headers}, params);
  const auto expected = apigw::proxy::reference::match(
      routes(), {std::string(host), std::string(method), path, std::string(query), headers});
  FUZZ_CHECK(chosen.has_value() == expected.has_value());
  if (chosen) {
    FUZZ_CHECK(chosen->route == expected->route && chosen->path == expected->path);
    FUZZ_CHECK(params.size() == expected->params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
      FUZZ_CHECK(params[i].name == expected->params[i].first);
      FUZZ_CHECK(params[i].value == expected->params[i].second);
      // Values point into the path the router was given.
      FUZZ_CHECK(params[i].value.empty() ||
                 (params[i].value.data() >= path.data() &&
                  params[i].value.data() + params[i].value.size() <= path.data() + path.size()));
    }
  } else {
    FUZZ_CHECK(params.empty());
  }
  // Host names compare without regard to case.
  std::string upper_host(host);
  std::transform(upper_host.begin(), upper_host.end(), upper_host.begin(), [](char c) {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
  });
  const auto again =
      router().match(apigw::proxy::RouteRequest{upper_host, method, path, query, headers}, params);
  FUZZ_CHECK(again.has_value() == chosen.has_value() && (!again || again->route == chosen->route));
  return 0;
}
