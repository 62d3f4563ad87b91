// The admin REST API over entities and the config as a whole (docs/admin-api.md):
//   GET/POST          /admin/{collection}
//   GET/PUT/PATCH/DELETE /admin/{collection}/{id-or-name}
//   GET  /admin/config, /admin/config/export     POST /admin/config/validate, /admin/config/import
//   POST /admin/reload
// {collection}: upstreams, routes, consumers, credentials, plugins, rate_limits.
#pragma once

#include <optional>

#include "admin/admin_http.h"
#include "admin/config_service.h"

namespace apigw::admin {

// Answers the request if its path is one of the above; nullopt otherwise.
server::awaitable<std::optional<AdminResponse>> handle_entity_api(const AdminRequest& request,
                                                                  ConfigService& service);

}  // namespace apigw::admin
