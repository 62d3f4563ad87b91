// The admin API from a test's side: requests with the bearer token, and store-mode configs.
#pragma once

#include <string>
#include <vector>

#include "support/gateway.h"
#include "support/http_client.h"

namespace apigw::test {

inline constexpr const char* kAdminToken = "test-admin-token-0123456789";

// curl -X method http://127.0.0.1:{admin_port}{path} with the token (unless `token` is empty)
// and `body` as JSON.
CurlResult admin_call(const Gateway& gateway, const std::string& method, const std::string& path,
                      const std::string& body = "", const std::vector<std::string>& extra = {},
                      const std::string& token = kAdminToken);

// POST /admin/upstreams with one target, then (if `route` is not empty) POST /admin/routes
// matching `path_prefix` to it. Returns false (with a test failure) when either is refused.
bool add_upstream_and_route(const Gateway& gateway, const std::string& upstream,
                            const std::string& target, const std::string& route = "",
                            const std::string& path_prefix = "/");

// A config with the admin token and a [store] (the TOML lines in `store`), no entities unless
// `entities` adds some.
std::string store_config(const std::string& store, const std::string& entities = "");
// store_config for SQLite at {dir}/apigw.db.
std::string sqlite_config(const std::string& entities = "");

}  // namespace apigw::test
