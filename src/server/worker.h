// A worker: one thread, one io_context, its own listening sockets (SO_REUSEPORT), upstream pools,
// buffers, timeout sweeper and metrics shard. A request lives on one worker from accept to last
// byte; nothing here is shared with other workers, so nothing here takes a lock.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <optional>
#include <span>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "http/http_date.h"
#include "observe/access_log.h"
#include "observe/metrics.h"
#include "observe/span.h"
#include "pipeline/worker_services.h"
#include "proxy/balancers/balancer.h"
#include "proxy/router/regex_cache.h"
#include "server/asio.h"
#include "server/byte_buffer.h"
#include "server/deadline_sweeper.h"
#include "server/mirror_sender.h"
#include "server/request_scratch.h"
#include "server/stale_cache.h"
#include "server/upstream_pool.h"
#include "snapshot/snapshot.h"
#include "util/fast_random.h"
#include "util/log_limiter.h"

namespace apigw::server {

// Stops listening on `acceptor` without leaving its socket registered with this thread's epoll
// (see the .cpp): for listening sockets a binary upgrade may have handed to another process.
void close_listening(tcp_acceptor& acceptor);

class Connection;

// A snapshot together with this worker's resources for it: target pools, balancer positions and
// metric slots, all indexed as the snapshot indexes its clusters and routes. A request holds the
// WorkerSnapshot it started on, so a reload mid-request never mixes one snapshot's indexes with
// another's, and the pools it may return a connection to stay alive until it ends.
struct WorkerSnapshot {
  std::shared_ptr<const snapshot::Snapshot> snapshot;
  std::vector<std::vector<std::shared_ptr<TargetPool>>> cluster_pools;  // [cluster][target]
  std::vector<std::unique_ptr<proxy::Balancer>> balancers;              // [cluster]
  std::vector<observe::RouteStats*> route_stats;                        // [route]
  std::vector<std::vector<std::shared_ptr<observe::TargetLiveStats>>> target_live;  // [c][t]
  std::vector<observe::LatencyHistogram*> upstream_latency;                        // [cluster]
  observe::MetricsShard* metrics = nullptr;                             // the worker's shard

  // Picks a target of a cluster with its balancer: among the primary targets that have addresses
  // and are not in `avoid` (targets already tried by this request), else among the backup
  // targets; `avoid` is ignored when it would leave nothing. npos if no target is usable.
  std::size_t pick_target(std::size_t cluster_index, std::optional<std::uint64_t> key,
                          std::span<const std::uint8_t> avoid = {});
  TargetPool& pool(std::size_t cluster_index, std::size_t target_index) {
    return *cluster_pools[cluster_index][target_index];
  }
  observe::RouteStats& stats(std::size_t route_index) { return *route_stats[route_index]; }
  // The route of that name (null: none), through an index made on first use.
  const snapshot::CompiledRoute* route_named(std::string_view name);
  // A counter of `family` for one of this snapshot's upstreams or routes (by index), its cells
  // looked up by name once per snapshot and then kept.
  template <typename Cell>
  observe::CounterCell& count(observe::Family family, std::size_t entity, Cell which) {
    return family_cells(family, entity)[static_cast<std::size_t>(which)];
  }

 private:
  observe::CounterCell* family_cells(observe::Family family, std::size_t entity);

  std::vector<std::uint8_t> usable_;  // scratch for pick_target
  std::unordered_map<std::string_view, std::size_t> route_index_;  // route_named's
  std::array<std::vector<observe::CounterCell*>, observe::kFamilyCount> family_cells_;
};

// An address the worker accepts client connections on.
struct ListenerSpec {
  tcp::endpoint endpoint;
  std::string address;          // as configured: the metric label
  bool proxy_protocol = false;  // connections start with a PROXY protocol header
  bool tls = false;             // connections start with a TLS handshake
  bool http2 = false;           // config::speaks_http2
};

// Where a connection was accepted, as its session needs to know.
struct AcceptedOn {
  std::uint32_t listener = 0;  // index in [server] listeners (and in a snapshot's listener_tls)
  bool proxy_protocol = false;
  // A plain listener whose clients may speak HTTP/2 with prior knowledge (h2c); on a TLS
  // listener ALPN decides.
  bool http2 = false;
  observe::TlsListenerCounters* tls = nullptr;  // the listener's counters; null: plain
  observe::ListenerBytes* bytes = nullptr;       // the listener's HTTP byte counts
};

class Worker final : public pipeline::WorkerServices {
 public:
  Worker(std::size_t index, observe::AccessLogQueue* access_log);
  ~Worker() override;
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Main thread, before start(): binds this worker's acceptors. `adopted[i]`, when there, are
  // listening sockets of listener i this worker takes instead of binding one (a binary upgrade's
  // hand-over, app/socket_handover.h): it accepts on each. Throws on failure.
  void listen(const std::vector<ListenerSpec>& listeners,
              const std::vector<std::vector<int>>& adopted = {});
  // Main thread, while the worker serves and before drain(): the descriptors of its listening
  // sockets, for a binary upgrade to hand over.
  std::vector<int> listening_handles() const;
  // Main thread: installs the first snapshot and starts the thread.
  void start(std::shared_ptr<const snapshot::Snapshot> snapshot);
  // Any thread: hands a new snapshot to the worker (requests in flight keep theirs).
  void publish(std::shared_ptr<const snapshot::Snapshot> snapshot);
  // Any thread: stop accepting, finish requests in flight (their answers say Connection: close),
  // and close keep-alive connections once they have been idle for kDrainIdleGrace.
  void drain();
  // Any thread: stop the loop and join the thread.
  void stop();
  std::int64_t active_connections() const {
    return metrics_.active_connections.load(std::memory_order_relaxed);
  }
  std::int64_t open_tunnels() const {
    return metrics_.open_tunnels.load(std::memory_order_relaxed);
  }
  net::io_context& context() { return context_; }

