// Shared by the config and admin fuzz targets: the real filter and handler catalog, and the parts
// of build_snapshot() that compile a validated config (router, rewrites, filter chains, handlers).
// The snapshot builder throws on what validation should have refused, so a validated config that
// does not compile is a bug. Clusters are left out: they resolve target names in DNS.
#pragma once

#include <vector>

#include "config/schema.h"
#include "fuzz_check.h"
#include "handlers/registry.h"
#include "proxy/router/rewrite.h"
#include "proxy/router/router.h"
#include "proxy/traffic_split.h"
#include "snapshot/catalog.h"
#include "snapshot/snapshot.h"

namespace apigw::fuzz {

inline const snapshot::Catalog& catalog() {
  static const snapshot::Catalog instance;
  return instance;
}

inline void compile_like_a_snapshot(const config::Config& config) {
  const proxy::Router router = proxy::Router::build(config.routes);
  FUZZ_CHECK(router.route_count() == config.routes.size());
  std::vector<config::FilterRef> global_filters;
  for (const auto& plugin : config.plugins) {
    if (plugin.enabled && plugin.route.empty() && plugin.upstream.empty()) {
      global_filters.push_back(plugin.filter);
    }
  }
  (void)catalog().make_chain(global_filters, config);
  for (const auto& route : config.routes) {
    (void)proxy::PathRewrite::compile(route);
    (void)catalog().make_chain(snapshot::filters_of(route, config.plugins), config);
    std::vector<std::uint32_t> weights;
    for (const auto& arm : route.upstreams) {
      weights.push_back(arm.weight);
      (void)catalog().make_chain(snapshot::filters_of(route, arm.name, config.plugins), config);
    }
    if (!weights.empty()) (void)proxy::TrafficSplit(weights);  // throws on what should be refused
    if (route.handler) FUZZ_CHECK(handlers::make_handler(*route.handler, config) != nullptr);
  }
}

}  // namespace apigw::fuzz
