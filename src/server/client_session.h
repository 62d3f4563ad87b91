// One client connection: reads HTTP/1.1 requests one after another (keep-alive, pipelining),
// routes each, runs its filter chain and proxies it. Lives in the frame of its serve() coroutine.
#pragma once

#include <memory>
#include <string>

#include "http/message.h"
#include "http/parser.h"
#include "http/path_template.h"
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

namespace apigw::server {

class Worker;
struct WorkerSnapshot;
struct AcceptedOn;

// What the connection is waiting for; decides what a passed deadline cuts and how it is answered.
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

// A connection is owned by whatever is waiting on it: while idle, by the handler of its pending
// readability wait (no coroutine frame, no buffer, no scratch: an idle keep-alive connection costs
// this object and its socket); while a request is in progress, by its serve() coroutine. If the
// worker shuts down with the wait or the coroutine pending, destroying them frees the session.
//
// The public part below start() is the client side as a ProxyExchange sees it: the request record,
// the connection's buffer and socket, deadlines, and answering.
class ClientSession final : public Expirable {
 public:
  using Owner = std::unique_ptr<ClientSession>;

  // Takes over a connection accepted on `on`'s listener: it may start with a PROXY protocol
  // header naming the client, then a TLS handshake.
  static void start(Worker& worker, tcp_socket socket, const AcceptedOn& on);

  ClientSession(Worker& worker, tcp_socket socket);
  ~ClientSession() override;

  void on_deadline() override;
  // The worker is draining: close now if idle; otherwise close after the current response.
  void on_drain();
  // The worker is shutting down: close the client and upstream sockets so that whatever waits
  // on them finishes at once.
  void abort();

  // --- The client side of the request in progress ---
  Worker& worker() { return worker_; }
  pipeline::RequestContext& request() { return scratch_->request; }
  RequestScratch& scratch() { return *scratch_; }
  ByteBuffer& input() { return input_; }
  Transport& transport() { return transport_; }
  // Sets the phase and its deadline.
  void expect(Phase phase, std::chrono::milliseconds timeout);
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
  // abort() was called: no retry, no next request.
  bool aborted() const { return aborted_; }
  // The listener sends the subject of a verified client certificate upstream (mTLS).
  bool forwards_client_subject() const { return tls_ && tls_->forward_subject; }
  // The upstream connection a deadline must close (null: none).
  void watch_upstream(UpstreamConnection* connection) { upstream_ = connection; }
  // Answers with a reply made by the gateway, after the response phase of the request's filters
  // (or of the global filters, before a route is known). Returns whether the connection stays
  // open.
  awaitable<bool> answer(pipeline::LocalReply reply, bool keep_alive);
  // The request is over: its access-log line and its metrics, from the request record.
  void finish_request();

