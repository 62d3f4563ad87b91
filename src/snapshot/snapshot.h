// The immutable configuration snapshot: everything the data plane needs, compiled once from a
// validated Config. Workers hold it through shared_ptr<const Snapshot>; a request keeps the
// snapshot it started with, so a reload never changes a request halfway.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/schema.h"
#include "pipeline/filter.h"
#include "pipeline/handler.h"
#include "proxy/cluster.h"
#include "proxy/router/rewrite.h"
#include "proxy/router/router.h"
#include "proxy/traffic_split.h"
#include "snapshot/catalog.h"
#include "util/cidr.h"

namespace apigw::tls {
class ServerContexts;
class UpstreamContext;
}  // namespace apigw::tls

namespace apigw::snapshot {

// One way a route is served: the upstream it proxies to, the filters that run, and the timeout. A
// route has one arm, or one per entry of its `upstreams` (a weighted split); a handler route has
// one arm whose cluster_index means nothing.
struct RouteArm {
  std::size_t cluster_index = 0;
  const pipeline::FilterChain* chain = nullptr;  // one of the route's `chains`
  config::Duration timeout{};                    // route override or the upstream's request_timeout
};

// Where and how much of a route's traffic is copied (config `mirror`; server/mirror_sender.h).
struct RouteMirror {
  std::size_t cluster_index = 0;
  std::uint32_t per_million = 0;  // requests copied per million
  std::uint64_t max_body_bytes = 0;
  config::Duration timeout{};
};

// The open WebSocket tunnels of a route on every worker, for its max_connections. Carried from
// snapshot to snapshot by route name, like an upstream's state: tunnels outlive reloads.
struct RouteTunnels {
  std::atomic<std::int64_t> open{0};
};

struct CompiledRoute {
  const config::RouteConfig* config = nullptr;
  std::vector<RouteArm> arms;
  // Which arm serves a request of a route with `upstreams` (empty otherwise): by the hash of the
  // `sticky` key, or at random when the route has none or the request lacks it.
  proxy::TrafficSplit split;
  std::optional<config::HashOn> sticky;
  std::optional<std::size_t> fallback_cluster_index;  // the route's fallback upstream, if any
  proxy::PathRewrite rewrite;
  // The filter chains of the arms: one per distinct filter list (arms whose upstreams have the
  // same plugins share one). Shared with the next snapshot when the change leaves the route, the
  // plugins and the entities filters read (credentials, consumers) alone: filter state such as
  // a forward_auth cache then survives the change, and a write costs O(changed routes) chains.
  std::vector<std::shared_ptr<const pipeline::FilterChain>> chains;
  // Set when the gateway answers the route itself (config `handler`); then it has no upstream.
  // Shared with the next snapshot while the route entity is the same.
  std::shared_ptr<const pipeline::Handler> handler;
  std::uint64_t max_body_bytes = 0;
  std::uint64_t max_buffered_body_bytes = 0;  // bodies filters hold whole
  std::optional<RouteMirror> mirror;
  std::shared_ptr<RouteTunnels> tunnels;  // never null
  // `upstream = "{param}"`: the arm of each upstream `services` lets the path name, by name
  // (sorted); a name not here is answered 404.
  bool by_service = false;
  std::vector<std::pair<std::string_view, std::size_t>> service_arms;
  // The arm for the upstream `name` (null: not one the route may reach).
  const RouteArm* service_arm(std::string_view name) const;
};

struct Snapshot {
  std::uint64_t version = 0;
  config::Config config;
  proxy::Router router;
  std::vector<CompiledRoute> routes;  // same order as config.routes
  // The global plugins: the response phase of answers given before a route is known (404,
  // invalid path), so that their headers (CORS, say) are on every answer.
  pipeline::FilterChain global_chain;
  util::CidrSet trusted_proxies;         // [server] trusted_proxies
  std::vector<proxy::Cluster> clusters;  // same order as config.upstreams
  // The TLS client context of each upstream (same order as clusters; null: plain HTTP), reused
  // from the previous snapshot while the upstream's tls settings and files are unchanged
  // (tls/upstream_context.h). One that failed to build answers the upstream's requests 502.
  std::vector<std::shared_ptr<const tls::UpstreamContext>> upstream_tls;
  // upstream_tls[cluster] without the shared_ptr (null: plain, or a snapshot made without them).
  const tls::UpstreamContext* upstream_tls_of(std::size_t cluster) const {
    return cluster < upstream_tls.size() ? upstream_tls[cluster].get() : nullptr;
  }
  proxy::ResolvedAddresses resolved;  // what DNS said for named targets, for the next build
  // The TLS contexts of each listener (same order as config.server.listeners; null: plain),
  // built by the gateway before it publishes the snapshot (a certificate that fails to load
  // keeps the previous contexts; tls/server_contexts.h).
  std::vector<std::shared_ptr<const tls::ServerContexts>> listener_tls;
};

// Which upstreams a build resolves again (see build_snapshot).
using ResolveAgain = std::function<bool(const config::UpstreamConfig&)>;

// Builds a snapshot from a validated config (mutable until published: the gateway adds the
// listeners' TLS contexts). `previous` (may be null) supplies last good DNS
// answers and the upstreams' TLS contexts to reuse. The targets of the upstreams `resolve_again`
// picks (every upstream when it is null) are resolved; the others keep `previous`'s answers where
// it has them. Warnings (e.g. a target that does not resolve) are appended, not fatal.
std::shared_ptr<Snapshot> build_snapshot(config::Config config, std::uint64_t version,
                                         const Snapshot* previous, const Catalog& catalog,
                                         std::vector<std::string>& warnings,
                                         const ResolveAgain& resolve_again = nullptr);

// The filters a route runs when it proxies to `upstream` (its `upstream`, or the upstream of an arm
// of its split; empty for a handler route): enabled plugins (global, then the upstream's, then the
// route's), then the route's own filters list.
std::vector<config::FilterRef> filters_of(const config::RouteConfig& route,
                                          std::string_view upstream,
                                          const config::SharedList<config::PluginConfig>& plugins);
// The same for the route's own `upstream`.
inline std::vector<config::FilterRef> filters_of(
    const config::RouteConfig& route, const config::SharedList<config::PluginConfig>& plugins) {
  return filters_of(route, route.upstream, plugins);
}

}  // namespace apigw::snapshot
