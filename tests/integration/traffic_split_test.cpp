// Weighted splits with real backends: the observed share over 10,000 requests, sticky cookies and
// headers, an arm of weight 0, the filters of each arm's upstream, a dead arm that falls back
// without leaking onto the other arm, and an admin write that moves the traffic.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "support/admin_client.h"
#include "support/gateway.h"

namespace apigw::test {
namespace {

// Upstreams "v1" and "v2" (and "spare" when given) on the backends, the route "split" with
// `route_lines` (its upstreams, sticky, ...) and `extra` after it.
std::string split_config(const EchoBackend& v1, const std::string& v2_address,
                         const std::string& route_lines, const std::string& extra = "") {
  return fill(R"(
[server]
listen = ["127.0.0.1:{port}"]
workers = 2
[admin]
listen = "127.0.0.1:{admin_port}"

[[upstreams]]
name = "v1"
targets = [{ address = "{v1}" }]

[[upstreams]]
name = "v2"
targets = [{ address = "{v2}" }]

[[routes]]
name = "split"
match = { path_prefix = "/" }
{route}
{extra}
)",
              {{"v1", v1.address()}, {"v2", v2_address}, {"route", route_lines}, {"extra", extra}});
}

// Sends `count` GET `path` (with the header lines `headers`) over 4 keep-alive connections, 50
// pipelined at a time, and counts the answers by the backend that served them (X-Echo-Server, or
// "status NNN" for an answer that is not a 200, or "none" for requests that got no answer within
// a few seconds).
std::map<std::string, int> served_by(const Gateway& gateway, int count,
                                     const std::string& path = "/",
                                     const std::string& headers = "") {
  constexpr int kConnections = 4;
  constexpr int kBatch = 50;
  const std::string request =
      "GET " + path + " HTTP/1.1\r\nHost: split.test\r\n" + headers + "\r\n";
  std::vector<std::map<std::string, int>> counts(kConnections);
  std::vector<std::thread> clients;
  for (int c = 0; c < kConnections; ++c) {
    const int share = count / kConnections + (c < count % kConnections ? 1 : 0);
    clients.emplace_back([&, c, share] {
      RawConnection connection(gateway.port());
      int answered = 0;
      while (answered < share) {
        const int batch = std::min(kBatch, share - answered);
        std::string requests;
        for (int i = 0; i < batch; ++i) requests += request;
        if (!connection.send(requests)) break;
        int read = 0;
        for (; read < batch; ++read) {
          const HttpResponse response = connection.read_response(std::chrono::seconds(5));
          if (response.status == 0) break;
          ++counts[c][response.status == 200 ? response.headers["x-echo-server"]
                                             : "status " + std::to_string(response.status)];
        }
        answered += read;
        if (read < batch) break;
      }
      if (answered < share) counts[c]["none"] += share - answered;
    });
  }
  for (auto& client : clients) client.join();
  std::map<std::string, int> total;
  for (const auto& of_connection : counts) {
    for (const auto& [server, n] : of_connection) total[server] += n;
  }
  return total;
}

std::string read_file(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// The backend that served each of `count` requests carrying `header_line`, one at a time.
std::set<std::string> servers_of(const Gateway& gateway, const std::string& header_line,
                                 int count) {
  std::set<std::string> servers;
  for (int i = 0; i < count; ++i) {
    const auto response = get_in_process(gateway.port(), "/", {header_line});
    servers.insert(response.status == 200 ? response.headers["x-echo-server"] : "failed");
  }
  return servers;
}

TEST(TrafficSplit, NinetyTenHoldsWithinTwoPointsOver10000Requests) {
  EchoBackend v1("v1"), v2("v2");
  Gateway gateway(
      split_config(v1, v2.address(),
                   R"(upstreams = [{ name = "v1", weight = 90 }, { name = "v2", weight = 10 }])"));
  const auto start = std::chrono::steady_clock::now();
  const auto served = served_by(gateway, 10'000);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(served.size(), 2u) << "only v1 and v2 answer, every request a 200";
  EXPECT_EQ(served.at("v1") + served.at("v2"), 10'000);
  EXPECT_NEAR(served.at("v2") / 10'000.0, 0.10, 0.02) << served.at("v2") << " of 10,000";
  EXPECT_LT(took, std::chrono::seconds(60));
  // Every pick is counted, per upstream.
  EXPECT_TRUE(gateway.wait_for_metric("apigw_upstream_split_picks_total{upstream=\"v2\"} " +
                                      std::to_string(served.at("v2"))))
      << gateway.metrics();
  EXPECT_TRUE(gateway.wait_for_metric("apigw_upstream_split_picks_total{upstream=\"v1\"} " +
                                      std::to_string(served.at("v1"))));
}

TEST(TrafficSplit, AStickyCookieOrHeaderAlwaysReachesTheSameBackend) {
  EchoBackend v1("v1"), v2("v2");
  Gateway gateway(split_config(v1, v2.address(),
                               R"(upstreams = [{ name = "v1" }, { name = "v2" }]
sticky = "cookie:session")",
                               R"(
[[routes]]
name = "by-user"
match = { path_prefix = "/", headers = [{ name = "x-user", present = true }] }
upstreams = [{ name = "v1" }, { name = "v2" }]
sticky = "header:X-User"
)"));
  std::set<std::string> reached;  // by all sessions together
  for (int session = 0; session < 12; ++session) {
    SCOPED_TRACE(session);
    const auto by_cookie =
        servers_of(gateway, "Cookie: theme=dark; session=s" + std::to_string(session), 15);
    EXPECT_EQ(by_cookie.size(), 1u) << "a session stays on one backend";
    EXPECT_FALSE(by_cookie.contains("failed"));
    reached.insert(by_cookie.begin(), by_cookie.end());
    EXPECT_EQ(servers_of(gateway, "X-User: u" + std::to_string(session), 15).size(), 1u);
  }
  EXPECT_EQ(reached, (std::set<std::string>{"v1", "v2"})) << "sessions are spread by the weights";
  // Without the cookie each request is drawn: both backends serve.
  const auto drawn = served_by(gateway, 200);
  EXPECT_GT(drawn.count("v1") ? drawn.at("v1") : 0, 50);
  EXPECT_GT(drawn.count("v2") ? drawn.at("v2") : 0, 50);
}

TEST(TrafficSplit, AnArmOfWeightZeroGetsNothing) {
  EchoBackend v1("v1"), v2("v2");
  Gateway gateway(
      split_config(v1, v2.address(),
                   R"(upstreams = [{ name = "v1", weight = 0 }, { name = "v2", weight = 1 }]
sticky = "header:X-User")"));
  const auto drawn = served_by(gateway, 1'000);
  EXPECT_EQ(drawn, (std::map<std::string, int>{{"v2", 1'000}}));
  for (int user = 0; user < 50; ++user) {
    EXPECT_EQ(servers_of(gateway, "X-User: u" + std::to_string(user), 1),
              std::set<std::string>{"v2"});
  }
  EXPECT_TRUE(v1.received().empty());
}

TEST(TrafficSplit, EachArmRunsThePluginsOfItsOwnUpstreamAndTheLogNamesIt) {
  EchoBackend v1("v1"), v2("v2");
  Gateway gateway(split_config(v1, v2.address(),
                               R"(upstreams = [{ name = "v1" }, { name = "v2" }]
sticky = "header:X-User")",
                               R"(
[[plugins]]
name = "mark-v2"
filter = "headers"
upstream = "v2"
config = { request_set = { "x-arm" = "v2" }, response_set = { "x-arm" = "v2" } }

[server.access_log]
enabled = true
path = "{dir}/access.log"
)"));
  std::map<std::string, int> seen;
  for (int user = 0; user < 20; ++user) {
    const auto response = get_in_process(gateway.port(), "/", {"X-User: u" + std::to_string(user)});
    ASSERT_EQ(response.status, 200);
    const std::string server = response.headers["x-echo-server"];
    ++seen[server];
    const bool marked_upstream = response.body.find("\"x-arm\":\"v2\"") != std::string::npos;
    EXPECT_EQ(marked_upstream, server == "v2") << response.body;
    EXPECT_EQ(response.headers["x-arm"], server == "v2" ? "v2" : "");
  }
  ASSERT_EQ(seen.size(), 2u) << "20 users reach both arms";
  std::string log;
  ASSERT_TRUE(wait_until([&] {
    log = read_file(gateway.dir() + "/access.log");
    return std::count(log.begin(), log.end(), '\n') == 20;
  })) << log;
  for (const char* upstream : {"v1", "v2"}) {
    const std::string field = "\"upstream\":\"" + std::string(upstream) + "\"";
    int lines = 0;
    for (std::size_t at = log.find(field); at != std::string::npos; at = log.find(field, at + 1)) {
      ++lines;
    }
    EXPECT_EQ(lines, seen[upstream]) << log;
  }
}

TEST(TrafficSplit, ADeadArmFallsBackWithinItselfNotOntoTheOtherArm) {
  EchoBackend v1("v1"), spare("spare");
  Gateway gateway(split_config(v1, dead_address(),
                               R"(upstreams = [{ name = "v1" }, { name = "v2" }]
retry = { attempts = 3, on = ["connect_failure", "503"] }
fallback = { upstream = "spare" })",
                               "\n[[upstreams]]\nname = \"spare\"\ntargets = [{ address = \"" +
                                   spare.address() + "\" }]\n"));
  const auto served = served_by(gateway, 400);
  // The requests drawn for v2 fail there, are retried there and then go to the fallback; none of
  // them is sent to v1.
  EXPECT_EQ(served.size(), 2u) << "v1 and spare, every request a 200";
  EXPECT_NEAR(served.count("spare") ? served.at("spare") / 400.0 : 0, 0.5, 0.12);
  EXPECT_EQ(static_cast<int>(v1.received().size()), served.count("v1") ? served.at("v1") : 0);
}

TEST(TrafficSplit, AnAdminWriteMovesTheTrafficAndAnUpstreamInUseCannotBeDeleted) {
  EchoBackend v1("v1"), v2("v2");
  Gateway gateway(sqlite_config());
  ASSERT_TRUE(add_upstream_and_route(gateway, "v1", v1.address()));
  ASSERT_TRUE(add_upstream_and_route(gateway, "v2", v2.address()));
  const auto created = admin_call(
      gateway, "POST", "/admin/routes",
      R"({"name":"split","upstreams":[{"name":"v1","weight":100},{"name":"v2","weight":0}]})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(served_by(gateway, 200), (std::map<std::string, int>{{"v1", 200}}));

  const auto ramped =
      admin_call(gateway, "PATCH", "/admin/routes/split",
                 R"({"upstreams":[{"name":"v1","weight":0},{"name":"v2","weight":100}]})");
  ASSERT_EQ(ramped.status, 200) << ramped.body;
  EXPECT_EQ(served_by(gateway, 200), (std::map<std::string, int>{{"v2", 200}}))
      << "the next requests take the new weights";

  const auto deleted = admin_call(gateway, "DELETE", "/admin/upstreams/v1");
  EXPECT_EQ(deleted.status, 409) << deleted.body;
  EXPECT_NE(deleted.body.find("route 'split' names upstream 'v1' which is not defined"),
            std::string::npos)
      << deleted.body;
  EXPECT_NE(deleted.body.find("\"field\":\"upstreams.0.name\""), std::string::npos) << deleted.body;
  const auto read = admin_call(gateway, "GET", "/admin/routes/split");
  EXPECT_NE(read.body.find(R"("upstreams":[{"name":"v1","weight":0},{"name":"v2","weight":100}])"),
            std::string::npos)
      << read.body;
}

}  // namespace
}  // namespace apigw::test
