// For unit tests of filters and handlers: a request record for a parsed head, as the server
// fills it before the request phase.
#pragma once

#include <string_view>

#include "pipeline/request_context.h"

namespace apigw::pipeline::testing {

inline RequestContext context_for(const http::RequestHead& head, std::string_view path = "/",
                                  std::string_view client = "10.0.0.1") {
  RequestContext ctx;
  ctx.reset();
  ctx.head = &head;
  ctx.path = path;
  ctx.route_name = "all";
  ctx.request_id = "rid-1";
  ctx.client_address = ctx.peer_address = client;
  if (auto ip = util::parse_ip(client)) ctx.client_ip = *ip;
  return ctx;
}

}  // namespace apigw::pipeline::testing
