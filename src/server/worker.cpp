#include "server/worker.h"

#include <unistd.h>

#include <string_view>
#include <unordered_map>

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "proxy/circuit_breaker.h"
#include "proxy/outlier.h"
#include "server/client_session.h"
#include "store/http/http_client.h"
#include "store/redis/redis_client.h"
#include "util/log.h"

namespace apigw::server {

Worker::Worker(std::size_t index, observe::AccessLogQueue* access_log)
    // One thread runs this context and only it touches the worker's sockets (other threads reach
    // the worker through post()), so Asio may skip its per-socket locks; the scheduler's queue
    // stays locked for those posts.
    : index_(index),
      context_(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO),
      sweeper_(context_),
      access_log_(access_log),
      mirrors_(context_, sweeper_) {}

Worker::~Worker() {
  stop();
  // Connections still open (a drain that timed out, or no drain) are ended here, on this thread:
  // closing their sockets makes every pending wait complete, so their coroutines unwind and free
  // their sessions while the buffers, pools and metrics they use still exist. The bound only
  // matters if something keeps re-arming; then the io_context's destructor frees the rest.
  acceptors_.clear();
  std::vector<Connection*> connections(connections_.begin(), connections_.end());
  for (Connection* connection : connections) connection->abort();
  mirrors_.abort();
  sweeper_.stop();
  if (http_client_) http_client_->close_idle();
  if (redis_) redis_->close();
  context_.restart();
  context_.run_for(std::chrono::seconds(2));
  http_client_.reset();  // after the requests that used them have unwound
  redis_.reset();
}

observe::CounterCell* WorkerSnapshot::family_cells(observe::Family family, std::size_t entity) {
  const bool per_upstream = observe::family_spec(family).per == observe::CountedPer::upstream;
  auto& handles = family_cells_[static_cast<std::size_t>(family)];
  if (handles.empty()) {
    handles.resize(per_upstream ? snapshot->clusters.size() : snapshot->routes.size(), nullptr);
  }
  observe::CounterCell*& cells = handles[entity];
  if (cells == nullptr) {
    cells = metrics->cells(family, per_upstream ? snapshot->clusters[entity].config->name
                                                : snapshot->routes[entity].config->name);
  }
  return cells;
}

store::http::HttpClient& Worker::http_client() {
  if (!http_client_) http_client_ = std::make_unique<store::http::HttpClient>(context_);
  return *http_client_;
}

void Worker::listen(const std::vector<ListenerSpec>& listeners,
                    const std::vector<std::vector<int>>& adopted) {
  for (std::size_t i = 0; i < listeners.size(); ++i) {
    const tcp::endpoint& endpoint = listeners[i].endpoint;
    AcceptedOn on;
    on.listener = static_cast<std::uint32_t>(i);
    on.proxy_protocol = listeners[i].proxy_protocol;
    on.http2 = listeners[i].http2 && !listeners[i].tls;  // TLS: ALPN decides
    if (listeners[i].http2) metrics_.http2.enabled = true;
    // The map never moves its values: the pointer stays valid for the worker's life.
    if (listeners[i].tls) on.tls = &metrics_.tls[listeners[i].address];
    on.bytes = &metrics_.listener_bytes[listeners[i].address];
    if (i < adopted.size() && !adopted[i].empty()) {
      for (const int handle : adopted[i]) {
        auto acceptor = std::make_unique<tcp_acceptor>(context_);
        acceptor->assign(endpoint.protocol(), handle);
        acceptor->non_blocking(true);
        acceptors_.push_back(std::move(acceptor));
        accepted_on_.push_back(on);
      }
      continue;
    }
    accepted_on_.push_back(on);
    auto acceptor = std::make_unique<tcp_acceptor>(context_);
    acceptor->open(endpoint.protocol());
    acceptor->set_option(net::socket_base::reuse_address(true));
    // Every worker binds the same address; the kernel spreads new connections across them.
    const int enable = 1;
    if (::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &enable, sizeof enable) !=
        0) {
      throw std::runtime_error("SO_REUSEPORT is not available");
    }
    if (endpoint.address().is_v6()) acceptor->set_option(net::ip::v6_only(true));
    acceptor->bind(endpoint);
    acceptor->listen(4096);
    acceptor->non_blocking(true);  // for the accept burst in accept_loop
    acceptors_.push_back(std::move(acceptor));
  }
}

std::vector<int> Worker::listening_handles() const {
  std::vector<int> handles;
  for (const auto& acceptor : acceptors_) {
    if (acceptor->is_open()) handles.push_back(acceptor->native_handle());
  }
  return handles;
}

