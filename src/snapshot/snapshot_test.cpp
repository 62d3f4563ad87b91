#include "snapshot/snapshot.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/loader.h"

namespace apigw::snapshot {
namespace {

// Two upstreams, routes that exercise each compiled field, and plugins at every scope. The
// plugins are all `headers` filters: which one ran is told by its settings pointer.
constexpr std::string_view kConfig = R"(
[server]
listen = ["127.0.0.1:8080"]
trusted_proxies = ["10.0.0.0/8"]
[server.limits]
max_body_bytes = "1MiB"
[admin]
listen = "127.0.0.1:9901"

[[upstreams]]
name = "api"
request_timeout = "7s"
targets = [{ address = "127.0.0.1:9001" }, { address = "127.0.0.1:9002" }]

[[upstreams]]
name = "spare"
targets = [{ address = "127.0.0.1:9003" }]

[[routes]]
name = "defaults"
match = { path_prefix = "/d" }
upstream = "spare"

[[routes]]
name = "tuned"
match = { path_prefix = "/t" }
upstream = "api"
timeout = "2s"
max_body_bytes = "64KiB"
max_buffered_body_bytes = "1MiB"
fallback = { upstream = "spare" }
filters = [{ name = "headers", request_set = { "x-own" = "1" } }]

[[plugins]]
name = "for-tuned"
filter = "headers"
route = "tuned"
config = { request_set = { "x-route" = "1" } }

[[plugins]]
name = "for-api"
filter = "headers"
upstream = "api"
config = { request_set = { "x-upstream" = "1" } }

[[plugins]]
name = "global"
filter = "headers"
config = { request_set = { "x-global" = "1" } }

[[plugins]]
name = "off"
filter = "headers"
enabled = false
config = { request_set = { "x-off" = "1" } }
)";

config::Config load(const Catalog& catalog, std::string_view text = kConfig) {
  auto result = config::load_config_text(text, "snapshot_test.toml", {}, catalog);
  std::string errors;
  for (const auto& error : result.errors) errors += error.to_string() + "\n";
  EXPECT_TRUE(result.config) << errors;
  return result.config ? *result.config : config::Config{};
}

// `text` with its first `from` replaced by `to`.
std::string replaced(std::string_view text, std::string_view from, std::string_view to) {
  std::string out(text);
  const std::size_t at = out.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) out.replace(at, from.size(), to);
  return out;
}

const config::PluginConfig& plugin(const config::Config& config, std::string_view name) {
  for (const auto& p : config.plugins) {
    if (p.name == name) return p;
  }
  throw std::runtime_error("no plugin " + std::string(name));
}

TEST(Snapshot, RoutesRunGlobalThenUpstreamThenRoutePluginsThenTheirOwnFilters) {
  const Catalog catalog;
  const config::Config config = load(catalog);
  const config::RouteConfig& tuned = config.routes[1];
  const auto refs = filters_of(tuned, config.plugins);
  ASSERT_EQ(refs.size(), 4u) << "the disabled plugin is left out";
  EXPECT_EQ(refs[0].settings, plugin(config, "global").filter.settings);
  EXPECT_EQ(refs[1].settings, plugin(config, "for-api").filter.settings);
  EXPECT_EQ(refs[2].settings, plugin(config, "for-tuned").filter.settings);
  EXPECT_EQ(refs[3].settings, tuned.filters[0].settings);
  const auto others = filters_of(config.routes[0], config.plugins);
  ASSERT_EQ(others.size(), 1u) << "another upstream's and another route's plugins do not apply";
  EXPECT_EQ(others[0].settings, plugin(config, "global").filter.settings);
}

TEST(Snapshot, AHandlerRouteRunsTheGlobalPluginsOnceAndNoOtherRoutesPlugins) {
  const Catalog catalog;
  const config::Config config = load(catalog, std::string(kConfig) + R"(
[[routes]]
name = "static"
match = { path_prefix = "/h" }
handler = { name = "static", body = "ok" }
)");
  // Plugins without an upstream are global or another route's ("for-tuned"): a route without an
  // upstream must not take them for its upstream's.
  const auto refs = filters_of(config.routes[2], config.plugins);
  ASSERT_EQ(refs.size(), 1u);
  EXPECT_EQ(refs[0].settings, plugin(config, "global").filter.settings);
}

