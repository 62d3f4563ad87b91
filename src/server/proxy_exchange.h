// Proxies one request to its route's upstream: picks a target, takes a pooled connection (or
// connects), sends the head and streams the body, reads the response head, runs the response
// phase, and streams the response back. Phases named as in docs/architecture.md.
#pragma once

#include <optional>
#include <span>

#include "http/parser.h"
#include "proxy/head_writer.h"
#include "proxy/retry_policy.h"
#include "proxy/upstream_outcome.h"
#include "server/request_stream.h"
#include "server/upstream_connect.h"
#include "server/worker.h"
#include "snapshot/snapshot.h"
#include "ws/handshake.h"

namespace apigw::server {

using proxy::UpstreamOutcome;

class ProxyExchange {
 public:
  // `arm`: the route's arm the request takes (its upstream, filters and timeout); a fallback
  // exchange gets the arm's filters and timeout with the fallback upstream.
  ProxyExchange(RequestStream& session, WorkerSnapshot& serving,
                const snapshot::CompiledRoute& route, const snapshot::RouteArm& arm,
                bool is_fallback = false);
  ~ProxyExchange();
  ProxyExchange(const ProxyExchange&) = delete;
  ProxyExchange& operator=(const ProxyExchange&) = delete;
  // Returns whether the client connection stays open.
  awaitable<bool> run();

  // The request is prepared (body framing known, replay buffer filled): picks targets, retries,
  // relays. The part a fallback exchange to another upstream repeats.
  awaitable<bool> proxy();

 private:
  // proxy_upgrade.cpp: a WebSocket upgrade on a route that allows it: refused (400, 426, 503 at
  // the route's max_connections), or proxied with the Upgrade asked of the upstream; its 101
  // makes the connection a tunnel (start_tunnel).
  awaitable<bool> upgrade(ws::Upgrade kind);
  // The 101 through the response phase to the client, then the connection handed to a tunnel.
  awaitable<bool> start_tunnel();
  void build_upstream_head(const proxy::Target& target);
  // What the gateway sends `upstream`'s `target` beside the client's head (rewritten path into
  // scratch().upstream_path, Host, forwarding fields, filter edits): for either protocol.
  proxy::UpstreamRequestInfo upstream_request_info(const config::UpstreamConfig& upstream,
                                                   const proxy::Target& target);
  // Appends the request head as `upstream`'s `target` gets it (rewritten path, filter edits).
  void write_upstream_head(const config::UpstreamConfig& upstream, const proxy::Target& target,
                           std::string& out);
  // proxy_h2.cpp: the exchange with an upstream of protocol "h2", on a stream of a shared
  // connection: `refused` says the target never saw the request (another try is safe).
  awaitable<UpstreamOutcome> exchange_h2(TargetPool& pool, const proxy::Target& target,
                                         bool force_new_connection, bool& refused);
  awaitable<UpstreamOutcome> connect_h2(TargetPool& pool, const proxy::Target& target);
  void build_h2_request(const proxy::Target& target);
  // Sends the request body on the stream while the response comes (gRPC streams both ways).
  awaitable<void> pump_h2_body();
  // Stops the body pump (if it runs) and lets go of the stream.
  awaitable<void> end_h2_call();
  awaitable<bool> relay_h2_response();
  // The outcome of a stream that closed before its response head.
  UpstreamOutcome h2_failure() const;
  // proxy_mirror.cpp: queues a copy of the request for the route's mirror, if sampled and its
  // body is whole in memory; never waits.
  void mirror_request();
  // The request's consistent-hash key (upstream's hash_on), if its balancer uses one and the
  // request has it.
  std::optional<std::uint64_t> balancing_key() const;
  // Sends the request (head + body) and reads the response head into response_.
  awaitable<UpstreamOutcome> exchange(TargetPool& pool, const proxy::Target& target,
                                      bool force_new_connection, bool& retryable);
  awaitable<UpstreamOutcome> connect(TargetPool& pool, const proxy::Target& target);
  // The upstream's circuit_breaker limits on open connections (max_connections) and on requests
  // waiting for one (max_pending) are reached: no new connection.
  bool at_connection_limits() const;
  // The TLS handshake on the connection just made, for an upstream with `tls`: counts, logs
  // (rate-limited per target) and answers tls_failed when it fails.
  awaitable<UpstreamOutcome> start_tls(TargetPool& pool, const proxy::Target& target);
  // Counts and logs (rate-limited per target) a failed handshake; returns tls_failed.
  UpstreamOutcome tls_failed(TargetPool& pool, const proxy::Target& target,
                             const UpstreamTlsFailure& failure);
  // On a new TLS connection that failed before any byte of an answer: tls_failed when the
  // target's last word was a TLS alert (a refused client certificate), else nothing.
  std::optional<UpstreamOutcome> refused_by_alert(TargetPool& pool, const proxy::Target& target);
  awaitable<UpstreamOutcome> send_request_body();
  // received_any: bytes of the answer are already in the connection's buffer.
  awaitable<UpstreamOutcome> read_response_head(bool received_any, bool& nothing_received);
  awaitable<bool> relay_response();
  // proxy_transform.cpp: relays a response whose body filters change as it streams.
  awaitable<bool> relay_transformed_response();
  // proxy_buffered.cpp: the whole request body into the request record (filters want it), and
  // the whole response body before the client gets anything.
  awaitable<UpstreamOutcome> buffer_request_body();
  awaitable<bool> relay_buffered_response();
  awaitable<bool> reply_for(UpstreamOutcome outcome);
  // proxy_fallback.cpp: the upstream failed (or had no usable target): the route's fallback if
  // it has one that applies, else reply_for(outcome).
  awaitable<bool> fail(UpstreamOutcome outcome);
  // The stale_if_error cache key of this request: route, host and request target.
  std::string stale_key() const;
  // Answers with a stale or static fallback response, marked X-Apigw-Fallback: `kind`.
  awaitable<bool> send_fallback_response(pipeline::LocalReply reply, std::string_view kind);
  // Tries of one request so far: those that count against the route's `attempts`, and failovers.
  struct TryCounts {
    std::uint32_t attempt = 1;
    std::uint32_t failovers = 0;
  };
  // proxy_retry.cpp: what follows this try's `outcome` (proxy/retry_policy.h): nothing
  // (give_up), a failover at once (counted here), or a retry, which retry_after_backoff() makes.
  // `tried` marks the targets this request has tried. Not a coroutine: nearly every try is the
  // last, and a coroutine frame per request for that answer costs more than the decision.
  proxy::AfterTry after_try(UpstreamOutcome outcome, TryCounts& counts,
                            std::span<const std::uint8_t> tried);
  // A retry, if the upstream's budget has room: the backoff wait, then whether to go on.
  awaitable<bool> retry_after_backoff(TryCounts& counts);
  bool method_may_retry() const;
  // Tells passive health checking (connect-failure ejection, outlier detection) how a try on the
  // target went, and logs an ejection.
  // `first_try`: the request's first, which the retry budget counts as one request.
  void record_try(std::size_t target_index, UpstreamOutcome outcome, bool first_try);
  // One warn line per failed try, at most 20 a second per worker (util/log_limiter.h).
  void log_failed_try(const proxy::Target& target, UpstreamOutcome outcome, std::int64_t now_ns);
  // The span of one try (sampled requests; request_tracing.cpp): the try's own span id is the
  // one its traceparent named.
  void export_try_span(const observe::SpanId& id, const proxy::Target& target,
                       UpstreamOutcome outcome, std::int64_t try_number);
  void log_ejection(std::size_t target_index, std::chrono::milliseconds duration,
                    const config::OutlierDetectionConfig& rule, std::string_view failure);
  // Moves the request head out of the read buffer before the buffer is reused for the body.
  void keep_head();
  // Reads the rest of a Content-Length body into the client buffer, so it can be sent again.
  awaitable<UpstreamOutcome> buffer_body_for_replay();