void Worker::start(std::shared_ptr<const snapshot::Snapshot> snapshot) {
  redis_config_ = snapshot->config.redis;
  if (redis_config_.enabled) {
    redis_ = std::make_unique<store::redis::RedisClient>(context_.get_executor(), redis_config_);
    redis_->start();
  }
  install(std::move(snapshot));
  sweeper_.start();
  for (std::size_t i = 0; i < acceptors_.size(); ++i) {
    net::co_spawn(context_, accept_loop(*acceptors_[i], accepted_on_[i]), net::detached);
  }
  thread_ = std::thread([this] { context_.run(); });
}

void Worker::publish(std::shared_ptr<const snapshot::Snapshot> snapshot) {
  net::post(context_,
            [this, snapshot = std::move(snapshot)]() mutable { install(std::move(snapshot)); });
}

void Worker::drain() {
  net::post(context_, [this] {
    draining_ = true;
    for (auto& acceptor : acceptors_) close_listening(*acceptor);
    // Copy: closing a session may remove it from the set.
    std::vector<Connection*> connections(connections_.begin(), connections_.end());
    for (Connection* connection : connections) connection->on_drain();
  });
}

void close_listening(tcp_acceptor& acceptor) {
  // Released, then closed: Asio's close() of a socket it opened itself skips EPOLL_CTL_DEL,
  // counting on the close to drop the registration — which it does not while another process
  // holds the socket (a binary upgrade's successor): this worker's epoll would go on waking up
  // for connections that are the successor's. release() removes the registration first.
  error_code ignored;
  const int handle = acceptor.release(ignored);
  if (handle >= 0) ::close(handle);
  acceptor.close(ignored);
}

void Worker::stop() {
  if (!thread_.joinable()) return;
  context_.stop();
  thread_.join();
}

namespace {
bool same_redis(const config::RedisConfig& a, const config::RedisConfig& b) {
  return a.enabled == b.enabled && a.url == b.url && a.password == b.password &&
         a.timeout == b.timeout && a.connect_timeout == b.connect_timeout &&
         a.reconnect_max == b.reconnect_max && a.pool_size == b.pool_size;
}
}  // namespace

