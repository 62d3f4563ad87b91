// TOML -> schema structs: a route's [routes.match] table (hosts, methods, paths, and the header,
// query and cookie predicates). Regexes are compiled here, once per config read, so a pattern
// that does not compile is reported with its file:line and the router never sees it.
#include <toml++/toml.h>

#include <re2/re2.h>

#include <utility>

#include "config/detail.h"
#include "config/reader.h"
#include "http/message.h"
#include "util/anchored_regex.h"

namespace apigw::config::detail {
namespace {

// The most paths one route may list; more is a sign of a config generator gone wrong.
constexpr std::size_t kMaxPathsPerRoute = 64;

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
    if (auto literal = canonical_ipv6_host(host)) {
      host = std::move(*literal);
      continue;
    }
    const std::string_view name = std::string_view(host).starts_with("*.")
                                      ? std::string_view(host).substr(2)
                                      : std::string_view(host);
    if (!is_dns_name(name)) {
      const auto path = reader.path_of(key) + "." + std::to_string(i);
      reader.context().error(
          reader.context().positions().at(path, reader.position()),
          "invalid host '" + host +
              "' (use \"api.example.com\", \"*.example.com\", an IPv4 or an IPv6 address)");
    }
  }
}

void convert_methods(TableReader& reader, RouteMatch& match) {
  if (!reader.read_strings("methods", match.methods)) return;
  for (std::size_t i = 0; i < match.methods.size(); ++i) {
    std::string& method = match.methods[i];
    method = ascii_upper(std::move(method));
    if (!http::is_token(method)) {
      const auto path = reader.path_of("methods") + "." + std::to_string(i);
      reader.context().error(reader.context().positions().at(path, reader.position()),
                             "invalid method '" + method + "'");
    }
  }
}

// Compiles the regex of `key` (already read into `pattern`); reports RE2's reason at the key.
std::shared_ptr<const re2::RE2> compile_at(TableReader& reader, std::string_view key,
                                           const std::string& pattern) {
  std::string error;
  auto regex = util::compile_anchored_regex(pattern, error);
  if (!regex) reader.error(key, "invalid " + std::string(key) + " '" + pattern + "': " + error);
  return regex;
}

// What a header, query or cookie predicate is about; only the messages and name rules differ.
enum class Subject { header, query, cookie };

const char* subject_word(Subject subject) {
  switch (subject) {
    case Subject::header:
      return "header";
    case Subject::query:
      return "query";
    case Subject::cookie:
      return "cookie";
  }
  return "";
}

ValuePredicate convert_value_predicate(const toml::table& table, const std::string& path,
                                       Subject subject, LoadContext& ctx) {
  ValuePredicate predicate;
  TableReader reader(table, path, {"name", "exact", "prefix", "regex", "present", "absent"}, ctx);
  if (reader.read_string("name", predicate.name, Presence::required)) {
    if (subject == Subject::header) predicate.name = ascii_lower(std::move(predicate.name));
    // Query names may be anything but empty (they are compared after percent-decoding).
    const bool valid =
        subject == Subject::query ? !predicate.name.empty() : http::is_token(predicate.name);
    if (!valid) {
      reader.error("name", std::string("invalid ") + subject_word(subject) + " name '" +
                               predicate.name + "'");
    }
  }
  using Kind = ValuePredicate::Kind;
  int conditions = read_one_of(
      reader, {{"exact", Kind::exact}, {"prefix", Kind::prefix}, {"regex", Kind::regex}},
      predicate.kind, predicate.value);
  if (conditions == 1 && predicate.kind == Kind::regex) {
    predicate.regex = compile_at(reader, "regex", predicate.value);
  }
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
    ctx.error(reader.position(), std::string("a ") + subject_word(subject) +
                                     " match takes only one of 'exact', 'prefix', 'regex', "
                                     "'present' or 'absent'");
  }
  return predicate;
}

void convert_predicates(TableReader& reader, std::string_view key, Subject subject,
                        std::vector<ValuePredicate>& out) {
  const auto* list = reader.find(key);
  if (list == nullptr) return;
  for_each_table(
      *list, key, reader.path_of(key), reader.context(),
      [&](const toml::table& entry, const std::string& entry_path) {
        out.push_back(convert_value_predicate(entry, entry_path, subject, reader.context()));
      });
}

PathMatch convert_path_entry(const toml::table& table, const std::string& path, LoadContext& ctx) {
  PathMatch entry;
  TableReader reader(table, path, {"prefix", "exact", "template", "regex"}, ctx);
  const int kinds = read_one_of(reader,
                                {{"prefix", PathMatchKind::prefix},
                                 {"exact", PathMatchKind::exact},
                                 {"template", PathMatchKind::templated},
                                 {"regex", PathMatchKind::regex}},
                                entry.kind, entry.value);
  if (kinds != 1) {
    ctx.error(reader.position(),
              "each 'paths' entry takes exactly one of 'prefix', 'exact', 'template' or 'regex'");
  } else if (entry.kind == PathMatchKind::regex) {
    entry.regex = compile_at(reader, "regex", entry.value);
  }
  return entry;
}

void convert_paths(TableReader& reader, RouteMatch& match) {
  PathMatch single;
  const int shorthands = read_one_of(reader,
                                     {{"path_prefix", PathMatchKind::prefix},
                                      {"path", PathMatchKind::exact},
                                      {"path_template", PathMatchKind::templated},
                                      {"path_regex", PathMatchKind::regex}},
                                     single.kind, single.value);
  const auto* list = reader.find("paths");
  if (shorthands + (list != nullptr ? 1 : 0) > 1) {
    reader.context().error(reader.position(),
                           "match takes only one of 'path_prefix', 'path', 'path_template', "
                           "'path_regex' or 'paths'");
    return;
  }
  if (shorthands == 1) {
    if (single.kind == PathMatchKind::regex) {
      single.regex = compile_at(reader, "path_regex", single.value);
    }
    match.paths = {std::move(single)};
    return;
  }
  if (list == nullptr) return;  // the default: prefix "/"
  std::vector<PathMatch> paths;
  for_each_table(*list, "paths", reader.path_of("paths"), reader.context(),
                 [&](const toml::table& entry, const std::string& entry_path) {
                   paths.push_back(convert_path_entry(entry, entry_path, reader.context()));
                 });
  const auto* array = list->as_array();
  if (array != nullptr && (array->empty() || array->size() > kMaxPathsPerRoute)) {
    reader.error("paths", "'paths' needs 1 to " + std::to_string(kMaxPathsPerRoute) + " entries");
    return;
  }
  if (!paths.empty()) match.paths = std::move(paths);
}

}  // namespace

RouteMatch convert_match(const toml::table& table, const std::string& path, LoadContext& ctx) {
  RouteMatch match;
  TableReader reader(table, path,
                     {"path_prefix", "path", "path_template", "path_regex", "paths", "host",
                      "hosts", "methods", "headers", "query", "cookies"},
                     ctx);
  convert_paths(reader, match);
  convert_hosts(reader, match);
  convert_methods(reader, match);
  convert_predicates(reader, "headers", Subject::header, match.headers);
  convert_predicates(reader, "query", Subject::query, match.query);
  convert_predicates(reader, "cookies", Subject::cookie, match.cookies);
  return match;
}

}  // namespace apigw::config::detail
