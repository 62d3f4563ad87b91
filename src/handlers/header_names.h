// Headers a handler's config may set on its answers: any valid name and printable value, except
// those the gateway writes itself (framing, connection management, the request id).
#pragma once

#include <string_view>
#include <vector>

#include "config/reader.h"
#include "pipeline/request_context.h"

namespace apigw::handlers {

bool is_valid_header_value(std::string_view value);
// Reads `key` as a table of header names to values into `out`, refusing managed headers.
void read_response_headers(config::TableReader& reader, std::string_view key,
                           std::vector<pipeline::HeaderSet>& out);

}  // namespace apigw::handlers
