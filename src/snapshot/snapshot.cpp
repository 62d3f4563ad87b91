#include "snapshot/snapshot.h"

#include <algorithm>
#include <map>
#include <string_view>
#include <unordered_map>

namespace apigw::snapshot {

std::shared_ptr<const Snapshot> build_snapshot(config::Config config, std::uint64_t version,
                                               const Snapshot* previous, const Catalog& catalog,
                                               std::vector<std::string>& warnings,
                                               const ResolveAgain& resolve_again) {
  // Built in place: routes and clusters point into snapshot->config, so it must not move.
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->version = version;
  snapshot->config = std::move(config);
  const config::Config& cfg = snapshot->config;

  static const proxy::ResolvedAddresses kNothingKnown;
  const proxy::ResolvedAddresses& known = previous ? previous->resolved : kNothingKnown;
  // Live target state (in-flight counts) carries over to the same target of the same upstream.
  std::map<std::string, std::shared_ptr<proxy::TargetState>> states;
  std::map<std::string, std::shared_ptr<proxy::UpstreamState>> upstream_states;
  if (previous != nullptr) {
    for (const auto& cluster : previous->clusters) {
      upstream_states.emplace(cluster.config->name, cluster.state);
      for (const auto& target : cluster.targets) {
        states.emplace(cluster.config->name + '\n' + target.address, target.state);
      }
    }
  }
  snapshot->clusters.reserve(cfg.upstreams.size());
  for (const auto& upstream : cfg.upstreams) {
    proxy::Cluster cluster = proxy::build_cluster(upstream, known, snapshot->resolved, warnings,
                                                  !resolve_again || resolve_again(upstream));
    for (auto& target : cluster.targets) {
      const auto found = states.find(upstream.name + '\n' + target.address);
      target.state = found != states.end() ? found->second : std::make_shared<proxy::TargetState>();
    }
    const auto known_upstream = upstream_states.find(upstream.name);
    cluster.state = known_upstream != upstream_states.end()
                        ? known_upstream->second
                        : std::make_shared<proxy::UpstreamState>();
    snapshot->clusters.push_back(std::move(cluster));
  }

  snapshot->router = proxy::Router::build(cfg.routes);
  std::vector<config::FilterRef> global_filters;
  for (const auto& plugin : cfg.plugins) {
    if (plugin.enabled && plugin.route.empty() && plugin.upstream.empty()) {
      global_filters.push_back(plugin.filter);
    }
  }
  snapshot->global_chain = catalog.make_chain(global_filters, cfg);
  std::vector<util::Cidr> trusted;
  for (const auto& block : cfg.server.trusted_proxies) {
    if (auto cidr = util::parse_cidr(block)) trusted.push_back(*cidr);  // validated at load
  }
  snapshot->trusted_proxies = util::CidrSet(trusted);
  // An index, not a scan per route (routes x upstreams: 10 M compares at 10,000 x 1,000). Names
  // are unique in a validated config.
  std::unordered_map<std::string_view, std::size_t> cluster_of;
  for (std::size_t i = 0; i < cfg.upstreams.size(); ++i)
    cluster_of.emplace(cfg.upstreams[i].name, i);
  snapshot->routes.reserve(cfg.routes.size());
  for (const auto& route : cfg.routes) {
    CompiledRoute compiled;
    compiled.config = &route;
    if (const auto found = cluster_of.find(route.upstream); found != cluster_of.end()) {
      compiled.cluster_index = found->second;
    }
    if (route.fallback.enabled) {
      if (const auto found = cluster_of.find(route.fallback.upstream); found != cluster_of.end()) {
        compiled.fallback_cluster_index = found->second;
      }
    }
    compiled.rewrite = proxy::PathRewrite::compile(route);
    compiled.chain = catalog.make_chain(filters_of(route, cfg.plugins), cfg);
    if (route.handler) compiled.handler = handlers::make_handler(*route.handler, cfg);
    compiled.max_body_bytes = route.max_body_bytes.value_or(cfg.server.limits.max_body_bytes);
    compiled.max_buffered_body_bytes =
        std::min(route.max_buffered_body_bytes, compiled.max_body_bytes);
    const config::Duration default_timeout =
        compiled.cluster_index < cfg.upstreams.size()
            ? cfg.upstreams[compiled.cluster_index].request_timeout
            : config::UpstreamConfig{}.request_timeout;
    compiled.timeout = route.timeout.value_or(default_timeout);
    snapshot->routes.push_back(std::move(compiled));
  }
  return snapshot;
}

std::vector<config::FilterRef> filters_of(const config::RouteConfig& route,
                                          const config::SharedList<config::PluginConfig>& plugins) {
  // Broadest first: global plugins, then the upstream's, then the route's, then the route's own
  // filters list, so the most specific filter has the last word on what it edits.
  std::vector<config::FilterRef> refs;
  const auto add = [&](auto&& applies) {
    for (const auto& plugin : plugins) {
      if (plugin.enabled && applies(plugin)) refs.push_back(plugin.filter);
    }
  };
  add([](const config::PluginConfig& p) { return p.route.empty() && p.upstream.empty(); });
  // A handler route has no upstream: plugins without one are global or another route's.
  add([&](const config::PluginConfig& p) {
    return !route.upstream.empty() && p.upstream == route.upstream;
  });
  add([&](const config::PluginConfig& p) { return p.route == route.name; });
  refs.insert(refs.end(), route.filters.begin(), route.filters.end());
  return refs;
}

}  // namespace apigw::snapshot
