// The checks of service routing: a route whose `upstream` is a path parameter ("{service}") must
// capture that parameter on every path and must say which upstreams it may reach (`services`),
// so that a path can never pick an arbitrary upstream of the gateway.
#include <algorithm>

#include "config/detail.h"

namespace apigw::config::detail {

void validate_services(const RouteConfig& route, const std::string& route_path,
                       const ValuePositions& positions, std::vector<ConfigError>& errors) {
  const auto error = [&](const std::string& key, std::string message) {
    const std::string path = route_path + "." + key;
    errors.push_back({positions.at(path, route.position), std::move(message)});
  };
  const bool selects = !route.services.allow.empty() || !route.services.tag.empty();
  const std::string& param = route.upstream_param;
  if (param.empty()) {
    if (selects) {
      error("services", "'services' applies to a route whose upstream is a path parameter, "
                        "such as upstream = \"{service}\"");
    }
    return;
  }
  const auto identifier = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  if (!std::all_of(param.begin(), param.end(), identifier)) {
    error("upstream", "invalid upstream parameter '" + route.upstream +
                          "' (a path parameter's name: letters, digits and '_')");
    return;
  }
  if (!selects) {
    error("upstream", "route '" + route.name + "' takes its upstream from the path ('" +
                          route.upstream +
                          "'): it needs 'services' with 'allow' (upstream names) or 'tag' to say "
                          "which upstreams may be reached");
  }
  const auto& paths = route.match.paths;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (!path_captures(paths[i], param)) {
      error("upstream", "route '" + route.name + "' takes its upstream from path parameter '" +
                            param + "', which its path " + std::to_string(i) + " ('" +
                            paths[i].value + "') does not capture");
    }
  }
  if (paths.empty()) {
    error("upstream", "route '" + route.name + "' takes its upstream from path parameter '" +
                          param + "': its match needs a path_template or path_regex capturing it");
  }
}

}  // namespace apigw::config::detail
