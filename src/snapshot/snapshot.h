// The immutable configuration snapshot: everything the data plane needs, compiled once from a
// validated Config. Workers hold it through shared_ptr<const Snapshot>; a request keeps the
// snapshot it started with, so a reload never changes a request halfway.
#pragma once

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
#include "snapshot/catalog.h"
#include "util/cidr.h"

namespace apigw::snapshot {

struct CompiledRoute {
  const config::RouteConfig* config = nullptr;
  std::size_t cluster_index = 0;
  std::optional<std::size_t> fallback_cluster_index;  // the route's fallback upstream, if any
  proxy::PathRewrite rewrite;
  pipeline::FilterChain chain;
  // Set when the gateway answers the route itself (config `handler`); then it has no upstream.
  std::unique_ptr<const pipeline::Handler> handler;
  std::uint64_t max_body_bytes = 0;
  std::uint64_t max_buffered_body_bytes = 0;  // bodies filters hold whole
  config::Duration timeout{};                 // route override or the upstream's request_timeout
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
  proxy::ResolvedAddresses resolved;     // what DNS said for named targets, for the next build
};

// Which upstreams a build resolves again (see build_snapshot).
using ResolveAgain = std::function<bool(const config::UpstreamConfig&)>;

// Builds a snapshot from a validated config. `previous` (may be null) supplies last good DNS
// answers. The targets of the upstreams `resolve_again` picks (every upstream when it is null)
// are resolved; the others keep `previous`'s answers where it has them. Warnings (e.g. a target
// that does not resolve) are appended, not fatal.
std::shared_ptr<const Snapshot> build_snapshot(config::Config config, std::uint64_t version,
                                               const Snapshot* previous, const Catalog& catalog,
                                               std::vector<std::string>& warnings,
                                               const ResolveAgain& resolve_again = nullptr);

// The filters a route runs: enabled plugins (global, then its upstream's, then its own), then
// the route's own filters list.
std::vector<config::FilterRef> filters_of(const config::RouteConfig& route,
                                          const config::SharedList<config::PluginConfig>& plugins);

}  // namespace apigw::snapshot