  RequestStream& session_;
  WorkerSnapshot& serving_;
  const snapshot::Snapshot& snapshot_;
  const snapshot::CompiledRoute& route_;
  const snapshot::RouteArm arm_;
  pipeline::RequestContext& context_;
  std::size_t cluster_index_;  // arm_'s
  bool is_fallback_;  // this exchange is a route's fallback upstream: it has no fallback itself
  const proxy::Cluster& cluster_;
  std::unique_ptr<UpstreamConnection> connection_;
  http::ResponseHead response_;
  http::ChunkedScanner request_chunks_;
  // Body bytes that were already in the client buffer with the head; kept there (unconsumed)
  // until the exchange succeeds, so a stale pooled connection can be retried on a fresh one.
  std::size_t buffered_body_ = 0;
  bool body_complete_in_buffer_ = false;
  bool request_body_sent_ = false;
  // An HTTP/2 body of undeclared length re-framed as chunks to the upstream (send_request_body):
  // its bytes so far (against the route's max_body_bytes), and whether a chunk awaits its CRLF.
  std::uint64_t streamed_body_bytes_ = 0;
  bool chunk_open_ = false;
  // An exchange with an h2 upstream: its connection, stream and body pump (null for HTTP/1).
  struct H2State;
  std::unique_ptr<H2State> h2_;
  Clock::time_point upstream_start_{};
  // A WebSocket upgrade in progress: the slot it holds in its route's open tunnel count (given
  // back unless a tunnel takes it), and the target of the last try.
  std::shared_ptr<snapshot::RouteTunnels> tunnel_slot_;
  std::size_t target_index_ = 0;
  std::string_view target_address_;
  config::Duration attempt_timeout_{};
  const char* head_start_ = nullptr;  // where the head's bytes are in the read buffer  // the
                                      // route's timeout, or the retry's per_try_timeout
};

}  // namespace apigw::server
