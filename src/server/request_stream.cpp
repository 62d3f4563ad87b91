// One request: route it, run its filters (awaiting those that wait on I/O), answer it with its
// handler, the proxy exchange or a reply of the gateway, and record it. Every answer the gateway
// makes itself goes through answer(), and so through the response phase.
#include "server/request_stream.h"

#include <array>
#include <cerrno>

#include "http/error_body.h"
#include "http/forwarded_for.h"
#include "http/grpc.h"
#include "http/path.h"
#include "pipeline/async.h"
#include "proxy/head_writer.h"
#include "proxy/request_key.h"
#include "server/h2_upstream.h"
#include "server/proxy_exchange.h"
#include "server/websocket_tunnel.h"
#include "server/worker.h"
#include "server/write_all.h"

namespace apigw::server {
namespace {

// A client's X-Request-Id is passed on only if it is short and printable; otherwise we make one.
bool is_usable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (unsigned char c : id) {
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
  }
  return true;
}

}  // namespace

awaitable<bool> RequestStream::handle_request() {
  RequestScratch& scratch = *scratch_;
  pipeline::RequestContext& ctx = scratch.request;
  const http::RequestHead& head = scratch.head;
  ctx.reset();
  ctx.start = pipeline::RequestContext::Clock::now();
  client_gone_ = false;
  response_ended_ = false;
  response_trailers_ = {};
  // Keep this request's snapshot: a reload during the request must not change it.
  serving_ = worker_.current();
  const snapshot::Snapshot& snapshot = *serving_->snapshot;
  route_ = nullptr;
  arm_ = nullptr;
  chain_ = &snapshot.global_chain;
  ctx.head = &head;
  ctx.params = &scratch.params;
  ctx.client_address = ctx.peer_address = client_.text;
  ctx.client_ip = client_.ip;
  ctx.tls = tls_ != nullptr ? &tls_->view : nullptr;
  if (!snapshot.trusted_proxies.empty()) resolve_client_address(snapshot.trusted_proxies);
  ctx.worker_index = worker_.index();
  ctx.services = &worker_;
  ctx.bytes_in = head.head_bytes;

  const std::string_view client_id = http::find_header(head.headers, http::Field::x_request_id);
  const bool made_request_id = !is_usable_request_id(client_id);
  if (!made_request_id) {
    ctx.request_id = client_id;
  } else {
    util::make_request_id(request_id_storage_, request_id_bits_, worker_.random_generator());
    ctx.request_id = {request_id_storage_.data(), request_id_storage_.size()};
  }
  if (const config::TracingConfig& tracing = snapshot.config.tracing; tracing.enabled) {
    start_tracing(tracing.sample_ratio, made_request_id);
  }
  // Without a body to skip, a local reply can keep the connection.
  const bool bodyless = !head.has_body();
  const bool can_keep_alive = head.keep_alive && bodyless;

  if (!http::normalize_path(head.path, scratch.path)) {
    input_.consume(head.head_bytes);
    co_return co_await answer(
        pipeline::LocalReply::error(400, "invalid_path", "the request path is malformed"), false);
  }
  ctx.path = scratch.path;
  const auto matched = snapshot.router.match(
      proxy::RouteRequest{head.host, head.method_text, scratch.path, head.query, head.headers},
      scratch.params, &worker_.regexes());
  if (!matched) {
    input_.consume(head.head_bytes);
    std::string message = "no route matches ";
    message.append(head.method_text).append(" ").append(scratch.path);
    co_return co_await answer(
        pipeline::LocalReply::error(404, "route_not_found", std::move(message)), can_keep_alive);
  }
  const snapshot::CompiledRoute& route = snapshot.routes[matched->route];
  route_ = &route;
  route_index_ = matched->route;
  matched_path_ = matched->path;
  // Before the filters: which filters run depends on the arm of a split, or on the upstream the
  // path names.
  const snapshot::RouteArm* picked = nullptr;
  if (route.by_service) [[unlikely]] {
    picked = service_arm(route);
    if (picked == nullptr) {
      input_.consume(head.head_bytes);
      ctx.route_name = route.config->name;
      co_return co_await answer(
          pipeline::LocalReply::error(404, "service_not_found",
                                      "no service of that name behind route '" +
                                          route.config->name + "'"),
          can_keep_alive);
    }
  } else {
    picked = route.split.size() == 0 ? &route.arms.front() : &pick_arm(route);
  }
  const snapshot::RouteArm& arm = *picked;
  arm_ = &arm;
  chain_ = arm.chain;
  ctx.route_name = route.config->name;

  const auto answer_locally = [&]() -> awaitable<bool> {
    input_.consume(head.head_bytes);
    if (client_gone_) {
      finish_request();
      co_return false;
    }
    const bool keep = co_await answer(std::move(*ctx.local_reply), can_keep_alive);
    // Closing with the body unread would reset the connection under the answer.
    if (!keep && !bodyless) co_await lingering_close();
    co_return keep;
  };
  if (!arm.chain->empty()) {
    // Synchronous filters run here, in this frame; only a filter that waits on I/O costs a
    // coroutine (finish_request_phase).
    pipeline::PhaseStep step = arm.chain->run_request_phase(ctx);
    if (step.verdict == pipeline::Verdict::suspend) {
      step = co_await finish_request_phase(*arm.chain, step);
    }
    if (step.verdict != pipeline::Verdict::next) {
      if (!ctx.local_reply) {
        ctx.local_reply = pipeline::LocalReply::error(
            500, "filter_failed", "a filter stopped the request without an answer");
      }
      co_return co_await answer_locally();
    }
  }

  if (head.framing == http::BodyFraming::content_length &&
      head.content_length > route.max_body_bytes) {
    input_.consume(head.head_bytes);
    co_await answer(pipeline::LocalReply::error(413, "payload_too_large",
                                                "request body exceeds the limit of this route"),
                    false);
    co_await lingering_close();
    co_return false;
  }

  if (route.handler) {
    if (route.handler->handle(ctx) == pipeline::Verdict::suspend) {
      co_await finish_handler(*route.handler);
    }
    if (!ctx.local_reply) {
      ctx.local_reply =
          pipeline::LocalReply::error(500, "handler_failed", "the route's handler gave no answer");
    }
    co_return co_await answer_locally();
  }

  ProxyExchange exchange(*this, *serving_, route, arm);
  const bool keep_alive = co_await exchange.run();
  co_return keep_alive && !worker_.draining();
}

