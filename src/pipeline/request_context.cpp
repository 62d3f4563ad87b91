#include "pipeline/request_context.h"

namespace apigw::pipeline {
namespace {

std::string_view find_reply_header(const LocalReply& reply, std::string_view name) {
  if (!reply.content_type.empty() && http::iequals(name, "content-type")) return reply.content_type;
  for (const auto& header : reply.headers) {
    if (http::iequals(header.name, name)) return header.value;
  }
  return {};
}

}  // namespace

bool HeaderEdits::overrides(std::string_view name) const {
  for (const auto& header : set) {
    if (http::iequals(header.name, name)) return true;
  }
  for (const auto& removed : remove) {
    if (http::iequals(removed, name)) return true;
  }
  for (const HeaderEdits* edits : shared) {
    if (edits->overrides(name)) return true;
  }
  return false;
}

std::string_view RequestContext::response_header(std::string_view name) const {
  if (upstream_response != nullptr) return http::find_header(upstream_response->headers, name);
  if (local_reply) return find_reply_header(*local_reply, name);
  return {};
}

std::string_view RequestContext::response_header(http::Field field) const {
  if (upstream_response != nullptr) return http::find_header(upstream_response->headers, field);
  if (!local_reply) return {};
  if (field == http::Field::content_type && !local_reply->content_type.empty())
    return local_reply->content_type;
  for (const auto& header : local_reply->headers) {
    if (http::classify_field(header.name) == field) return header.value;
  }
  return {};
}

void RequestContext::reset() {
  head = nullptr;
  path = {};
  params = nullptr;
  request_id = {};
  route_name = {};
  cancellation.reset();
  upstream_request_headers.clear();
  response_headers.clear();
  local_reply.reset();
  response_status = 0;
  upstream_response = nullptr;
  response_transforms.clear();
  // Bodies are kept for the next request's capacity, unless unusually large.
  constexpr std::size_t kKeptBodyCapacity = 64 * 1024;
  for (std::string* body : {&request_body, &response_body}) {
    body->clear();
    if (body->capacity() > kKeptBodyCapacity) body->shrink_to_fit();
  }
  request_body_buffered = false;
  start = {};  // the server sets it when the request starts (no clock read for a reset)
  status_sent = 0;
  bytes_in = bytes_out = 0;
  upstream_address = {};
  upstream_name = {};
  upstream_micros = 0;
  target_live = nullptr;
  upstream_tries = 0;
  upstream_answered = false;
  consumer = {};
  trace.active = false;
  trace.sampled = false;
  trace.continued = false;
  traceparent_set = false;
}

}  // namespace apigw::pipeline
