// The tracing side of a request (RequestStream's): W3C trace context in, the request's span
// out, and the spans of the calls it makes. Kept apart from request_stream.cpp: nothing here runs
// when [tracing] is off, and only the ids and the traceparent when a request is not sampled.
#include <chrono>

#include "http/authority.h"
#include "proxy/upstream_outcome.h"
#include "server/proxy_exchange.h"
#include "server/request_stream.h"
#include "server/worker.h"

namespace apigw::server {

void RequestStream::start_tracing(double sample_ratio, bool made_request_id) {
  pipeline::RequestContext& ctx = scratch_->request;
  // Two traceparent headers are as none (W3C: the value is invalid; restart the trace).
  std::string_view traceparent;
  int count = 0;
  for (const http::Header& header : scratch_->head.headers) {
    if (header.field == http::Field::traceparent) {
      traceparent = header.value;
      ++count;
    }
  }
  const observe::MadeRequestId made{request_id_bits_, request_id_storage_};
  observe::start_trace(count == 1 ? traceparent : std::string_view(), sample_ratio,
                       worker_.random_generator(), made_request_id ? &made : nullptr, ctx.trace,
                       ctx.traceparent);
  if (ctx.trace.sampled) {
    // One read of the system clock per sampled request; every span time is `start` plus a
    // steady-clock difference.
    ctx.start_unix_nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count() -
                           std::chrono::duration_cast<std::chrono::nanoseconds>(
                               pipeline::RequestContext::Clock::now() - ctx.start)
                               .count();
  }
}

observe::SpanId RequestStream::begin_call_span() {
  pipeline::RequestContext& ctx = scratch_->request;
  ctx.traceparent_set = true;
  if (!ctx.trace.sampled && !ctx.trace.span_id_sent) {
    // Nothing of an unsampled request is recorded, so its first call (most requests make one
    // upstream try and no other call) may name the request's own span, whose id ctx.traceparent
    // already holds: no id to draw and write per request. Every later call (a retry, another
    // filter's) gets a new id, as every call of a sampled request does.
    ctx.trace.span_id_sent = true;
    return ctx.trace.span_id;
  }
  const observe::SpanId id = observe::new_span_id(worker_.random_generator());
  observe::set_traceparent_span(id, ctx.traceparent);
  return id;
}

observe::Span& RequestStream::span_to_send(const observe::SpanId& id, observe::SpanKind kind,
                                           Clock::time_point start, Clock::time_point end) {
  const pipeline::RequestContext& ctx = scratch_->request;
  observe::Span& span = worker_.span_scratch();
  span.reset();
  span.trace_id = ctx.trace.trace_id;
  span.span_id = id;
  span.parent_span_id = ctx.trace.span_id;
  span.kind = kind;
  span.start_unix_nanos = ctx.unix_nanos(start);
  span.end_unix_nanos = std::max(span.start_unix_nanos, ctx.unix_nanos(end));
  return span;
}

void RequestStream::send_span(observe::Span& span) { worker_.export_span(span); }

void RequestStream::export_request_span(Clock::time_point end, int status) {
  const pipeline::RequestContext& ctx = scratch_->request;
  const http::RequestHead& head = scratch_->head;
  observe::Span& span = span_to_send(ctx.trace.span_id, observe::SpanKind::server, ctx.start, end);
  span.parent_span_id = ctx.trace.parent_span_id;  // the caller's span, or none
  // OpenTelemetry's HTTP server span name: "{method} {route}" (the route's name here).
  span.name.assign(head.method_text);
  if (!ctx.route_name.empty()) span.name.append(" ").append(ctx.route_name);
  span.add("http.request.method", head.method_text);
  span.add("url.path", head.path);
  span.add("url.scheme", ctx.tls != nullptr ? "https" : "http");
  span.add("http.response.status_code", static_cast<std::int64_t>(status));
  if (!ctx.route_name.empty()) span.add("apigw.route", ctx.route_name);
  if (!head.host.empty()) {
    const http::AuthorityParts authority = http::split_authority(head.host);
    span.add("server.address", authority.host);
    if (authority.port != 0) span.add("server.port", static_cast<std::int64_t>(authority.port));
  }
  span.add("client.address", ctx.client_address);
  span.add("network.protocol.version", transport_ != nullptr
                                            ? (head.version_minor == 0 ? "1.0" : "1.1")
                                            : "2");
  if (const auto agent = http::find_header(head.headers, "user-agent"); !agent.empty()) {
    span.add("user_agent.original", agent);
  }
  span.add("apigw.request_id", ctx.request_id);
  if (!ctx.upstream_name.empty()) span.add("apigw.upstream", ctx.upstream_name);
  if (ctx.local_reply && ctx.local_reply->is_error()) {
    span.add("error.type", ctx.local_reply->code);
  }
  // A server span is an error when the gateway answered 5xx (a 4xx is the client's doing).
  if (status >= 500) {
    span.status = observe::SpanStatus::error;
    if (ctx.local_reply && ctx.local_reply->is_error()) span.status_message = ctx.local_reply->message;
  }
  send_span(span);
}

void ProxyExchange::export_try_span(const observe::SpanId& id, const proxy::Target& target,
                                    UpstreamOutcome outcome, std::int64_t try_number) {
  const auto end = upstream_start_ + std::chrono::microseconds(context_.upstream_micros);
  observe::Span& span = session_.span_to_send(id, observe::SpanKind::client, upstream_start_, end);
  span.name.assign("upstream ").append(cluster_.config->name);
  span.add("http.request.method", session_.scratch().head.method_text);
  const http::AuthorityParts authority = http::split_authority(target.address);
  span.add("server.address", authority.host);
  if (authority.port != 0) span.add("server.port", static_cast<std::int64_t>(authority.port));
  span.add("apigw.upstream", cluster_.config->name);
  span.add("apigw.try", try_number);
  if (outcome == UpstreamOutcome::ok) {
    span.add("http.response.status_code", static_cast<std::int64_t>(response_.status));
    if (response_.status >= 500) span.status = observe::SpanStatus::error;
  } else {
    const std::string_view code = proxy::describe(outcome).code;
    span.add("error.type", code);
    span.status = observe::SpanStatus::error;
    span.status_message.assign(code);
  }
  session_.send_span(span);
}

}  // namespace apigw::server