const snapshot::RouteArm* RequestStream::service_arm(const snapshot::CompiledRoute& route) {
  const std::string& param = route.config->upstream_param;
  for (const http::PathParam& captured : scratch_->params) {
    if (captured.name == param) return route.service_arm(captured.value);
  }
  return nullptr;
}

const snapshot::RouteArm& RequestStream::pick_arm(const snapshot::CompiledRoute& route) {
  std::size_t index = 0;
  if (route.arms.size() > 1) {
    // A sticky key keeps its arm while the weights stay; without one, each request is drawn.
    std::string_view key;
    if (route.sticky) {
      const RequestScratch& scratch = *scratch_;
      key = proxy::request_key(*route.sticky, scratch.request.client_address, scratch.head.headers,
                               scratch.params);
    }
    index = route.split.pick(key.empty() ? worker_.random() : proxy::TrafficSplit::point_of(key));
  }
  const snapshot::RouteArm& arm = route.arms[index];
  serving_->count(observe::Family::split_picks, arm.cluster_index, observe::SplitPick::picked)
      .add();
  return arm;
}

void RequestStream::resolve_client_address(const util::CidrSet& trusted) {
  pipeline::RequestContext& ctx = scratch_->request;
  std::array<std::string_view, 8> values;
  std::size_t count = 0;
  for (const auto& header : scratch_->head.headers) {
    if (header.field == http::Field::x_forwarded_for && count < values.size()) {
      values[count++] = header.value;
    }
  }
  const http::ForwardedClient client =
      http::forwarded_client(client_.text, std::span(values.data(), count), trusted);
  if (!client.address.empty()) {
    ctx.client_address = client.address;
    ctx.client_ip = client.ip;
  }
}

awaitable<pipeline::PhaseStep> RequestStream::finish_request_phase(
    const pipeline::FilterChain& chain, pipeline::PhaseStep step) {
  pipeline::RequestContext& ctx = scratch_->request;
  while (step.verdict == pipeline::Verdict::suspend) {
    const pipeline::AsyncFilter* filter = chain.at(step.index).as_async();
    if (filter == nullptr) {  // a synchronous filter cannot wait: refused
      step.verdict = pipeline::Verdict::stop;
      break;
    }
    observe::SpanId span_id{};
    const Clock::time_point waited_from = ctx.trace.sampled ? Clock::now() : Clock::time_point{};
    if (ctx.trace.active) span_id = begin_call_span();
    const pipeline::Verdict verdict =
        co_await await_io([&ctx, filter] { return filter->resume_request(ctx); });
    if (ctx.trace.sampled) {
      // A client span: its id is the parent the called service's spans name.
      observe::Span& span =
          span_to_send(span_id, observe::SpanKind::client, waited_from, Clock::now());
      span.name.assign("filter ").append(filter->name());
      span.add("apigw.filter", filter->name());
      if (verdict != pipeline::Verdict::next && ctx.local_reply) {
        span.add("http.response.status_code", static_cast<std::int64_t>(ctx.local_reply->status));
        if (ctx.local_reply->is_error()) span.add("error.type", ctx.local_reply->code);
      }
      send_span(span);
    }
    if (verdict != pipeline::Verdict::next) {
      step.verdict = pipeline::Verdict::stop;
      break;
    }
    step = chain.run_request_phase(ctx, step.index + 1);
  }
  co_return step;
}

