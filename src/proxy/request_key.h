// The part of a request that a HashOn names: what consistent hashing hashes (an upstream's
// `hash_on`) and what keeps a client on one arm of a weighted split (a route's `sticky`).
#pragma once

#include <string_view>
#include <vector>

#include "config/schema.h"
#include "http/message.h"
#include "http/path_template.h"

namespace apigw::proxy {

// The client address, a header's value (the first of that name), a cookie's value or a captured
// path parameter (the last of that name); empty when the request has none. A view into the
// request.
std::string_view request_key(const config::HashOn& on, std::string_view client_address,
                             const std::vector<http::Header>& headers,
                             const http::PathParams& params);

}  // namespace apigw::proxy
