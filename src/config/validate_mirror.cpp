// The checks of a route's `mirror`: its upstream exists and is none of the route's own, the share
// is a percentage, and the copied body fits the mirror queue (server/mirror_queue.h).
#include <algorithm>

#include "config/detail.h"

namespace apigw::config::detail {
namespace {

// A job holds its body in memory while queued; a worker queues at most 8 MiB of them.
constexpr std::uint64_t kMaxMirrorBody = 1 << 20;

}  // namespace

void validate_mirror(const RouteConfig& route, const std::string& route_path,
                     const std::unordered_set<std::string_view>& known_upstreams,
                     const std::vector<std::string>& upstream_names,
                     const ValuePositions& positions, std::vector<ConfigError>& errors) {
  if (!route.mirror) return;
  const MirrorConfig& mirror = *route.mirror;
  const std::string prefix = route_path + ".mirror";
  const auto error = [&](const std::string& key, std::string message) {
    const std::string path = key.empty() ? prefix : prefix + "." + key;
    errors.push_back(
        {positions.at(path, positions.at(prefix, route.position)), std::move(message)});
  };
  if (route.handler) {
    error("", "route '" + route.name +
                  "' is answered by its handler: 'mirror' applies to routes with an upstream");
  }
  if (!mirror.upstream.empty()) {  // a missing one was reported during conversion
    if (!known_upstreams.contains(mirror.upstream)) {
      error("upstream", "mirror upstream '" + mirror.upstream + "' is not defined" +
                            did_you_mean(mirror.upstream, upstream_names));
    } else if (mirror.upstream == route.upstream) {
      error("upstream", "the mirror upstream must differ from the route's upstream");
    } else if (std::any_of(
                   route.upstreams.begin(), route.upstreams.end(),
                   [&](const UpstreamWeight& arm) { return arm.name == mirror.upstream; })) {
      error("upstream", "the mirror upstream must differ from every upstream of 'upstreams'");
    }
  }
  if (!(mirror.percent >= 0 && mirror.percent <= 100)) {  // NaN fails both
    error("percent", "mirror 'percent' must be between 0 and 100");
  }
  if (mirror.max_body_bytes > kMaxMirrorBody) {
    error("max_body_bytes", "mirror 'max_body_bytes' must be at most 1MiB");
  }
  if (mirror.timeout.count() <= 0) error("timeout", "'timeout' must be greater than zero");
}

}  // namespace apigw::config::detail
