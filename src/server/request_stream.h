// One request as the request path sees it, whatever the protocol it came in: routing, the filter
// chain, handlers, the proxy exchange, local answers and the record (access log, metrics) all
// work on a RequestStream. An HTTP/1 connection (ClientSession) is one, reused request after
// request; each HTTP/2 stream (H2Stream) is one. So every HTTP/2 request goes through exactly the
// same code as an HTTP/1.1 request (docs/architecture.md, "One request path").
//
// What differs is only how bytes reach the client: the response, a 100 Continue, the request
// body, noticing that the client left, and what a passed deadline cuts. HTTP/1 goes to the
// connection's Transport through inline calls (the plain path is what it was before HTTP/2);
// an HTTP/2 stream answers through the virtual hooks at the end of the class.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <tuple>

#include "http/message.h"
#include "observe/span.h"
#include "observe/tls_metrics.h"
#include "pipeline/request_context.h"
#include "server/asio.h"
#include "server/byte_buffer.h"
#include "server/deadline_sweeper.h"
#include "server/request_scratch.h"
#include "server/transport.h"
#include "server/upstream_pool.h"
#include "snapshot/snapshot.h"
#include "tls/connection_facts.h"
#include "util/request_id.h"

namespace apigw::observe {
struct ListenerBytes;
}  // namespace apigw::observe

namespace apigw::server {

class Worker;
struct WorkerSnapshot;
class H2UpstreamConnection;
struct H2UpstreamCall;
struct TunnelHandover;

// What the request is waiting for; decides what a passed deadline cuts and how it is answered.
enum class Phase : std::uint8_t {
  tls_handshake,      // the TLS handshake (and a PROXY header before it): close, count a timeout
  client_idle,        // between requests: close quietly
  client_linger,      // just answered, buffer still held, next request expected soon: go idle
  client_head,        // reading a request head: 408
  client_body,        // reading the request body: 408
  client_write,       // writing to the client: close
  filter_wait,        // a filter or handler waits on I/O: cancel it, then 504
  upstream_connect,   // connecting: 504
  upstream_exchange,  // sending the request / awaiting the response head: 504
  upstream_body,      // relaying the response body: close (the head is already out)
};

// What the TLS handshake of a client connection established. Shared by the requests of the
// connection (each HTTP/2 stream points to its connection's).
struct ConnectionTlsState {
  ConnectionTlsState() = default;
  ConnectionTlsState(const ConnectionTlsState&) = delete;
  ConnectionTlsState& operator=(const ConnectionTlsState&) = delete;
  ~ConnectionTlsState() {
    if (counters != nullptr) --counters->connections;
  }
  tls::ConnectionFacts facts;
  pipeline::ConnectionTls view;  // of `facts`, for filters and the access log
  bool forward_subject = false;  // [server.listeners.tls] forward_client_cert = "subject"
  observe::TlsListenerCounters* counters = nullptr;
};

// The client's address, as the connection's peer or its PROXY header named it.
struct ClientAddress {
  std::string text;
  util::IpAddress ip;
};

// A connection the worker can drain or abort (an HTTP/1 connection or an HTTP/2 one).
class Connection {
 public:
  virtual ~Connection() = default;
  // The worker is draining: close now if idle; otherwise close after the requests in flight.
  virtual void on_drain() = 0;
  // The worker is shutting down: close the client and upstream sockets so that whatever waits
  // on them finishes at once.
  virtual void abort() = 0;
  // A reload installed `serving` (an HTTP/1 connection takes the new settings request by
  // request; an HTTP/2 one whose connection settings changed ends gracefully; a WebSocket tunnel
  // takes its route's new limits, or is closed after a grace if its route is gone).
  virtual void on_reload(WorkerSnapshot& /*serving*/) {}
};

class RequestStream : public Expirable {
 public:
  using IoResult = std::tuple<error_code, std::size_t>;

  // `transport`: an HTTP/1 connection's (client I/O goes to it directly); null for a stream
  // whose I/O goes through the hooks below.
  RequestStream(Worker& worker, Transport* transport);
  ~RequestStream() override;

