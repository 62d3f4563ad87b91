// The OpenAPI 3.1 document of the admin API (src/admin/openapi.json), compiled into the binary
// by the build (cmake/embed_text.cmake) and served at GET /admin/openapi.json. The tests hold it
// to the route table (admin_routes.h) both ways and call every operation it lists.
#pragma once

#include <string_view>

namespace apigw::admin {

std::string_view openapi_document();

}  // namespace apigw::admin
