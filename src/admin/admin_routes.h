// Every endpoint of the admin listener in one table: its path pattern, its methods and the query
// parameters it reads. The server dispatches by it, answers 405 with the table's Allow list and
// 400 for a query parameter the endpoint does not read, and the OpenAPI document the listener
// serves (/admin/openapi.json) is held to it by the tests, both ways.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "admin/admin_http.h"

namespace apigw::admin {

enum class AdminEndpoint : std::uint8_t {
  metrics,
  health,
  ready,
  status,
  openapi,
  upstream_status_all,
  upstream_status,
  stats,
  route_stats,
  websocket_stats,
  services,
  config_status,
  config_export,
  config_validate,
  config_import,
  reload,
  collection,
  entity,
  targets,
  target,
};

struct AdminRoute {
  // Segments after the first '/': literal, or "{name}" for any one non-empty segment;
  // "{collection}" matches an entity collection's name only (upstreams, routes, ...).
  std::string_view pattern;
  std::vector<std::string_view> methods;  // HEAD is allowed wherever GET is
  std::vector<std::string_view> query;    // the query parameters it reads
  AdminEndpoint endpoint;
};

std::span<const AdminRoute> admin_routes();

// The route whose pattern `path` matches (the first in table order), or null.
const AdminRoute* match_admin_route(std::string_view path);

// "GET, POST" (with HEAD after GET): the Allow header of a route.
std::string allowed_methods(const AdminRoute& route);
bool allows(const AdminRoute& route, std::string_view method);

// The 405 (with Allow) or 400 (a query parameter the route does not read) for `request`, or
// nullopt when the route takes it. Probes and /metrics ignore query strings: scrapers and
// orchestrators add their own.
std::optional<AdminResponse> refuse_request(const AdminRoute& route, const AdminRequest& request);

}  // namespace apigw::admin
