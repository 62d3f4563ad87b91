#include "snapshot/snapshot.h"

namespace apigw::snapshot {

std::shared_ptr<const Snapshot> build_snapshot(config::Config config, std::uint64_t version,
                                               const Snapshot* previous,
                                               const filters::Registry& registry,
                                               std::vector<std::string>& warnings) {
  // Built in place: routes and clusters point into snapshot->config, so it must not move.
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->version = version;
  snapshot->config = std::move(config);
  const config::Config& cfg = snapshot->config;

  static const proxy::ResolvedAddresses kNothingKnown;
  const proxy::ResolvedAddresses& known = previous ? previous->resolved : kNothingKnown;
  for (const auto& upstream : cfg.upstreams) {
    snapshot->clusters.push_back(
        proxy::build_cluster(upstream, known, snapshot->resolved, warnings));
  }

  snapshot->router = proxy::Router::build(cfg.routes);
  for (const auto& route : cfg.routes) {
    CompiledRoute compiled;
    compiled.config = &route;
    for (std::size_t i = 0; i < cfg.upstreams.size(); ++i) {
      if (cfg.upstreams[i].name == route.upstream) compiled.cluster_index = i;
    }
    compiled.rewrite = proxy::PathRewrite::compile(route);
    compiled.chain = registry.make_chain(route.filters);
    compiled.max_body_bytes = route.max_body_bytes.value_or(cfg.server.limits.max_body_bytes);
    compiled.timeout =
        route.timeout.value_or(cfg.upstreams[compiled.cluster_index].request_timeout);
    snapshot->routes.push_back(std::move(compiled));
  }
  return snapshot;
}

}  // namespace apigw::snapshot
