// Test-only oracle for the router: the precedence and matching rules of router.h applied the
// slowest, most literal way — every route and every path tried in turn, the most specific kept.
// The router's unit tests, its randomized differential test and the router fuzz target compare
// the indexed Router against it. Header-only, so nothing of it links into the gateway.
#pragma once

#include <re2/re2.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "config/schema.h"
#include "http/message.h"
#include "http/path.h"
#include "http/path_template.h"
#include "proxy/router/router.h"

namespace apigw::proxy::reference {

inline std::string lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

// The host as router.h documents the comparison: port and trailing dot removed, brackets of an
// IPv6 literal kept, lower case; more than 255 bytes names no configured host.
inline std::string request_host(std::string_view raw) {
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

inline std::string config_host(std::string_view host) {
  const bool bare_ipv6 = std::count(host.begin(), host.end(), ':') >= 2 && !host.starts_with('[');
  return request_host(bare_ipv6 ? "[" + std::string(host) + "]" : std::string(host));
}

inline std::string percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && http::hex_digit_value(text[i + 1]) >= 0 &&
        http::hex_digit_value(text[i + 2]) >= 0) {
      out += static_cast<char>(http::hex_digit_value(text[i + 1]) * 16 +
                               http::hex_digit_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// Every value the request has under `name` for this kind of predicate; none: the name is absent.
inline std::vector<std::string> header_values(const std::vector<http::Header>& headers,
                                              std::string_view name) {
  std::vector<std::string> values;
  for (const auto& header : headers) {
    if (lowered(header.name) == lowered(name)) values.emplace_back(header.value);
  }
  return values;
}

inline std::vector<std::string> query_values(std::string_view query, std::string_view name) {
  std::vector<std::string> values;
  std::size_t begin = 0;
  while (begin < query.size()) {
    std::size_t end = query.find('&', begin);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view pair = query.substr(begin, end - begin);
    const std::size_t equals = pair.find('=');
    if (percent_decoded(pair.substr(0, equals)) == name) {
      values.push_back(equals == std::string_view::npos ? std::string()
                                                        : percent_decoded(pair.substr(equals + 1)));
    }
    begin = end + 1;
  }
  return values;
}

// Cookie parsing is not the router's (http::cookie_value, tested with message.cpp): only the first
// cookie of a name counts.
inline std::vector<std::string> cookie_values(const std::vector<http::Header>& headers,
                                              std::string_view name) {
  const auto value = http::cookie_value(headers, name);
  return value ? std::vector<std::string>{std::string(*value)} : std::vector<std::string>{};
}

inline bool holds(const config::ValuePredicate& predicate, const std::vector<std::string>& values) {
  using Kind = config::ValuePredicate::Kind;
  switch (predicate.kind) {
    case Kind::present:
      return !values.empty();
    case Kind::absent:
      return values.empty();
    case Kind::exact:
      return std::any_of(values.begin(), values.end(),
                         [&](const std::string& v) { return v == predicate.value; });
    case Kind::prefix:
      return std::any_of(values.begin(), values.end(),
                         [&](const std::string& v) { return v.starts_with(predicate.value); });
    case Kind::regex:
      return std::any_of(values.begin(), values.end(),
                         [&](const std::string& v) { return RE2::FullMatch(v, *predicate.regex); });
  }
  return false;
}

struct Request {
  std::string host;
  std::string method;
  std::string path;  // normalized
  std::string query;
  std::vector<http::Header> headers;
};

struct Match {
  std::size_t route = 0;
  std::size_t path = 0;
  std::vector<std::pair<std::string, std::string>> params;
  bool operator==(const Match&) const = default;
};

// Whether one path of a route matches; fills `params` on a template or regex match.
inline bool path_matches(const config::PathMatch& entry, const std::string& path,
                         std::vector<std::pair<std::string, std::string>>& params) {
  params.clear();
  switch (entry.kind) {
    case config::PathMatchKind::exact:
      return path == entry.value;
    case config::PathMatchKind::prefix:
      return path_has_prefix(path, entry.value);
    case config::PathMatchKind::templated: {
      http::PathTemplate tmpl;
      std::string error;
      if (!http::parse_path_template(entry.value, tmpl, error)) return false;
      http::PathParams found;
      if (!http::match_path_template(tmpl, path, found)) return false;
      for (const auto& p : found) params.emplace_back(p.name, p.value);
      return true;
    }
    case config::PathMatchKind::regex: {
      const int groups = entry.regex->NumberOfCapturingGroups();
      std::vector<re2::StringPiece> values(static_cast<std::size_t>(groups) + 1);
      if (!entry.regex->Match(path, 0, path.size(), RE2::ANCHOR_BOTH, values.data(), groups + 1)) {
        return false;
      }
      for (const auto& [name, group] : entry.regex->NamedCapturingGroups()) {
        const auto& value = values[static_cast<std::size_t>(group)];
        if (value.data() != nullptr) params.emplace_back(name, std::string(value));
      }
      std::sort(params.begin(), params.end(), [&](const auto& a, const auto& b) {
        return entry.regex->NamedCapturingGroups().at(a.first) <
               entry.regex->NamedCapturingGroups().at(b.first);
      });
      return true;
    }
  }
  return false;
}

inline std::optional<Match> match(const config::SharedList<config::RouteConfig>& routes,
                                  const Request& request) {
  const std::string host = request_host(request.host);
  using Rank = std::tuple<int, std::size_t, int, std::size_t, bool, std::size_t>;
  std::optional<Match> best;
  Rank best_rank{};
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const config::RouteMatch& m = routes[i].match;
    int host_rank = 0;
    std::size_t wildcard_length = 0;
    for (const std::string& listed : m.hosts) {
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
    if (!m.hosts.empty() && host_rank == 0) continue;
    if (!m.methods.empty() &&
        std::find(m.methods.begin(), m.methods.end(), request.method) == m.methods.end()) {
      continue;
    }
    bool all = true;
    for (const auto& p : m.headers) all = all && holds(p, header_values(request.headers, p.name));
    for (const auto& p : m.query) all = all && holds(p, query_values(request.query, p.name));
    for (const auto& p : m.cookies) all = all && holds(p, cookie_values(request.headers, p.name));
    if (!all) continue;
    const std::size_t predicates = m.headers.size() + m.query.size() + m.cookies.size();
    for (std::size_t p = 0; p < m.paths.size(); ++p) {
      std::vector<std::pair<std::string, std::string>> params;
      if (!path_matches(m.paths[p], request.path, params)) continue;
      int path_rank = 0;
      std::size_t detail = 0;
      switch (m.paths[p].kind) {
        case config::PathMatchKind::exact:
          path_rank = 3;
          break;
        case config::PathMatchKind::templated: {
          http::PathTemplate tmpl;
          std::string error;
          http::parse_path_template(m.paths[p].value, tmpl, error);
          path_rank = 2;
          detail = tmpl.literal_count();
          break;
        }
        case config::PathMatchKind::regex:
          path_rank = 1;
          break;
        case config::PathMatchKind::prefix:
          detail = m.paths[p].value.size();
          break;
      }
      const Rank rank{host_rank, wildcard_length,    path_rank,
                      detail,    !m.methods.empty(), predicates};
      if (!best || rank > best_rank) {  // strictly better: earlier routes and paths win ties
        best = Match{i, p, std::move(params)};
        best_rank = rank;
      }
    }
  }
  return best;
}

}  // namespace apigw::proxy::reference