void Worker::install(std::shared_ptr<const snapshot::Snapshot> snapshot) {
  if (index_ == 0 && current_ && !same_redis(redis_config_, snapshot->config.redis)) {
    util::log_warn("[redis] changed: the new settings take effect when apigw restarts");
  }
  auto next = std::make_shared<WorkerSnapshot>();
  // The previous snapshot's upstreams by name: an index, not a scan per upstream (1 M name
  // compares per snapshot at 1,000 upstreams).
  std::unordered_map<std::string_view, std::size_t> before_index;
  if (current_) {
    const auto& before = current_->snapshot->clusters;
    for (std::size_t i = 0; i < before.size(); ++i) before_index.emplace(before[i].config->name, i);
  }
  for (std::size_t c = 0; c < snapshot->clusters.size(); ++c) {
    const proxy::Cluster& cluster = snapshot->clusters[c];
    // A TLS upstream's pools are also keyed by its TLS settings and files: a change of CA, name
    // or client certificate must never hand out a connection verified under the old ones.
    const tls::UpstreamContext* tls = snapshot->upstream_tls_of(c);
    const std::string tls_key = tls != nullptr ? "\ntls " + tls->id() : std::string();
    std::vector<std::shared_ptr<TargetPool>> pools;
    std::vector<proxy::BalancerTarget> targets;
    auto& live = next->target_live.emplace_back();
    next->upstream_latency.push_back(&metrics_.upstream_latency(cluster.config->name));
    observe::CounterCell* const byte_cells =
        metrics_.cells(observe::Family::upstream_bytes, cluster.config->name);
    for (const auto& target : cluster.targets) {
      live.push_back(metrics_.live_targets.target(cluster.config->name, target.address));
      // Keyed by upstream and target: two upstreams naming one address keep their own settings.
      auto& pool = pools_[cluster.config->name + '\n' + target.address + tls_key];
      if (!pool) pool = std::make_shared<TargetPool>(sweeper_, buffers_);
      pool->configure(cluster.config->keepalive_max_idle, cluster.config->keepalive_idle_timeout);
      pool->count_bytes_in(byte_cells);
      pools.push_back(pool);
      targets.push_back({target.address, target.weight, &target.state->in_flight});
    }
    next->cluster_pools.push_back(std::move(pools));
    auto balancer = proxy::make_balancer(cluster.config->balancer, std::move(targets), index_);
    // The rotation of an upstream that stays goes on where it was.
    if (const auto found = before_index.find(cluster.config->name); found != before_index.end()) {
      balancer->carry_over(*current_->balancers[found->second]);
    }
    next->balancers.push_back(std::move(balancer));
  }
  // A route whose config entity is the one the current snapshot served (a write shares the
  // entities it did not touch) keeps its stats slot without a lookup by name: at 10,000 routes the
  // map lookups were most of an install. Both lists keep config order, so they are walked in step.
  const std::vector<snapshot::CompiledRoute>* before_routes =
      current_ ? &current_->snapshot->routes : nullptr;
  std::size_t before = 0;
  // Which routes of the current snapshot were carried over, and the names looked up instead:
  // together they tell the deleted routes in O(changed), not a set of every name.
  std::vector<bool> carried(before_routes != nullptr ? before_routes->size() : 0, false);
  std::unordered_set<std::string_view> looked_up;
  next->route_stats.reserve(snapshot->routes.size());
  for (const auto& route : snapshot->routes) {
    observe::RouteStats* stats = nullptr;
    if (before_routes != nullptr) {
      // Step over one removed route at most; anything else is looked up by name.
      for (const std::size_t at : {before, before + 1}) {
        if (at < before_routes->size() && (*before_routes)[at].config == route.config) {
          stats = current_->route_stats[at];
          carried[at] = true;
          before = at + 1;
          break;
        }
      }
    }
    if (stats == nullptr) {
      stats = &metrics_.route(route.config->name);
      looked_up.insert(route.config->name);
    }
    next->route_stats.push_back(stats);
  }
  retire_deleted_routes(carried, looked_up);
  next->metrics = &metrics_;
  next->snapshot = std::move(snapshot);
  // A route's mirror counters show, at zero, from the first snapshot that has its mirror.
  const auto& routes = next->snapshot->routes;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    if (routes[i].mirror) next->count(observe::Family::mirrors, i, observe::MirrorResult::sent);
  }
  const bool reloaded = current_ != nullptr;
  current_ = std::move(next);
  if (reloaded) {
    // Copy: a connection may end (and leave the set) on the news.
    std::vector<Connection*> connections(connections_.begin(), connections_.end());
    for (Connection* connection : connections)
      connection->on_reload(*current_);
  }
  metrics_.prune_websockets();  // before: a route retired now keeps its tunnels' counts a while
  forget_retired_routes();
  std::erase_if(pools_, [](const auto& entry) { return entry.second.use_count() == 1; });
  metrics_.live_targets.prune();
  regexes_.prune();  // routes kept by the change keep their regex copies
}

void Worker::retire_deleted_routes(const std::vector<bool>& carried,
                                   const std::unordered_set<std::string_view>& looked_up) {
  // A name the new snapshot uses again (a route deleted and added back) is not retired.
  for (RetiringRoutes& retiring : retiring_routes_) {
    std::erase_if(retiring.names,
                  [&](const std::string& name) { return looked_up.contains(name); });
  }
  std::erase_if(replaced_snapshots_, [](const auto& snapshot) { return snapshot.expired(); });
  replaced_snapshots_.push_back(current_);
  RetiringRoutes deleted{replaced_snapshots_, {}};
  for (std::size_t i = 0; i < carried.size(); ++i) {
    const std::string& name = current_->snapshot->routes[i].config->name;
    if (!carried[i] && !looked_up.contains(name)) deleted.names.push_back(name);
  }
  if (!deleted.names.empty()) retiring_routes_.push_back(std::move(deleted));
}

void Worker::forget_retired_routes() {
  std::erase_if(retiring_routes_, [this](const RetiringRoutes& retiring) {
    const bool in_use = std::any_of(retiring.users.begin(), retiring.users.end(),
                                    [](const auto& snapshot) { return !snapshot.expired(); });
    if (in_use) return false;  // a request (or a mirror copy) may still count into them
    for (const std::string& name : retiring.names) metrics_.forget_route(name);
    return true;
  });
}

const snapshot::CompiledRoute* WorkerSnapshot::route_named(std::string_view name) {
  if (route_index_.empty()) {
    route_index_.reserve(snapshot->routes.size());
    for (std::size_t i = 0; i < snapshot->routes.size(); ++i) {
      route_index_.emplace(snapshot->routes[i].config->name, i);
    }
  }
  const auto found = route_index_.find(name);
  return found != route_index_.end() ? &snapshot->routes[found->second] : nullptr;
}