  // --- The client side of the request in progress (what ProxyExchange sees) ---
  Worker& worker() { return worker_; }
  pipeline::RequestContext& request() { return scratch_->request; }
  RequestScratch& scratch() { return *scratch_; }
  // Request bytes read and not used yet: for HTTP/1 the connection's read buffer (the head, then
  // body bytes behind it), for an HTTP/2 stream its body bytes only (head_bytes is 0).
  ByteBuffer& input() { return input_; }
  // Sets the phase and its deadline.
  void expect(Phase phase, std::chrono::milliseconds timeout) {
    phase_ = phase;
    set_deadline(util::coarse_deadline(timeout));  // the sweeper's tick is 50 ms anyway
  }
  // Sets the deadline for one wait for request body bytes: body_read from now, and no later than
  // the whole body's allowance at [server.timeouts] body_min_rate.
  void expect_body();
  // Whether the last deadline passed (in the phase it cut); start_timing() forgets it.
  bool timed_out() const { return timed_out_; }
  void start_timing() { timed_out_ = false; }
  // The index of the request's route in its snapshot (a route matched).
  std::size_t route_index() const { return route_index_; }
  // Which of that route's paths matched (its rewrite may depend on it).
  std::size_t matched_path() const { return matched_path_; }
  // The snapshot the request started with, and this worker's resources for it.
  const std::shared_ptr<WorkerSnapshot>& serving() const { return serving_; }
  // The connection is being torn down: no retry, no next request.
  bool aborted() const { return aborted_; }
  // The listener sends the subject of a verified client certificate upstream (mTLS).
  bool forwards_client_subject() const { return tls_ != nullptr && tls_->forward_subject; }
  // The upstream connection a deadline must close (null: none).
  void watch_upstream(UpstreamConnection* connection) { upstream_ = connection; }
  // The h2 upstream stream a deadline (or the client's leaving) must reset (null: none).
  void watch_upstream_call(H2UpstreamConnection* connection, H2UpstreamCall* call) {
    upstream_h2_ = connection;
    upstream_call_ = call;
  }
  // Ends a read_body() in progress (it returns operation_aborted): the request body pump of an h2
  // exchange stops.
  virtual void cancel_body_read() = 0;
  // Trailers to end the response with (an h2 upstream's, gRPC's grpc-status): an HTTP/2 client
  // gets them as a trailing HEADERS frame; HTTP/1.1 ones in the chunked body's last chunk.
  void set_response_trailers(std::span<const http::Header> trailers) {
    response_trailers_ = trailers;
  }
  // Where a response head writer notes the fields it writes (an HTTP/2 stream takes them from
  // there rather than parsing the head again); null for HTTP/1, which sends the bytes as they are.
  proxy::WrittenHead* head_record() { return head_record_; }
  // Answers with a reply made by the gateway, after the response phase of the request's filters
  // (or of the global filters, before a route is known). Returns whether the connection stays
  // open.
  awaitable<bool> answer(pipeline::LocalReply reply, bool keep_alive);
  // The request is over: its access-log line and its metrics, from the request record.
  void finish_request();
  // --- Tracing (request_tracing.cpp) ---
  // [tracing] on: continues the caller's trace or starts one (ctx.trace).
  // `made_request_id`: the gateway made this request's id (a trace it starts takes it).
  void start_tracing(double sample_ratio, bool made_request_id);
  // A new span for an outgoing call (a filter's, an upstream try): its id, also written into
  // ctx.traceparent for the call to send.
  observe::SpanId begin_call_span();
  // A finished span of this (sampled) request, child of the request's span, with its ids and
  // times set: the caller names it, adds attributes and hands it to send_span().
  observe::Span& span_to_send(const observe::SpanId& id, observe::SpanKind kind,
                              Clock::time_point start, Clock::time_point end);
  void send_span(observe::Span& span);
  // The request's own span, at its end.
  void export_request_span(Clock::time_point end, int status);
  // The response went out whole (its body complete however it was framed): an HTTP/2 stream
  // ends with END_STREAM rather than a reset.
  void end_response() { response_ended_ = true; }
  // Whether the connection can become a WebSocket tunnel: HTTP/1 can; an HTTP/2 stream cannot
  // (RFC 8441's extended CONNECT is not supported), so its upgrade requests go as plain ones.
  bool can_tunnel() const { return transport_ != nullptr; }
  // The upstream accepted a WebSocket upgrade and the 101 is out: the connection becomes a tunnel
  // once the request returns (server/websocket_tunnel.h).
  void hand_over_tunnel(std::unique_ptr<TunnelHandover> handover);

  // --- Client I/O. The response is written as HTTP/1.1 bytes (head, then the body in the
  // head's framing): one writer of response heads keeps edits, hop-by-hop rules and local
  // replies the same for both protocols; an HTTP/2 stream turns them into HEADERS and DATA. ---
  ImmediateWrite write_now(net::const_buffer first, net::const_buffer second = {}) {
    return transport_ != nullptr ? transport_->write_now(first, second)
                                 : stream_write_now(first, second);
  }
  awaitable<IoResult> write_rest(net::const_buffer first, net::const_buffer second,
                                 std::size_t written) {
    return transport_ != nullptr ? transport_->write_rest(first, second, written)
                                 : stream_write_rest(first, second, written);
  }
  awaitable<IoResult> write_all(net::const_buffer first, net::const_buffer second = {}) {
    return transport_ != nullptr ? transport_->write_all(first, second)
                                 : stream_write_rest(first, second, 0);
  }
  // Request body bytes into `into` (at least one). An HTTP/2 body that ended (END_STREAM) reads
  // as net::error::eof; HTTP/1 bodies are framed in the bytes and never read past their end.
  awaitable<IoResult> read_body(net::mutable_buffer into);
  // The go-ahead a client that sent "Expect: 100-continue" waits for.
  awaitable<error_code> send_continue();