TEST(Snapshot, CompiledRoutesTakeTheirUpstreamsTimeoutsAndLimits) {
  const Catalog catalog;
  std::vector<std::string> warnings;
  const auto snapshot = build_snapshot(load(catalog), 7, nullptr, catalog, warnings);
  EXPECT_EQ(snapshot->version, 7u);
  ASSERT_EQ(snapshot->routes.size(), 2u);
  ASSERT_EQ(snapshot->clusters.size(), 2u);

  const CompiledRoute& defaults = snapshot->routes[0];
  EXPECT_EQ(defaults.config->name, "defaults");
  ASSERT_EQ(defaults.arms.size(), 1u);
  EXPECT_EQ(defaults.arms[0].cluster_index, 1u);
  EXPECT_EQ(defaults.split.size(), 0u) << "no split";
  EXPECT_FALSE(defaults.fallback_cluster_index);
  EXPECT_EQ(defaults.arms[0].timeout, config::UpstreamConfig{}.request_timeout)
      << "no override: the upstream's request_timeout";
  EXPECT_EQ(defaults.max_body_bytes, 1u << 20) << "[server.limits] max_body_bytes";
  EXPECT_EQ(defaults.arms[0].chain->size(), 1u) << "the global plugin";

  const CompiledRoute& tuned = snapshot->routes[1];
  ASSERT_EQ(tuned.arms.size(), 1u);
  EXPECT_EQ(tuned.arms[0].cluster_index, 0u);
  ASSERT_TRUE(tuned.fallback_cluster_index);
  EXPECT_EQ(*tuned.fallback_cluster_index, 1u);
  EXPECT_EQ(tuned.arms[0].timeout, config::Duration(2000));
  EXPECT_EQ(tuned.max_body_bytes, 64u * 1024);
  EXPECT_EQ(tuned.max_buffered_body_bytes, 64u * 1024) << "never above the route's body limit";
  EXPECT_EQ(tuned.arms[0].chain->size(), 4u);
  EXPECT_EQ(snapshot->global_chain.size(), 1u);

  EXPECT_TRUE(snapshot->trusted_proxies.contains(*util::parse_ip("10.1.2.3")));
  EXPECT_FALSE(snapshot->trusted_proxies.contains(*util::parse_ip("192.0.2.1")));
}

TEST(Snapshot, TheUpstreamsRequestTimeoutAppliesWhenTheRouteSetsNone) {
  const Catalog catalog;
  const std::string text = replaced(kConfig, "timeout = \"2s\"\n", "");
  std::vector<std::string> warnings;
  const auto snapshot = build_snapshot(load(catalog, text), 1, nullptr, catalog, warnings);
  EXPECT_EQ(snapshot->routes[1].arms[0].timeout, config::Duration(7000));
}

TEST(Snapshot, ARebuildKeepsTheLiveStateOfTargetsThatStay) {
  const Catalog catalog;
  std::vector<std::string> warnings;
  const auto first = build_snapshot(load(catalog), 1, nullptr, catalog, warnings);
  first->clusters[0].targets[0].state->in_flight = 3;
  // The second build drops target 9002 and adds 9004.
  const std::string text = replaced(kConfig, "127.0.0.1:9002", "127.0.0.1:9004");
  const auto second = build_snapshot(load(catalog, text), 2, first.get(), catalog, warnings);
  const auto& before = first->clusters[0];
  const auto& after = second->clusters[0];
  EXPECT_EQ(after.targets[0].state, before.targets[0].state) << "same upstream, same address";
  EXPECT_EQ(after.targets[0].state->in_flight, 3);
  EXPECT_NE(after.targets[1].state, before.targets[1].state) << "a new target starts fresh";
  EXPECT_EQ(after.state, before.state) << "the upstream's own state carries over too";
  EXPECT_NE(second->clusters[1].state, before.state);
}