namespace {

// Whether a target takes new requests as far as health goes: its health set by hand, else its
// health checks; never while it drains.
bool in_rotation(const proxy::Target& target) {
  if (target.drain) return false;
  switch (target.health) {
    case config::TargetConfig::Health::healthy:
      return true;
    case config::TargetConfig::Health::unhealthy:
      return false;
    case config::TargetConfig::Health::automatic:
      break;
  }
  return target.state->healthy.load(std::memory_order_relaxed);
}

}  // namespace

std::size_t WorkerSnapshot::pick_target(std::size_t cluster_index, std::optional<std::uint64_t> key,
                                        std::span<const std::uint8_t> avoid) {
  const auto& targets = snapshot->clusters[cluster_index].targets;
  proxy::Balancer& balancer = *balancers[cluster_index];
  usable_.resize(targets.size());
  const std::int64_t now = proxy::steady_now_ns();
  const config::CircuitBreakerConfig& breaker =
      snapshot->clusters[cluster_index].config->circuit_breaker;
  // Primaries first; backups only when no primary can take the request.
  for (const bool backups : {false, true}) {
    for (const bool honour_avoid : {true, false}) {
      bool any = false;
      for (std::size_t i = 0; i < targets.size(); ++i) {
        const bool avoided = honour_avoid && i < avoid.size() && avoid[i];
        bool expected = true;
        if (targets[i].state->ejection_logged.load(std::memory_order_relaxed) &&
            !targets[i].state->ejected(now) &&
            targets[i].state->ejection_logged.compare_exchange_strong(expected, false)) {
          // The first pick after an ejection ended tells it, once for all workers.
          util::log_info("upstream '" + snapshot->clusters[cluster_index].config->name +
                         "': target " + targets[i].address + " back in rotation after ejection");
        }
        bool half_open = false;
        usable_[i] = targets[i].backup == backups && !targets[i].endpoints.empty() && !avoided &&
                     !targets[i].state->ejected(now) && in_rotation(targets[i]) &&
                     (breaker.scope == config::CircuitBreakerConfig::Scope::upstream ||
                      proxy::breaker_admits(breaker, targets[i].state->breaker, now, &half_open));
        if (half_open) {
          const std::string& upstream = snapshot->clusters[cluster_index].config->name;
          count(observe::Family::breaker_transitions, cluster_index,
                observe::BreakerTransition::target_half_open)
              .add();
          util::log_info("upstream '" + upstream + "': circuit breaker of target " +
                         targets[i].address + " half_open");
        }
        any = any || usable_[i];
      }
      if (!any) {
        if (avoid.empty()) break;
        continue;
      }
      const std::size_t picked = balancer.pick(usable_, key);
      if (picked != proxy::Balancer::npos &&
          breaker.scope != config::CircuitBreakerConfig::Scope::upstream) {
        proxy::breaker_on_pick(targets[picked].state->breaker);
      }
      return picked;
    }
  }
  return proxy::Balancer::npos;
}

awaitable<void> Worker::accept_loop(tcp_acceptor& acceptor, AcceptedOn on) {
  steady_timer pause(context_);
  for (;;) {
    const auto limit = current_->snapshot->config.server.limits.max_connections;
    while (active_connections() >= static_cast<std::int64_t>(limit) && !draining_) {
      // At the limit, stop accepting: the kernel's backlog holds newcomers until a slot frees.
      pause.expires_after(std::chrono::milliseconds(10));
      co_await pause.async_wait(use_nothrow);
    }
    auto [ec, socket] = co_await acceptor.async_accept(use_nothrow);
    if (ec == net::error::operation_aborted || draining_) co_return;
    if (ec) {
      // EMFILE and friends: back off briefly instead of spinning.
      pause.expires_after(std::chrono::milliseconds(10));
      co_await pause.async_wait(use_nothrow);
      continue;
    }
    ClientSession::start(*this, std::move(socket), on);
    // Connections come in bursts (a client pool opening, a load balancer failing over): take the
    // others already queued now, rather than one per pass of the worker's queue.
    for (int more = 0;
         more < kAcceptBurst && active_connections() < static_cast<std::int64_t>(limit); ++more) {
      error_code burst_ec;
      tcp_socket next = acceptor.accept(burst_ec);
      if (burst_ec) break;  // nothing more queued (would_block), or an error the next wait sees
      ClientSession::start(*this, std::move(next), on);
    }
  }
}

}  // namespace apigw::server
