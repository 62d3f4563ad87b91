// One upstream's targets as a sub-resource, so that adding, draining, re-weighting, marking or
// removing one target does not mean resending the whole list (docs/admin-api.md, "Targets"):
//   GET, POST                 /admin/upstreams/{upstream}/targets
//   GET, PATCH, DELETE        /admin/upstreams/{upstream}/targets/{address}
// Each change is a write of the upstream entity (its version is the ETag, If-Match applies),
// validated with everything else and propagated to a cluster like any other write.
#pragma once

#include <string_view>

#include "admin/admin_http.h"
#include "admin/config_service.h"

namespace apigw::admin {

// `address` empty: the collection of targets.
server::awaitable<AdminResponse> handle_target_api(const AdminRequest& request,
                                                   std::string_view upstream,
                                                   std::string_view address,
                                                   ConfigService& service);

}  // namespace apigw::admin
