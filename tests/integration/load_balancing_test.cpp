// Load balancers through the real gateway and real backends: the exact rotation of round robin and
// smooth weighted round robin, least connections steering away from a slow target, consistent
// hashing keeping a key on one target, and backup targets taking over only when no primary can.
#include <gtest/gtest.h>

#include <future>
#include <map>
#include <set>
#include <thread>

#include "support/gateway.h"

namespace apigw::test {
namespace {

std::string config_for(const std::string& balancer_lines, const std::string& targets) {
  return pool_config(targets, balancer_lines);
}

std::string target(const EchoBackend& backend, int weight = 1, bool backup = false) {
  return "{ address = \"" + backend.address() + "\", weight = " + std::to_string(weight) +
         (backup ? ", backup = true" : "") + " },";
}

// The X-Echo-Server names of `count` sequential requests, one letter each.
std::string served_by(const Gateway& gateway, int count,
                      const std::vector<std::string>& extra = {}) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    const auto result = http_get(gateway.port(), "/", extra);
    out += result.status == 200 ? result.headers["x-echo-server"] : "!";
  }
  return out;
}

TEST(LoadBalancing, RoundRobinRotates) {
  EchoBackend a("a"), b("b"), c("c");
  Gateway gateway(config_for("", target(a) + target(b) + target(c)));
  EXPECT_EQ(served_by(gateway, 6), "abcabc");
}

TEST(LoadBalancing, SmoothWeightedRoundRobinInterleaves) {
  EchoBackend a("a"), b("b"), c("c");
  Gateway gateway(config_for("balancer = \"weighted_round_robin\"",
                             target(a, 5) + target(b, 1) + target(c, 1)));
  EXPECT_EQ(served_by(gateway, 14), "aabacaaaabacaa");
}

TEST(LoadBalancing, LeastConnectionsSteersAwayFromASlowTarget) {
  EchoBackend fast("f");
  EchoBackend slow("s", "127.0.0.1", {"--delay", "1500"});
  Gateway gateway(config_for("balancer = \"least_connections\"", target(fast) + target(slow)));
  // 12 overlapping requests: the slow target holds its first one for 1.5 s, so with round robin it
  // would get 6; least connections sends it almost none after the first.
  std::vector<std::future<CurlResult>> requests;
  for (int i = 0; i < 12; ++i) {
    requests.push_back(
        std::async(std::launch::async, [&] { return http_get(gateway.port(), "/"); }));
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
  }
  std::map<std::string, int> counts;
  for (auto& request : requests) {
    const auto result = request.get();
    EXPECT_EQ(result.status, 200);
    ++counts[result.headers["x-echo-server"]];
  }
  EXPECT_LE(counts["s"], 2) << "fast " << counts["f"] << ", slow " << counts["s"];
  EXPECT_GE(counts["f"], 10);
}

TEST(LoadBalancing, ConsistentHashKeepsAKeyOnOneTarget) {
  EchoBackend a("a"), b("b"), c("c");
  Gateway gateway(config_for("balancer = \"consistent_hash\"\nhash_on = \"header:X-User\"",
                             target(a) + target(b) + target(c)));
  std::set<char> used;
  for (int user = 0; user < 12; ++user) {
    const std::string header = "X-User: user-" + std::to_string(user);
    const std::string sequence = served_by(gateway, 4, {"-H", header});
    ASSERT_EQ(sequence.size(), 4u);
    EXPECT_EQ(sequence, std::string(4, sequence[0])) << header << " moved between targets";
    used.insert(sequence[0]);
  }
  EXPECT_GE(used.size(), 2u) << "12 users all hashed to one of 3 targets";
}

TEST(LoadBalancing, ConsistentHashOnACookie) {
  EchoBackend a("a"), b("b");
  Gateway gateway(config_for("balancer = \"consistent_hash\"\nhash_on = \"cookie:session\"",
                             target(a) + target(b)));
  for (const std::string session : {"s1", "s2", "s3", "s4"}) {
    const std::string sequence =
        served_by(gateway, 3, {"-H", "Cookie: theme=dark; session=" + session});
    EXPECT_EQ(sequence, std::string(3, sequence[0])) << session;
  }
}

TEST(LoadBalancing, BackupTargetsServeOnlyWhenNoPrimaryCan) {
  EchoBackend primary("p"), backup("b");
  Gateway gateway(config_for("", target(primary) + target(backup, 1, true)));
  EXPECT_EQ(served_by(gateway, 4), "pppp");
  // A primary without addresses (its name does not resolve) cannot take requests: the backup does.
  Gateway unresolvable(
      config_for("", "{ address = \"primary.invalid:80\" }," + target(backup, 1, true)));
  EXPECT_EQ(served_by(unresolvable, 3), "bbb");
}

}  // namespace
}  // namespace apigw::test
