// Load balancers through the real gateway and real backends: the exact rotation of round robin and
// smooth weighted round robin, least connections steering away from a slow target, consistent
// hashing keeping a key on one target, and backup targets taking over only when no primary can.
#include <gtest/gtest.h>

#include <map>
#include <set>

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

// The X-Echo-Server names of `count` sequential requests, one letter each ('!' for a request that
// did not get a 200). `headers` are extra header lines.
std::string served_by(const Gateway& gateway, int count,
                      const std::vector<std::string>& headers = {}) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    const auto result = get_in_process(gateway.port(), "/", headers);
    out += result.status == 200 ? result.headers["x-echo-server"] : "!";
  }
  return out;
}

// True when `sequence` is `length` times the same one of `servers`: a key kept on one target,
// and every request answered.
bool one_server(const std::string& sequence, const std::string& servers) {
  return !sequence.empty() && servers.find(sequence[0]) != std::string::npos &&
         sequence == std::string(sequence.size(), sequence[0]);
}

// The pool's requests in flight, from the admin listener's upstream status.
int active_requests(const Gateway& gateway) {
  const auto status = get_in_process(gateway.admin_port(), "/admin/status/upstreams/pool");
  const std::string key = "\"active_requests\":";
  const std::size_t at = status.body.find(key);
  return at == std::string::npos ? -1 : std::atoi(status.body.c_str() + at + key.size());
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
  EchoBackend slow("s", "127.0.0.1", {"--delay", "3000"});
  Gateway gateway(config_for("balancer = \"least_connections\"", target(fast) + target(slow)));
  // 12 requests, each sent once the previous one has reached a backend and, if that was the fast
  // one, been answered (and counted out of the pool). The slow target holds its request for 3 s:
  // round robin would give it 6, least connections exactly the one it got while both were idle.
  std::vector<std::unique_ptr<RawConnection>> held;  // requests the slow target holds
  int answered_fast = 0;
  for (int i = 0; i < 12; ++i) {
    SCOPED_TRACE(i);
    const int pending = static_cast<int>(held.size());
    ASSERT_TRUE(
        wait_until([&] { return active_requests(gateway) == pending; }, std::chrono::seconds(5)))
        << "the pool still counts a finished request";
    const std::size_t reached = fast.received().size() + slow.received().size();
    auto connection = std::make_unique<RawConnection>(gateway.port());
    ASSERT_TRUE(connection->send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
    ASSERT_TRUE(
        wait_until([&] { return fast.received().size() + slow.received().size() > reached; },
                   std::chrono::seconds(5)));
    ASSERT_EQ(fast.received().size() + slow.received().size(), reached + 1);
    if (slow.received().size() > held.size()) {
      held.push_back(std::move(connection));
      continue;
    }
    const auto response = connection->read_response();
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(response.headers["x-echo-server"], "f");
    ++answered_fast;
  }
  EXPECT_EQ(held.size(), 1u) << "fast " << answered_fast << ", slow " << held.size();
  EXPECT_EQ(answered_fast, 11);
  for (auto& connection : held) {
    const auto response = connection->read_response();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.headers["x-echo-server"], "s");
  }
}

TEST(LoadBalancing, ConsistentHashKeepsAKeyOnOneTarget) {
  EchoBackend a("a"), b("b"), c("c");
  Gateway gateway(config_for("balancer = \"consistent_hash\"\nhash_on = \"header:X-User\"",
                             target(a) + target(b) + target(c)));
  std::set<char> used;
  for (int user = 0; user < 12; ++user) {
    const std::string header = "X-User: user-" + std::to_string(user);
    const std::string sequence = served_by(gateway, 4, {header});
    ASSERT_EQ(sequence.size(), 4u);
    EXPECT_TRUE(one_server(sequence, "abc")) << header << " moved or failed: " << sequence;
    used.insert(sequence[0]);
  }
  EXPECT_GE(used.size(), 2u) << "12 users all hashed to one of 3 targets";
}

TEST(LoadBalancing, ConsistentHashOnACookie) {
  EchoBackend a("a"), b("b");
  Gateway gateway(config_for("balancer = \"consistent_hash\"\nhash_on = \"cookie:session\"",
                             target(a) + target(b)));
  for (const std::string session : {"s1", "s2", "s3", "s4"}) {
    const std::string sequence = served_by(gateway, 3, {"Cookie: theme=dark; session=" + session});
    EXPECT_TRUE(one_server(sequence, "ab")) << session << " moved or failed: " << sequence;
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
