#include "filters/headers/headers_filter.h"

namespace apigw::filters::headers {
namespace {

void merge(const pipeline::HeaderEdits& from, pipeline::HeaderEdits& into) {
  into.set.insert(into.set.end(), from.set.begin(), from.set.end());
  into.remove.insert(into.remove.end(), from.remove.begin(), from.remove.end());
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