awaitable<void> RequestStream::finish_handler(const pipeline::Handler& handler) {
  pipeline::RequestContext& ctx = scratch_->request;
  if (const pipeline::AsyncHandler* async = handler.as_async()) {
    observe::SpanId span_id{};
    const Clock::time_point waited_from = ctx.trace.sampled ? Clock::now() : Clock::time_point{};
    if (ctx.trace.active) span_id = begin_call_span();
    co_await await_io([&ctx, async] { return async->resume(ctx); });
    if (ctx.trace.sampled) {
      observe::Span& span =
          span_to_send(span_id, observe::SpanKind::client, waited_from, Clock::now());
      span.name.assign("handler ").append(async->name());
      send_span(span);
    }
  }
}

template <typename Resume>
awaitable<pipeline::Verdict> RequestStream::await_io(Resume resume) {
  pipeline::RequestContext& ctx = scratch_->request;
  start_timing();
  expect(Phase::filter_wait, arm_ != nullptr ? arm_->timeout : std::chrono::seconds(60));
  // Nothing reads the client while the filter waits: watch for the client going away (the
  // socket turns readable with nothing to read), so its I/O is cancelled rather than finished for
  // nobody. `watching` outlives the session if the wait completes late; it is checked first.
  auto watching = std::make_shared<bool>(true);
  watch_client(watching);
  pipeline::Verdict verdict = co_await resume();
  *watching = false;
  stop_watching_client();
  clear_deadline();
  ctx.cancellation.clear();
  if (client_gone_) co_return pipeline::Verdict::stop;
  if (timed_out_ && timed_out_in_ == Phase::filter_wait) {
    ctx.local_reply =
        pipeline::LocalReply::error(504, "gateway_timeout", "the request did not complete in time");
    co_return pipeline::Verdict::stop;
  }
  co_return verdict;
}

awaitable<bool> RequestStream::answer(pipeline::LocalReply reply, bool keep_alive) {
  pipeline::RequestContext& ctx = scratch_->request;
  const http::RequestHead& head = scratch_->head;
  // The answer speaks HTTP/1.1 without "Connection: keep-alive", so an HTTP/1.0 client would
  // take the connection for closed: close it.
  keep_alive = keep_alive && !worker_.draining() && head.version_minor == 1;
  // This answer replaces whatever response was being prepared (an upstream's whose body turned
  // out too large, say): its response-phase edits start afresh.
  ctx.response_headers.clear();
  ctx.response_transforms.clear();
  ctx.upstream_response = nullptr;
  ctx.response_status = reply.status;
  ctx.local_reply = std::move(reply);
  if (chain_ != nullptr) chain_->run_response_phase(ctx);
  pipeline::LocalReply& final_reply = *ctx.local_reply;
  if (final_reply.is_error() && final_reply.body.empty()) {
    http::append_error_body(final_reply.body, final_reply.status, final_reply.code,
                            final_reply.message, ctx.request_id);
    final_reply.content_type = "application/json";
  }
  if (!ctx.response_transforms.empty()) {
    std::string changed;
    for (auto& transform : ctx.response_transforms) {
      transform->write(final_reply.body, changed);
      transform->finish(changed);
      final_reply.body.swap(changed);
      changed.clear();
    }
  }
  std::string& out = scratch_->output;
  out.clear();
  // A head written (and recorded) before this answer replaced it must not be taken for it.
  if (head_record_ != nullptr) head_record_->clear();
  // A gRPC client reads the status from grpc-status: the error goes out as a gRPC answer
  // (HTTP 200, no body, "Trailers-Only"); the record keeps the error's HTTP status and code.
  pipeline::LocalReply grpc_reply;
  if (final_reply.is_error() &&
      http::is_grpc_content_type(http::find_header(head.headers, http::Field::content_type))) {
    grpc_reply.status = 200;
    grpc_reply.content_type = "application/grpc";
    grpc_reply.headers.push_back(
        {"grpc-status", std::to_string(http::grpc_status_for_http(final_reply.status))});
    std::string message;
    http::append_grpc_message(message, final_reply.message);
    grpc_reply.headers.push_back({"grpc-message", std::move(message)});
  }
  const pipeline::LocalReply& sent = grpc_reply.content_type.empty() ? final_reply : grpc_reply;
  proxy::LocalReplyInfo info;
  info.request_id = ctx.request_id;
  info.date = worker_.date();
  info.keep_alive = keep_alive;
  info.head_request = head.method == http::Method::head;
  if (!ctx.response_headers.empty()) info.edits = &ctx.response_headers;
  proxy::write_local_reply(sent, info, out);
  ctx.status_sent = final_reply.status;
  expect(Phase::client_write, serving_->snapshot->config.server.timeouts.body_read);
  auto [ec, n] = co_await write_all(net::buffer(out));
  clear_deadline();
  ctx.bytes_out += n;
  if (!ec) end_response();
  finish_request();
  co_return keep_alive && !ec;
}

