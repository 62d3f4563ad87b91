// Config of the "headers" filter: set or remove headers on the upstream request and on the
// response to the client.
//   filters = [{ name = "headers", request_set = { "x-env" = "prod" }, request_remove =
//   ["x-debug"],
//                response_set = { "cache-control" = "no-store" }, response_remove = ["server"] }]
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/loader.h"
#include "config/reader.h"
#include "pipeline/request_context.h"

namespace apigw::filters::headers {

struct HeadersConfig {
  pipeline::HeaderEdits request;
  pipeline::HeaderEdits response;
};

std::optional<HeadersConfig> parse_config(config::TableReader& reader);

}  // namespace apigw::filters::headers
