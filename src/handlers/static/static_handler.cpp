#include "handlers/static/static_handler.h"

#include "config/reader.h"
#include "handlers/header_names.h"

namespace apigw::handlers::static_response {

pipeline::Verdict StaticHandler::handle(pipeline::RequestContext& ctx) const {
  pipeline::LocalReply reply;
  reply.status = config_.status;
  reply.headers = config_.headers;
  reply.body = config_.body;
  if (!config_.body.empty()) reply.content_type = config_.content_type;
  ctx.local_reply = std::move(reply);
  return pipeline::Verdict::stop;
}

std::optional<StaticConfig> parse_config(config::TableReader& reader) {
  reader.known_keys({"status", "body", "content_type", "headers"});
  StaticConfig parsed;
  std::uint32_t status = 200;
  if (reader.read_count("status", status) && (status < 200 || status > 599)) {
    reader.error("status", "static handler 'status' must be between 200 and 599");
  }
  parsed.status = static_cast<int>(status);
  reader.read_string("body", parsed.body);
  reader.read_string("content_type", parsed.content_type);
  if (!is_valid_header_value(parsed.content_type)) {
    reader.error("content_type", "static handler 'content_type' must be printable");
  }
  if ((status == 204 || status == 304) && !parsed.body.empty()) {
    reader.error("body", "a " + std::to_string(status) + " answer has no body");
  }
  read_response_headers(reader, "headers", parsed.headers);
  if (!reader.ok()) return std::nullopt;
  return parsed;
}

std::unique_ptr<const pipeline::Handler> make_handler(const StaticConfig& settings,
                                                      const config::Config& /*config*/) {
  return std::make_unique<StaticHandler>(settings);
}

}  // namespace apigw::handlers::static_response