TEST(Snapshot, AChangeSharesTheChainsAndHandlersOfRoutesItLeavesAlone) {
  const Catalog catalog;
  std::vector<std::string> warnings;
  const std::string text = std::string(kConfig) + R"(
[[routes]]
name = "local"
match = { path = "/local" }
handler = { name = "static", status = 204 }
)";
  const auto first = build_snapshot(load(catalog, text), 1, nullptr, catalog, warnings);
  // An admin write: the same entities, but route "tuned" replaced by an edited copy.
  config::Config next = first->config;
  config::RouteConfig edited = next.routes[1];
  edited.timeout = config::Duration{3'000};
  next.routes.replace(1, std::make_shared<const config::RouteConfig>(std::move(edited)));
  const auto second = build_snapshot(next, 2, first.get(), catalog, warnings);
  EXPECT_EQ(second->routes[0].chains[0], first->routes[0].chains[0]) << "untouched: shared";
  EXPECT_EQ(second->routes[2].handler, first->routes[2].handler);
  EXPECT_NE(second->routes[1].chains[0], first->routes[1].chains[0]) << "edited: made anew";
  EXPECT_EQ(second->routes[1].arms[0].timeout, config::Duration{3'000});
  EXPECT_EQ(second->routes[0].arms[0].chain, second->routes[0].chains[0].get());

  // A new credential may change what key_auth filters know: every chain is made anew.
  config::Config with_credential = second->config;
  config::CredentialConfig credential;
  credential.consumer = "nobody";
  with_credential.credentials.push_back(credential);
  const auto third = build_snapshot(with_credential, 3, second.get(), catalog, warnings);
  EXPECT_NE(third->routes[0].chains[0], second->routes[0].chains[0]);
  EXPECT_NE(third->routes[2].handler, second->routes[2].handler);

  // So does a plugin change, and a file reload (every entity read afresh).
  config::Config without_plugin = third->config;
  without_plugin.plugins.erase(0);
  const auto fourth = build_snapshot(without_plugin, 4, third.get(), catalog, warnings);
  EXPECT_NE(fourth->routes[0].chains[0], third->routes[0].chains[0]);
  const auto reloaded = build_snapshot(load(catalog, text), 5, fourth.get(), catalog, warnings);
  EXPECT_NE(reloaded->routes[0].chains[0], fourth->routes[0].chains[0]);
}

// kConfig plus a third upstream without plugins and a split among the three.
std::string with_split() {
  return std::string(kConfig) + R"(
[[upstreams]]
name = "other"
targets = [{ address = "127.0.0.1:9004" }]

[[routes]]
name = "split"
match = { path_prefix = "/s" }
upstreams = [{ name = "api", weight = 90 }, { name = "spare", weight = 10 }, { name = "other", weight = 0 }]
sticky = "cookie:session"
)";
}

TEST(Snapshot, ASplitHasAnArmPerUpstreamWithThatUpstreamsPluginsAndTimeout) {
  const Catalog catalog;
  std::vector<std::string> warnings;
  const auto snapshot = build_snapshot(load(catalog, with_split()), 1, nullptr, catalog, warnings);
  const CompiledRoute& split = snapshot->routes[2];
  ASSERT_EQ(split.arms.size(), 3u);
  EXPECT_EQ(split.arms[0].cluster_index, 0u);
  EXPECT_EQ(split.arms[1].cluster_index, 1u);
  EXPECT_EQ(split.arms[2].cluster_index, 2u);
  EXPECT_EQ(split.arms[0].timeout, config::Duration(7000)) << "api's request_timeout";
  EXPECT_EQ(split.arms[1].timeout, config::UpstreamConfig{}.request_timeout);
  EXPECT_EQ(split.arms[0].chain->size(), 2u) << "the global plugin and api's";
  EXPECT_EQ(split.arms[1].chain->size(), 1u) << "the global plugin only";
  EXPECT_EQ(split.arms[2].chain, split.arms[1].chain) << "the same filters share a chain";
  EXPECT_EQ(split.chains.size(), 2u);
  EXPECT_EQ(split.split.size(), 3u);
  EXPECT_EQ(split.split.total(), 100u);
  ASSERT_TRUE(split.sticky);
  EXPECT_EQ(split.sticky->kind, config::HashOn::Kind::cookie);
  EXPECT_EQ(split.sticky->name, "session");
}

TEST(Snapshot, TheCatalogRefusesUnknownFiltersAndBadFilterSettings) {
  const Catalog catalog;
  const std::vector<std::string> names = catalog.filter_names();
  for (const char* name : {"headers", "cors", "key_auth", "forward_auth", "compression"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
  const std::string unknown =
      replaced(kConfig, "name = \"headers\", request_set", "name = \"hedaers\", request_set");
  auto result = config::load_config_text(unknown, "t.toml", {}, catalog);
  EXPECT_FALSE(result.config);
  ASSERT_FALSE(result.errors.empty());
  EXPECT_NE(result.errors[0].to_string().find("hedaers"), std::string::npos)
      << result.errors[0].to_string();
  const std::string bad =
      replaced(kConfig, "request_set = { \"x-own\" = \"1\" }", "request_set = 5");
  result = config::load_config_text(bad, "t.toml", {}, catalog);
  EXPECT_FALSE(result.config) << "the headers filter checks its own settings";
}

TEST(Snapshot, AMirroredRouteKnowsItsMirrorUpstreamAndShare) {
  const Catalog catalog;
  std::vector<std::string> warnings;
  const std::string text =
      replaced(kConfig, "upstream = \"spare\"\n",
               "upstream = \"spare\"\nmirror = { upstream = \"api\", percent = 0.5, "
               "max_body_bytes = \"8KiB\", timeout = \"300ms\" }\n");
  const auto snapshot = build_snapshot(load(catalog, text), 1, nullptr, catalog, warnings);
  ASSERT_TRUE(snapshot->routes[0].mirror);
  const RouteMirror& mirror = *snapshot->routes[0].mirror;
  EXPECT_EQ(mirror.cluster_index, 0u);
  EXPECT_EQ(mirror.per_million, 5'000u) << "0.5 %";
  EXPECT_EQ(mirror.max_body_bytes, 8u * 1024);
  EXPECT_EQ(mirror.timeout, config::Duration{300});
  EXPECT_FALSE(snapshot->routes[1].mirror) << "off unless configured";
}

}  // namespace
}  // namespace apigw::snapshot