void RequestStream::finish_request() {
  const pipeline::RequestContext& ctx = scratch_->request;
  const http::RequestHead& head = scratch_->head;
  const auto now = Clock::now();
  const auto micros = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(now - ctx.start).count());
  const int status = ctx.status_sent ? ctx.status_sent : 499;
  if (ctx.trace.sampled) export_request_span(now, status);
  observe::RouteStats& stats =
      route_ != nullptr ? serving_->stats(route_index_) : worker_.metrics().unrouted;
  stats.record(head.method, status, micros);
  if (ctx.local_reply && ctx.local_reply->is_error()) {
    worker_.metrics().count_refusal(ctx.local_reply->code);
  }
  if (listener_bytes_ != nullptr) {
    listener_bytes_->received.add(ctx.bytes_in);
    listener_bytes_->sent.add(ctx.bytes_out);
  }
  observe::LiveSample sample;
  sample.status = status;
  sample.micros = micros;
  sample.reached_upstream = ctx.upstream_answered;
  sample.upstream_micros = ctx.upstream_micros;
  sample.bytes_in = ctx.bytes_in;
  sample.bytes_out = ctx.bytes_out;
  sample.prepare(
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count());
  stats.live.record(sample);
  if (ctx.target_live != nullptr) ctx.target_live->live.record(sample);

  observe::AccessLogQueue* queue = worker_.access_log();
  if (queue == nullptr) return;
  observe::AccessLogEntry entry;
  entry.unix_micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  entry.request_id = ctx.request_id;
  entry.client = ctx.client_address;
  entry.method = head.method_text;
  entry.path = head.path;
  if (head.has_query) entry.query = head.query;
  if (entry.path.empty()) {
    // A refused head (400, 414, 431): only its request line's method and target are known.
    entry.protocol_version = {};
    const std::size_t mark = head.target.find('?');
    entry.path = head.target.substr(0, mark);
    if (mark != std::string_view::npos) entry.query = head.target.substr(mark + 1);
  }
  entry.host = head.host;
  entry.user_agent = http::find_header(head.headers, "user-agent");
  entry.protocol_version =
      transport_ == nullptr ? "2" : head.version_minor == 0 ? "1.0" : "1.1";
  entry.tries = ctx.upstream_tries;
  entry.consumer = ctx.consumer;
  entry.status = status;
  entry.bytes_in = ctx.bytes_in;
  entry.bytes_out = ctx.bytes_out;
  entry.duration_micros = micros;
  entry.upstream_address = ctx.upstream_address;
  entry.upstream_name = ctx.upstream_name;
  entry.upstream_micros = ctx.upstream_micros;
  entry.route = ctx.route_name;
  observe::TraceIdText trace_id;
  std::array<char, 16> span_id;
  if (ctx.trace.active) {
    trace_id = observe::to_hex(ctx.trace.trace_id);
    entry.trace_id = {trace_id.data(), trace_id.size()};
    span_id = observe::to_hex(ctx.trace.span_id);
    entry.span_id = {span_id.data(), span_id.size()};
  }
  if (ctx.local_reply && ctx.local_reply->is_error()) entry.error = ctx.local_reply->code;
  if (ctx.tls != nullptr) {
    entry.tls_version = ctx.tls->version;
    entry.tls_server_name = ctx.tls->server_name;
    entry.tls_client_subject = ctx.tls->client_subject;
  }
  std::string line;
  observe::format_access_log_line(entry, serving_->snapshot->config.server.access_log.fields, line);
  queue->push(line);
}

RequestStream::RequestStream(Worker& worker, Transport* transport)
    : worker_(worker), transport_(transport) {}

RequestStream::~RequestStream() = default;

