// The "headers" filter: adds its configured header edits to the request context; the proxy
// applies them when it writes the upstream request head and the response head.
#pragma once

#include <memory>

#include "filters/headers/config.h"
#include "pipeline/filter.h"

namespace apigw::filters::headers {

class HeadersFilter final : public pipeline::Filter {
 public:
  explicit HeadersFilter(HeadersConfig config) : config_(std::move(config)) {}
  pipeline::Verdict on_request(pipeline::RequestContext& ctx) const override;
  void on_response(pipeline::RequestContext& ctx) const override;

 private:
  HeadersConfig config_;
};

std::unique_ptr<const pipeline::Filter> make_filter(const HeadersConfig& settings,
                                                    const config::Config& config);

}  // namespace apigw::filters::headers
