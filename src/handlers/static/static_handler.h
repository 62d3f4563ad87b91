// The "static" handler: the route answers a fixed response (maintenance pages, mocks, health
// endpoints of the gateway itself).
//   handler = { name = "static", status = 503, content_type = "text/html; charset=utf-8",
//               body = "<h1>Back soon</h1>", headers = { "retry-after" = "120" } }
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/loader.h"
#include "config/reader.h"
#include "pipeline/handler.h"

namespace apigw::handlers::static_response {

struct StaticConfig {
  int status = 200;
  std::string body;
  std::string content_type = "text/plain; charset=utf-8";  // when there is a body
  std::vector<pipeline::HeaderSet> headers;
};

class StaticHandler final : public pipeline::Handler {
 public:
  explicit StaticHandler(StaticConfig config) : config_(std::move(config)) {}
  pipeline::Verdict handle(pipeline::RequestContext& ctx) const override;

 private:
  StaticConfig config_;
};

std::optional<StaticConfig> parse_config(config::TableReader& reader);
std::unique_ptr<const pipeline::Handler> make_handler(const StaticConfig& settings,
                                                      const config::Config& config);

}  // namespace apigw::handlers::static_response