 protected:
  // Routes and answers one request. Returns whether the connection stays open.
  awaitable<bool> handle_request();
  // Resets the request record for an answer the gateway makes before (or instead of) routing:
  // a head that did not parse, or an HTTP/2 stream refused for its head.
  void begin_local_request(std::string_view method, std::string_view target);
  // The request is over and the connection goes on: forget its snapshot and route.
  void end_request() {
    serving_.reset();  // an idle connection must not keep an old snapshot alive
    route_ = nullptr;
    arm_ = nullptr;
    chain_ = nullptr;
  }
  // Called by the hooks: the client is gone (an HTTP/2 reset, a closed socket while a filter
  // waited): the request's I/O is cancelled.
  void client_left();
  // What a passed deadline does that is the same for every protocol: the phases of filters and
  // upstreams. False: the phase is the client's, which the protocol handles.
  bool on_common_deadline();

  // --- Hooks of a stream without a transport (HTTP/2) ---
  virtual ImmediateWrite stream_write_now(net::const_buffer first, net::const_buffer second);
  virtual awaitable<IoResult> stream_write_rest(net::const_buffer first, net::const_buffer second,
                                                std::size_t written);
  virtual awaitable<IoResult> stream_read_body(net::mutable_buffer into);
  virtual awaitable<error_code> stream_send_continue();
  // While a filter waits on I/O: call client_left() if the client goes away, until *watching
  // turns false (then stop_watching_client()).
  virtual void watch_client(std::shared_ptr<bool> watching) = 0;
  virtual void stop_watching_client() = 0;
  // After an answer that leaves the request body unread: HTTP/1 reads and discards it for a
  // moment before closing (else the close resets the answer away); a stream is reset.
  virtual awaitable<void> lingering_close() = 0;

  Worker& worker_;
  Transport* transport_;
  ClientAddress client_;
  observe::ListenerBytes* listener_bytes_ = nullptr;  // the listener's byte counts
  ByteBuffer input_;
  // Held while a request is in progress (an HTTP/1 connection gives it back while idle).
  std::unique_ptr<RequestScratch> scratch_;
  util::RequestIdText request_id_storage_{};
  util::RequestIdBits request_id_bits_{};  // what request_id_storage_ is the hex of
  // The snapshot the request in progress started with, its route (null: none), the route's arm
  // that serves it and that arm's filters, or the global filters when no route matched.
  std::shared_ptr<WorkerSnapshot> serving_;
  const snapshot::CompiledRoute* route_ = nullptr;
  std::size_t route_index_ = 0;
  std::size_t matched_path_ = 0;
  const snapshot::RouteArm* arm_ = nullptr;
  const pipeline::FilterChain* chain_ = nullptr;
  const ConnectionTlsState* tls_ = nullptr;  // the connection's (null: plain)

  Phase phase_ = Phase::client_idle;
  Clock::time_point body_started_{};  // the request's first wait for body bytes (epoch: none yet)
  Phase timed_out_in_ = Phase::client_idle;
  bool timed_out_ = false;
  bool aborted_ = false;                         // the connection is being torn down
  bool client_gone_ = false;                     // seen while a filter waited on I/O, or a reset
  bool response_ended_ = false;                  // end_response() was called
  UpstreamConnection* upstream_ = nullptr;       // the connection of the exchange in progress
  H2UpstreamConnection* upstream_h2_ = nullptr;  // or its h2 connection and stream
  H2UpstreamCall* upstream_call_ = nullptr;
  std::span<const http::Header> response_trailers_;
  proxy::WrittenHead* head_record_ = nullptr;
  std::unique_ptr<TunnelHandover> tunnel_;  // hand_over_tunnel()'s

 private:
  // The arm of a route with `upstreams` that serves the request (its weighted split, by the
  // sticky key or at random); counts the pick.
  const snapshot::RouteArm& pick_arm(const snapshot::CompiledRoute& route);
  // The arm of a route with `upstream = "{param}"` for the upstream the request's path names
  // (null: none it may reach).
  const snapshot::RouteArm* service_arm(const snapshot::CompiledRoute& route);
  // Behind trusted proxies: the client is the rightmost untrusted X-Forwarded-For hop.
  void resolve_client_address(const util::CidrSet& trusted);
  // The request phase after a filter suspended at `step`: awaits it, then runs the chain on
  // from the next filter (awaiting any other that suspends). Returns where the phase ended.
  awaitable<pipeline::PhaseStep> finish_request_phase(const pipeline::FilterChain& chain,
                                                      pipeline::PhaseStep step);
  // Awaits a suspended filter or handler: the request's deadline and the client's going away
  // cancel it (ctx.cancellation).
  template <typename Resume>
  awaitable<pipeline::Verdict> await_io(Resume resume);
  // Awaits a handler that suspended (AsyncHandler::resume): ctx.local_reply is its answer.
  awaitable<void> finish_handler(const pipeline::Handler& handler);
};

}  // namespace apigw::server