 private:
  // Between requests: gives the buffer and scratch back and waits, without a coroutine, for the
  // next request's first bytes; then spawns serve().
  static void wait_while_idle(Owner self);
  // Serves requests while bytes keep coming; hands the session back to wait_while_idle() when
  // the connection goes quiet, or ends it.
  static awaitable<void> serve(Owner self);
  // On a TLS listener: reads a PROXY header (when the listener has them) without taking any TLS
  // bytes, does the handshake within handshake_timeout, then serves.
  static awaitable<void> serve_tls(Owner self, AcceptedOn on);
  awaitable<bool> handshake(const AcceptedOn& on);
  // A PROXY header read with MSG_PEEK and then taken off the socket exactly, so that the TLS
  // bytes behind it stay for OpenSSL. need_more: wait for readability and try again.
  enum class ProxyPeek : std::uint8_t { done, need_more, failed };
  ProxyPeek peek_proxy_header();
  // Reads until a complete head is parsed. False: the connection is done.
  awaitable<bool> read_request_head();
  // On a proxy_protocol listener, before the first request: takes the PROXY header from the
  // input once whole (the client becomes the address it names). False: not a valid header.
  bool take_proxy_header();
  // After a response with nothing more buffered: waits up to kLinger for the next request with a
  // plain read (see the .cpp for why).
  enum class Linger : std::uint8_t { request, quiet, closed };
  static constexpr std::chrono::milliseconds kLinger{100};
  static constexpr std::size_t kMaxLingering = 256;  // per worker
  awaitable<Linger> linger();
  // Routes and answers one request. Returns whether the connection stays open.
  awaitable<bool> handle_request();
  // The request phase after a filter suspended at `step`: awaits it, then runs the chain on
  // from the next filter (awaiting any other that suspends). Returns where the phase ended.
  awaitable<pipeline::PhaseStep> finish_request_phase(const pipeline::FilterChain& chain,
                                                      pipeline::PhaseStep step);
  // Awaits a suspended filter or handler: the request's deadline and the client's going away
  // cancel it (ctx.cancellation).
  template <typename Resume>
  awaitable<pipeline::Verdict> await_io(Resume resume);
  // While a filter waits: sets client_gone_ and cancels the request when the client's end of
  // the connection closes (until *watching turns false).
  void watch_client_gone(std::shared_ptr<bool> watching);
  // The arm of a route with `upstreams` that serves the request (its weighted split, by the
  // sticky key or at random); counts the pick.
  const snapshot::RouteArm& pick_arm(const snapshot::CompiledRoute& route);
  // Behind trusted proxies: the client is the rightmost untrusted X-Forwarded-For hop.
  void resolve_client_address(const util::CidrSet& trusted);
  // Awaits a handler that suspended (AsyncHandler::resume): ctx.local_reply is its answer.
  awaitable<void> finish_handler(const pipeline::Handler& handler);
  // Answers a request whose head did not parse (431, 400, 408): no filters; logged and counted.
  awaitable<void> refuse_unparsed(int status, std::string_view code, std::string_view message);
  awaitable<void> lingering_close();
  tcp_socket& socket() { return transport_.socket(); }
  // Resets the request record for an answer to a request whose head did not parse.
  void begin_unparsed_request();

  Worker& worker_;
  Transport transport_;
  std::string client_ip_;
  util::IpAddress client_address_;  // client_ip_, parsed once per connection
  ByteBuffer input_;
  // Held while a request is in progress, returned to the worker's pool while idle.
  std::unique_ptr<RequestScratch> scratch_;
  util::RequestIdText request_id_storage_{};
  // The snapshot the request in progress started with, its route (null: none), the route's arm
  // that serves it and that arm's filters, or the global filters when no route matched.
  std::shared_ptr<WorkerSnapshot> serving_;
  const snapshot::CompiledRoute* route_ = nullptr;
  std::size_t route_index_ = 0;
  std::size_t matched_path_ = 0;
  const snapshot::RouteArm* arm_ = nullptr;
  const pipeline::FilterChain* chain_ = nullptr;

  Phase phase_ = Phase::client_idle;
  Clock::time_point body_started_{};  // the request's first wait for body bytes (epoch: none yet)
  Phase timed_out_in_ = Phase::client_idle;
  bool timed_out_ = false;
  bool aborted_ = false;                    // abort() was called: no retry, no next request
  bool client_gone_ = false;                // seen while a filter waited on I/O
  bool awaiting_proxy_header_ = false;      // the PROXY protocol header has not been read yet
  UpstreamConnection* upstream_ = nullptr;  // the connection of the exchange in progress
  // What the TLS handshake established (null: a plain connection).
  struct TlsState {
    tls::ConnectionFacts facts;
    pipeline::ConnectionTls view;  // of `facts`, for filters and the access log
    bool forward_subject = false;  // [server.listeners.tls] forward_client_cert = "subject"
    observe::TlsListenerCounters* counters = nullptr;
  };
  std::unique_ptr<TlsState> tls_;
};

}  // namespace apigw::server
