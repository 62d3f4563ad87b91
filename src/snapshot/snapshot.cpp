#include "snapshot/snapshot.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string_view>
#include <unordered_map>

#include "tls/upstream_context.h"

namespace apigw::snapshot {
namespace {

std::optional<RouteMirror> compile_mirror(
    const config::MirrorConfig& mirror,
    const std::unordered_map<std::string_view, std::size_t>& cluster_of) {
  const auto found = cluster_of.find(mirror.upstream);
  if (found == cluster_of.end()) return std::nullopt;  // refused at load
  RouteMirror out;
  out.cluster_index = found->second;
  out.per_million = static_cast<std::uint32_t>(std::llround(mirror.percent * 10'000));
  out.max_body_bytes = mirror.max_body_bytes;
  out.timeout = mirror.timeout;
  return out;
}

}  // namespace

namespace {

// The arm of `upstream` (empty for a handler route), with `chain`.
RouteArm arm_of(const config::RouteConfig& route, std::string_view upstream,
                const pipeline::FilterChain& chain, const config::Config& cfg,
                const std::unordered_map<std::string_view, std::size_t>& cluster_of) {
  RouteArm arm;
  arm.chain = &chain;
  config::Duration default_timeout = config::UpstreamConfig{}.request_timeout;
  if (const auto found = cluster_of.find(upstream); found != cluster_of.end()) {
    arm.cluster_index = found->second;
    default_timeout = cfg.upstreams[found->second].request_timeout;
  }
  arm.timeout = route.timeout.value_or(default_timeout);
  return arm;
}

// The arms of a route whose upstream a path parameter names: one per upstream its `services`
// allows (by name or tag) that exists, with that upstream's plugins. Never taken from the previous
// snapshot: which upstreams carry the tag may have changed with the route left as it was.
void compile_service_arms(const config::RouteConfig& route, const config::Config& cfg,
                          const std::unordered_map<std::string_view, std::size_t>& cluster_of,
                          const Catalog& catalog, CompiledRoute& compiled) {
  compiled.by_service = true;
  std::vector<std::size_t> selected;
  for (std::size_t i = 0; i < cfg.upstreams.size(); ++i) {
    const config::UpstreamConfig& upstream = cfg.upstreams[i];
    const auto& allow = route.services.allow;
    const auto& tags = upstream.meta.tags;
    if (std::find(allow.begin(), allow.end(), upstream.name) != allow.end() ||
        (!route.services.tag.empty() &&
         std::find(tags.begin(), tags.end(), route.services.tag) != tags.end())) {
      selected.push_back(i);
    }
  }
  std::vector<std::vector<config::FilterRef>> lists;
  for (const std::size_t i : selected) {
    std::vector<config::FilterRef> refs = filters_of(route, cfg.upstreams[i].name, cfg.plugins);
    const auto same = std::find_if(lists.begin(), lists.end(), [&](const auto& list) {
      return std::equal(list.begin(), list.end(), refs.begin(), refs.end(),
                        [](const config::FilterRef& a, const config::FilterRef& b) {
                          return a.settings == b.settings && a.name == b.name;
                        });
    });
    const auto chain = static_cast<std::size_t>(same - lists.begin());
    if (same == lists.end()) {
      lists.push_back(std::move(refs));
      compiled.chains.push_back(
          std::make_shared<const pipeline::FilterChain>(catalog.make_chain(lists.back(), cfg)));
    }
    const std::string& name = cfg.upstreams[i].name;
    compiled.arms.push_back(arm_of(route, name, *compiled.chains[chain], cfg, cluster_of));
    compiled.service_arms.emplace_back(name, compiled.arms.size() - 1);
  }
  std::sort(compiled.service_arms.begin(), compiled.service_arms.end());
}

// A route's arms: its upstream (or none, for a handler), or one per entry of its `upstreams`, each
// with the filters of its own upstream's plugins; arms with the same filters share one chain.
// `kept` (may be null) is the same route in the previous snapshot, whose chains can be reused.
void compile_arms(const config::RouteConfig& route, const config::Config& cfg,
                  const std::unordered_map<std::string_view, std::size_t>& cluster_of,
                  const Catalog& catalog, const CompiledRoute* kept, CompiledRoute& compiled) {
  const auto make_chain = [&](const std::vector<config::FilterRef>& refs) {
    return std::make_shared<const pipeline::FilterChain>(catalog.make_chain(refs, cfg));
  };
  if (!route.upstream_param.empty()) {
    compile_service_arms(route, cfg, cluster_of, catalog, compiled);
    return;
  }
  if (route.upstreams.empty()) {
    compiled.chains.push_back(kept != nullptr ? kept->chains.front()
                                              : make_chain(filters_of(route, cfg.plugins)));
    compiled.arms.push_back(arm_of(route, route.upstream, *compiled.chains[0], cfg, cluster_of));
    return;
  }
  std::vector<std::uint32_t> weights;
  std::vector<std::vector<config::FilterRef>> lists;  // the filters of each chain
  std::vector<std::size_t> chain_of;                  // [arm]
  for (const auto& arm : route.upstreams) {
    weights.push_back(arm.weight);
    std::vector<config::FilterRef> refs = filters_of(route, arm.name, cfg.plugins);
    const auto same = std::find_if(lists.begin(), lists.end(), [&](const auto& list) {
      return std::equal(list.begin(), list.end(), refs.begin(), refs.end(),
                        [](const config::FilterRef& a, const config::FilterRef& b) {
                          return a.settings == b.settings && a.name == b.name;
                        });
    });
    chain_of.push_back(static_cast<std::size_t>(same - lists.begin()));
    if (same == lists.end()) lists.push_back(std::move(refs));
  }
  compiled.split = proxy::TrafficSplit(weights);
  compiled.sticky = route.sticky;
  if (kept != nullptr) {
    compiled.chains = kept->chains;  // the same route and plugins give the same lists, in order
  } else {
    for (const auto& refs : lists) compiled.chains.push_back(make_chain(refs));
  }
  compiled.arms.reserve(route.upstreams.size());
  for (std::size_t i = 0; i < route.upstreams.size(); ++i) {
    compiled.arms.push_back(
        arm_of(route, route.upstreams[i].name, *compiled.chains[chain_of[i]], cfg, cluster_of));
  }
}

// Whether two lists hold the very same entities, in the same order (a write shares the entities
// it does not touch, so this is how a build tells "unchanged" without comparing contents).
template <typename T>
bool same_entities(const config::SharedList<T>& a, const config::SharedList<T>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a.shared(i) != b.shared(i)) return false;
  }
  return true;
}

// The previous snapshot's compiled routes whose chains and handler the new one may share, by
// route entity: none when the plugins changed (they decide which filters run) or the entities
// filters read when they are made (key_auth indexes credentials and consumers); also none across
// a file reload, which reads every entity afresh.
std::unordered_map<const config::RouteConfig*, const CompiledRoute*> reusable_routes(
    const Snapshot* previous, const config::Config& cfg) {
  std::unordered_map<const config::RouteConfig*, const CompiledRoute*> reusable;
  if (previous == nullptr || !same_entities(previous->config.plugins, cfg.plugins) ||
      !same_entities(previous->config.credentials, cfg.credentials) ||
      !same_entities(previous->config.consumers, cfg.consumers)) {
    return reusable;
  }
  reusable.reserve(previous->routes.size());
  for (const CompiledRoute& route : previous->routes) reusable.emplace(route.config, &route);
  return reusable;
}

// Each upstream's TLS client context: the previous snapshot's while its settings and files are
// unchanged (same upstream name), else a new one.
void build_upstream_tls(Snapshot& snapshot, const Snapshot* previous,
                        std::vector<std::string>& warnings) {
  std::unordered_map<std::string_view, const std::shared_ptr<const tls::UpstreamContext>*> before;
  if (previous != nullptr) {
    for (std::size_t i = 0; i < previous->upstream_tls.size(); ++i) {
      if (previous->upstream_tls[i] != nullptr) {
        before.emplace(previous->clusters[i].config->name, &previous->upstream_tls[i]);
      }
    }
  }
  static const std::shared_ptr<const tls::UpstreamContext> kNone;
  snapshot.upstream_tls.reserve(snapshot.clusters.size());
  for (const proxy::Cluster& cluster : snapshot.clusters) {
    const config::UpstreamConfig& upstream = *cluster.config;
    if (!upstream.tls) {
      snapshot.upstream_tls.push_back(nullptr);
      continue;
    }
    const auto found = before.find(upstream.name);
    snapshot.upstream_tls.push_back(tls::build_upstream_context(
        *upstream.tls, upstream.name, found != before.end() ? *found->second : kNone, warnings));
  }
}

}  // namespace

std::shared_ptr<Snapshot> build_snapshot(config::Config config, std::uint64_t version,
                                         const Snapshot* previous, const Catalog& catalog,
                                         std::vector<std::string>& warnings,
                                         const ResolveAgain& resolve_again) {
  // Built in place: routes and clusters point into snapshot->config, so it must not move.
  auto snapshot = std::make_shared<Snapshot>();
  // Until the gateway builds new ones (a reload, a certificate change), the listeners keep their
  // TLS contexts: a snapshot made for other reasons (DNS answers) must not drop them.
  if (previous != nullptr) snapshot->listener_tls = previous->listener_tls;
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
  build_upstream_tls(*snapshot, previous, warnings);

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
  const auto reusable = reusable_routes(previous, cfg);
  // Open tunnel counts go on by route name: a tunnel opened under the previous snapshot still
  // counts. The index is made only when a route is not carried over as it was.
  std::unordered_map<std::string_view, std::shared_ptr<RouteTunnels>> tunnels;
  bool tunnels_indexed = previous == nullptr;
  snapshot->routes.reserve(cfg.routes.size());
  for (const auto& route : cfg.routes) {
    CompiledRoute compiled;
    compiled.config = &route;
    const auto found = reusable.find(&route);
    const CompiledRoute* kept = found != reusable.end() ? found->second : nullptr;
    compile_arms(route, cfg, cluster_of, catalog, kept, compiled);
    if (route.fallback.enabled) {
      if (const auto found = cluster_of.find(route.fallback.upstream); found != cluster_of.end()) {
        compiled.fallback_cluster_index = found->second;
      }
    }
    if (route.mirror) compiled.mirror = compile_mirror(*route.mirror, cluster_of);
    compiled.rewrite = proxy::PathRewrite::compile(route);
    if (route.handler) {
      compiled.handler = kept != nullptr ? kept->handler
                                         : std::shared_ptr<const pipeline::Handler>(
                                               handlers::make_handler(*route.handler, cfg));
    }
    compiled.max_body_bytes = route.max_body_bytes.value_or(cfg.server.limits.max_body_bytes);
    compiled.max_buffered_body_bytes =
        std::min(route.max_buffered_body_bytes, compiled.max_body_bytes);
    if (kept != nullptr) {
      compiled.tunnels = kept->tunnels;
    } else {
      if (!tunnels_indexed) {
        for (const CompiledRoute& before : previous->routes) {
          tunnels.emplace(before.config->name, before.tunnels);
        }
        tunnels_indexed = true;
      }
      const auto found = tunnels.find(route.name);
      compiled.tunnels =
          found != tunnels.end() ? found->second : std::make_shared<RouteTunnels>();
    }
    snapshot->routes.push_back(std::move(compiled));
  }
  return snapshot;
}

const RouteArm* CompiledRoute::service_arm(std::string_view name) const {
  const auto found = std::lower_bound(
      service_arms.begin(), service_arms.end(), name,
      [](const std::pair<std::string_view, std::size_t>& arm, std::string_view n) {
        return arm.first < n;
      });
  return found != service_arms.end() && found->first == name ? &arms[found->second] : nullptr;
}

std::vector<config::FilterRef> filters_of(const config::RouteConfig& route,
                                          std::string_view upstream,
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
  add([&](const config::PluginConfig& p) { return !upstream.empty() && p.upstream == upstream; });
  add([&](const config::PluginConfig& p) { return p.route == route.name; });
  refs.insert(refs.end(), route.filters.begin(), route.filters.end());
  return refs;
}

}  // namespace apigw::snapshot