  std::size_t index() const { return index_; }

  // --- Worker thread only ---
  // The current snapshot and this worker's resources for it; hold the shared_ptr for as long as
  // a request uses them.
  const std::shared_ptr<WorkerSnapshot>& current() const { return current_; }
  observe::MetricsShard& metrics() { return metrics_; }
  BufferPool& buffers() { return buffers_; }
  ScratchPool& scratch() { return scratch_; }
  SmallBlockPool& small_blocks() { return small_blocks_; }
  StaleCache& stale_cache() { return stale_cache_; }
  // This worker's copies of the routes' regexes (the router matches with them).
  proxy::RegexCache& regexes() { return regexes_; }
  // Sends the copies of requests that routes mirror.
  MirrorSender& mirrors() { return mirrors_; }
  // The outbound HTTP client of filters and handlers (made on first use).
  store::http::HttpClient& http_client() override;
  // Made at start() from the first snapshot's [redis]; a reload that changes [redis] takes
  // effect at the next start (connections would otherwise be dropped under requests using them).
  store::redis::RedisClient* redis() override { return redis_.get(); }
  // A random number for this worker's picks (a weighted split without a sticky key).
  std::uint64_t random() { return random_.next(); }
  util::FastRandom& random_generator() { return random_; }
  // The Date header's value for answers the gateway makes.
  std::string_view date() { return date_.now(); }
  // Connections waiting in ClientSession::linger().
  std::size_t& lingering() { return lingering_; }
  // Requests that sent their upstream request and have not read the response yet.
  std::size_t& awaiting_upstream() { return awaiting_upstream_; }
  // Enough requests wait for upstream answers that the worker's queue is rarely empty: reads
  // that expect bytes soon let a pass of that queue go by and read on the spot (read_now.h).
  bool busy() const { return awaiting_upstream_ >= kBusyFrom; }
  static constexpr std::size_t kBusyFrom = 4;
  // Connections taken at once after an accept completes, when more are queued.
  static constexpr int kAcceptBurst = 64;
  DeadlineSweeper& sweeper() { return sweeper_; }
  observe::AccessLogQueue* access_log() { return access_log_; }
  // Main thread, before start(): where finished spans go (server/trace_exporter.h).
  void set_span_queue(observe::SpanQueue* spans) { spans_ = spans; }
  // A span to fill and hand to export_span(), which swaps it into the queue (its capacity comes
  // back with the slot's old span): no allocation per span once warm.
  observe::Span& span_scratch() { return span_scratch_; }
  void export_span(observe::Span& span) {
    if (spans_ != nullptr) spans_->push(span);
  }
  // Upstream failures logged per second by this worker (the rest are counted into the next line).
  util::LogLimiter& upstream_failure_log() { return upstream_failure_log_; }
  bool draining() const { return draining_; }
  // Client connections (HTTP/1 and HTTP/2), for drain() and shutdown.
  void add_connection(Connection& connection) { connections_.insert(&connection); }
  void remove_connection(Connection& connection) { connections_.erase(&connection); }

 private:
  void install(std::shared_ptr<const snapshot::Snapshot> snapshot);
  // Notes the current snapshot's routes the next one deleted (neither carried over nor named
  // again), and forgets the counters of those no request can reach any more.
  void retire_deleted_routes(const std::vector<bool>& carried,
                             const std::unordered_set<std::string_view>& looked_up);
  void forget_retired_routes();
  awaitable<void> accept_loop(tcp_acceptor& acceptor, AcceptedOn on);

  std::size_t index_;
  net::io_context context_;
  std::vector<std::unique_ptr<tcp_acceptor>> acceptors_;
  std::vector<AcceptedOn> accepted_on_;  // [acceptor]
  std::thread thread_;
  std::shared_ptr<WorkerSnapshot> current_;
  DeadlineSweeper sweeper_;
  BufferPool buffers_;
  ScratchPool scratch_;
  SmallBlockPool small_blocks_;
  proxy::RegexCache regexes_;
  // Routes a change deleted, with every snapshot that may still name them (the one replaced and
  // any older one a long request or a mirror copy still holds): their counters are forgotten once
  // none of those is in use any more (see install()).
  struct RetiringRoutes {
    std::vector<std::weak_ptr<WorkerSnapshot>> users;
    std::vector<std::string> names;
  };
  std::vector<RetiringRoutes> retiring_routes_;
  std::vector<std::weak_ptr<WorkerSnapshot>> replaced_snapshots_;  // those not released yet
  StaleCache stale_cache_;
  http::DateCache date_;
  util::FastRandom random_ = util::FastRandom::seeded();
  std::unique_ptr<store::http::HttpClient> http_client_;
  std::unique_ptr<store::redis::RedisClient> redis_;
  config::RedisConfig redis_config_;  // what redis_ was made from
  std::size_t lingering_ = 0;
  std::size_t awaiting_upstream_ = 0;
  observe::MetricsShard metrics_;
  observe::AccessLogQueue* access_log_;
  observe::SpanQueue* spans_ = nullptr;
  observe::Span span_scratch_;
  util::LogLimiter upstream_failure_log_{20};
  // Pools by upstream name and target address: kept across snapshots so unchanged targets keep
  // their connections.
  // A pool no snapshot names any more is dropped at the next install once no request holds it.
  std::unordered_map<std::string, std::shared_ptr<TargetPool>> pools_;
  std::unordered_set<Connection*> connections_;
  bool draining_ = false;
  // After pools_: queued jobs hold snapshots, and so pools, until it is destroyed.
  MirrorSender mirrors_;
};

}  // namespace apigw::server