void RequestStream::hand_over_tunnel(std::unique_ptr<TunnelHandover> handover) {
  tunnel_ = std::move(handover);
}

void RequestStream::expect_body() {
  // body_read alone bounds each wait, so a client that sends a byte just inside it holds the
  // request, and its upstream connection, as long as it likes (the slow-body attack, slowhttptest
  // -B). As with Apache's mod_reqtimeout MinRate, the body as a whole may also take only
  // body_read plus one second per body_min_rate bytes received, counted from the first wait.
  const config::ServerTimeouts& timeouts = serving_->snapshot->config.server.timeouts;
  // Deadlines only: the coarse clock, with the slack its deadlines take (util/coarse_clock.h).
  const Clock::time_point now = util::coarse_now() + util::coarse_slack();
  if (body_started_ == Clock::time_point{}) body_started_ = now;
  Clock::time_point deadline = now + timeouts.body_read;
  if (const std::uint64_t rate = timeouts.body_min_rate; rate > 0) {
    const std::uint64_t in = scratch_->request.bytes_in;
    const std::uint64_t received = in - std::min<std::uint64_t>(in, scratch_->head.head_bytes);
    const std::chrono::milliseconds earned(received / rate * 1000 + received % rate * 1000 / rate);
    deadline = std::min(deadline, body_started_ + timeouts.body_read + earned);
  }
  phase_ = Phase::client_body;
  set_deadline(deadline);
}

bool RequestStream::on_common_deadline() {
  error_code ignored;
  switch (phase_) {
    case Phase::upstream_connect:
    case Phase::upstream_exchange:
      if (upstream_ != nullptr) upstream_->transport.close(ignored);
      if (upstream_call_ != nullptr) upstream_h2_->cut(*upstream_call_);
      return true;
    case Phase::upstream_body:
      // The h2 stream only (its connection serves others); the client side is the protocol's.
      if (upstream_call_ != nullptr) upstream_h2_->cut(*upstream_call_);
      return false;
    case Phase::filter_wait:
      if (scratch_) scratch_->request.cancellation.cancel();
      return true;
    default:
      return false;
  }
}

void RequestStream::client_left() {
  client_gone_ = true;
  if (scratch_) scratch_->request.cancellation.cancel();
  if (upstream_call_ != nullptr) upstream_h2_->cut(*upstream_call_);
}

void RequestStream::begin_local_request(std::string_view method, std::string_view target) {
  // The previous request's id may point into input that is gone: this answer gets its own.
  pipeline::RequestContext& ctx = scratch_->request;
  ctx.reset();
  ctx.start = pipeline::RequestContext::Clock::now();
  scratch_->head.clear();
  scratch_->head.method_text = method;
  scratch_->head.method = http::parse_method(method);
  scratch_->head.target = target;
  ctx.head = &scratch_->head;
  ctx.client_address = ctx.peer_address = client_.text;
  ctx.client_ip = client_.ip;
  ctx.tls = tls_ != nullptr ? &tls_->view : nullptr;
  ctx.worker_index = worker_.index();
  util::make_request_id(request_id_storage_, request_id_bits_, worker_.random_generator());
  ctx.request_id = {request_id_storage_.data(), request_id_storage_.size()};
  serving_ = worker_.current();
  route_ = nullptr;
  arm_ = nullptr;
  chain_ = nullptr;
  response_ended_ = false;
}

awaitable<RequestStream::IoResult> RequestStream::read_body(net::mutable_buffer into) {
  if (transport_ != nullptr) co_return co_await transport_->async_read_some(into, use_nothrow);
  co_return co_await stream_read_body(into);
}

awaitable<error_code> RequestStream::send_continue() {
  if (transport_ != nullptr) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    auto [ec, n] = co_await transport_->write_all(net::buffer(kContinue));
    co_return ec;
  }
  co_return co_await stream_send_continue();
}

// A stream with a transport never calls these.
ImmediateWrite RequestStream::stream_write_now(net::const_buffer, net::const_buffer) {
  return ImmediateWrite{net::error::operation_not_supported, 0, true};
}

awaitable<RequestStream::IoResult> RequestStream::stream_write_rest(net::const_buffer,
                                                                    net::const_buffer,
                                                                    std::size_t written) {
  co_return IoResult{net::error::operation_not_supported, written};
}

awaitable<RequestStream::IoResult> RequestStream::stream_read_body(net::mutable_buffer) {
  co_return IoResult{net::error::operation_not_supported, 0};
}

awaitable<error_code> RequestStream::stream_send_continue() {
  co_return net::error::operation_not_supported;
}

}  // namespace apigw::server
