#include "filters/headers/headers_filter.h"

namespace apigw::filters::headers {
namespace {

// The config's edits are fixed for the snapshot: the request points at them, nothing is copied.
void merge(const pipeline::HeaderEdits& from, pipeline::HeaderEdits& into) {
  if (!from.empty()) into.shared.push_back(&from);
}

}  // namespace

pipeline::Verdict HeadersFilter::on_request(pipeline::RequestContext& ctx) const {
  merge(config_.request, ctx.upstream_request_headers);
  return pipeline::Verdict::next;
}

void HeadersFilter::on_response(pipeline::RequestContext& ctx) const {
  merge(config_.response, ctx.response_headers);
}

std::unique_ptr<const pipeline::Filter> make_filter(const HeadersConfig& settings,
                                                    const config::Config& /*config*/) {
  return std::make_unique<HeadersFilter>(settings);
}

}  // namespace apigw::filters::headers
