// Target resolution: numeric addresses, names, and keeping the last good addresses when a
// re-resolution fails (RFC 6761 guarantees that ".invalid" names never resolve).
#include "proxy/cluster.h"

#include <gtest/gtest.h>

namespace apigw::proxy {
namespace {

config::UpstreamConfig upstream_with(std::vector<std::string> addresses) {
  config::UpstreamConfig upstream;
  upstream.name = "u";
  for (auto& address : addresses) upstream.targets.push_back({.address = std::move(address)});
  return upstream;
}

TEST(Cluster, NumericTargetsResolveWithoutDns) {
  const auto upstream = upstream_with({"127.0.0.1:9001", "[::1]:9002"});
  ResolvedAddresses resolved;
  std::vector<std::string> warnings;
  const Cluster cluster = build_cluster(upstream, {}, resolved, warnings);
  ASSERT_EQ(cluster.targets.size(), 2u);
  ASSERT_EQ(cluster.targets[0].endpoints.size(), 1u);
  EXPECT_EQ(cluster.targets[0].endpoints[0],
            Endpoint(boost::asio::ip::make_address("127.0.0.1"), 9001));
  ASSERT_EQ(cluster.targets[1].endpoints.size(), 1u);
  EXPECT_EQ(cluster.targets[1].endpoints[0], Endpoint(boost::asio::ip::make_address("::1"), 9002));
  EXPECT_EQ(cluster.targets[1].host, "::1");
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(resolved.size(), 2u);
}

TEST(Cluster, NamedTargetResolvesThroughTheSystemResolver) {
  const auto upstream = upstream_with({"localhost:9003"});
  ResolvedAddresses resolved;
  std::vector<std::string> warnings;
  const Cluster cluster = build_cluster(upstream, {}, resolved, warnings);
  ASSERT_FALSE(cluster.targets[0].endpoints.empty()) << (warnings.empty() ? "" : warnings[0]);
  for (const Endpoint& endpoint : cluster.targets[0].endpoints) {
    EXPECT_TRUE(endpoint.address().is_loopback()) << endpoint;
    EXPECT_EQ(endpoint.port(), 9003);
  }
}

TEST(Cluster, FailedResolutionKeepsTheLastGoodAddresses) {
  const auto upstream = upstream_with({"backend.invalid:80"});
  const Endpoint last_good(boost::asio::ip::make_address("127.0.0.7"), 80);
  const ResolvedAddresses previous{{"backend.invalid:80", {last_good}}};
  ResolvedAddresses resolved;
  std::vector<std::string> warnings;
  const Cluster cluster = build_cluster(upstream, previous, resolved, warnings);
  ASSERT_EQ(cluster.targets[0].endpoints.size(), 1u);
  EXPECT_EQ(cluster.targets[0].endpoints[0], last_good);
  EXPECT_EQ(resolved.at("backend.invalid:80"), std::vector<Endpoint>{last_good});
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("keeping the last good addresses"), std::string::npos) << warnings[0];
}

TEST(Cluster, FailedFirstResolutionLeavesTheTargetUnavailable) {
  const auto upstream = upstream_with({"backend.invalid:80", "127.0.0.1:9001"});
  ResolvedAddresses resolved;
  std::vector<std::string> warnings;
  const Cluster cluster = build_cluster(upstream, {}, resolved, warnings);
  EXPECT_TRUE(cluster.targets[0].endpoints.empty());
  EXPECT_FALSE(cluster.targets[1].endpoints.empty());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("target unavailable"), std::string::npos) << warnings[0];
  EXPECT_EQ(resolved.count("backend.invalid:80"), 0u);
}

TEST(Cluster, SplitHostPort) {
  std::string host, port;
  ASSERT_TRUE(split_host_port("[2001:db8::1]:8443", host, port));
  EXPECT_EQ(host, "2001:db8::1");
  EXPECT_EQ(port, "8443");
  ASSERT_TRUE(split_host_port("api.internal:80", host, port));
  EXPECT_EQ(host, "api.internal");
  EXPECT_FALSE(split_host_port("no-port", host, port));
  EXPECT_FALSE(split_host_port("[::1]", host, port));
}

}  // namespace
}  // namespace apigw::proxy
