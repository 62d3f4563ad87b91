#include "admin/admin_routes.h"

#include <algorithm>

#include "config/entity.h"

namespace apigw::admin {

std::span<const AdminRoute> admin_routes() {
  using E = AdminEndpoint;
  // Literal patterns before the templates that would also match them (first match wins).
  static const std::vector<AdminRoute> kRoutes = {
      {"/metrics", {"GET"}, {}, E::metrics},
      {"/health", {"GET"}, {}, E::health},
      {"/ready", {"GET"}, {}, E::ready},
      {"/admin/status", {"GET"}, {}, E::status},
      {"/admin/openapi.json", {"GET"}, {}, E::openapi},
      {"/admin/status/upstreams", {"GET"}, {}, E::upstream_status_all},
      {"/admin/status/upstreams/{upstream}", {"GET"}, {}, E::upstream_status},
      {"/admin/stats", {"GET"}, {}, E::stats},
      {"/admin/stats/routes/{route}", {"GET"}, {}, E::route_stats},
      {"/admin/websocket/stats", {"GET"}, {}, E::websocket_stats},
      {"/admin/services", {"GET"}, {}, E::services},
      {"/admin/config", {"GET"}, {}, E::config_status},
      {"/admin/config/export", {"GET"}, {"format"}, E::config_export},
      {"/admin/config/validate", {"POST"}, {}, E::config_validate},
      {"/admin/config/import", {"POST"}, {}, E::config_import},
      {"/admin/reload", {"POST"}, {}, E::reload},
      {"/admin/upstreams/{upstream}/targets", {"GET", "POST"}, {}, E::targets},
      {"/admin/upstreams/{upstream}/targets/{target}", {"GET", "PATCH", "DELETE"}, {}, E::target},
      {"/admin/{collection}", {"GET", "POST"}, {"limit", "offset", "tag", "tags"}, E::collection},
      {"/admin/{collection}/{key}", {"GET", "PUT", "PATCH", "DELETE"}, {}, E::entity},
  };
  return kRoutes;
}

namespace {

// The next segment of `path` (after its leading '/'), removed from it.
std::string_view next_segment(std::string_view& path) {
  if (path.empty() || path[0] != '/') return {};
  path.remove_prefix(1);
  const std::size_t slash = path.find('/');
  const std::string_view segment = path.substr(0, slash);
  path.remove_prefix(slash == std::string_view::npos ? path.size() : slash);
  return segment;
}

bool matches(std::string_view pattern, std::string_view path) {
  for (;;) {
    if (pattern.empty() || path.empty()) return pattern.empty() && path.empty();
    const std::string_view want = next_segment(pattern);
    if (path[0] != '/') return false;
    const std::string_view got = next_segment(path);
    if (want == "{collection}") {
      if (config::find_kind(got) == nullptr) return false;
    } else if (want.starts_with('{')) {
      if (got.empty()) return false;
    } else if (want != got) {
      return false;
    }
  }
}

}  // namespace

const AdminRoute* match_admin_route(std::string_view path) {
  for (const AdminRoute& route : admin_routes()) {
    if (matches(route.pattern, path)) return &route;
  }
  return nullptr;
}

bool allows(const AdminRoute& route, std::string_view method) {
  if (method == "HEAD") method = "GET";
  return std::find(route.methods.begin(), route.methods.end(), method) != route.methods.end();
}

std::string allowed_methods(const AdminRoute& route) {
  std::string out;
  for (const std::string_view method : route.methods) {
    if (!out.empty()) out += ", ";
    out += method;
    if (method == "GET") out += ", HEAD";
  }
  return out;
}

std::optional<AdminResponse> refuse_request(const AdminRoute& route, const AdminRequest& request) {
  if (!allows(route, request.method)) {
    const std::string allowed = allowed_methods(route);
    AdminResponse response = error_response(405, "method_not_allowed", "allowed: " + allowed);
    response.headers.emplace_back("Allow", allowed);
    return response;
  }
  if (!route.pattern.starts_with("/admin/")) return std::nullopt;
  for (const auto& [name, value] : request.query) {
    if (std::find(route.query.begin(), route.query.end(), name) != route.query.end()) continue;
    std::string accepted;
    for (const std::string_view known : route.query) {
      accepted += accepted.empty() ? "" : ", ";
      accepted += known;
    }
    return error_response(400, "invalid_query",
                          "unknown query parameter '" + name + "'" +
                              (accepted.empty() ? " (this endpoint takes none)"
                                                : " (this endpoint takes: " + accepted + ")"));
  }
  return std::nullopt;
}

}  // namespace apigw::admin
