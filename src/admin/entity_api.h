// The admin REST API over entities and the config as a whole (docs/admin-api.md):
//   GET/POST          /admin/{collection}
//   GET/PUT/PATCH/DELETE /admin/{collection}/{id-or-name}
//   GET  /admin/config, /admin/config/export     POST /admin/config/validate, /admin/config/import
//   POST /admin/reload
// {collection}: upstreams, routes, consumers, credentials, plugins, rate_limits.
#pragma once

#include <boost/json/object.hpp>
#include <optional>

#include "admin/admin_http.h"
#include "admin/config_service.h"

namespace apigw::admin {

// Answers the request if its path is one of the above; nullopt otherwise.
server::awaitable<std::optional<AdminResponse>> handle_entity_api(const AdminRequest& request,
                                                                  ConfigService& service);

// Shared with the targets sub-resource (target_api.h): the request body as a JSON object (or
// nullopt with the 400 in `refusal`); the If-Match precondition ("3", W/"3" or 3; "*" and none:
// nullopt; `ok` false when malformed); a refused write's answer; an entity's ETag.
std::optional<boost::json::object> body_object(const AdminRequest& request, AdminResponse& refusal);
std::optional<std::int64_t> expected_version(std::string_view if_match, bool& ok);
AdminResponse outcome_error(const WriteOutcome& outcome);
std::string etag_of(const config::Entity& entity);

// GET /admin/config's body: where the entities come from, the revision and snapshot served, the
// store's state (also part of GET /admin/status).
boost::json::object config_status_json(const ConfigStatus& status);

}  // namespace apigw::admin
