// Several apigw nodes on one real PostgreSQL: a write on one node is served by the others within a
// second (LISTEN/NOTIFY), PostgreSQL restarting under traffic fails no proxied request, and a node
// that starts while PostgreSQL is down serves its cached entities and catches up when it returns.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <future>
#include <thread>

#include "support/admin_client.h"
#include "support/gateway.h"
#include "support/postgres.h"

namespace apigw::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string postgres_config(const TestPostgres& postgres, const std::string& cache_path) {
  return store_config("kind = \"postgres\"\nurl = \"" + postgres.url() + "\"\ncache_path = \"" +
                      cache_path + "\"\npoll_interval = \"1s\"\nretry_max = \"500ms\"\n");
}

// Polls GET path on `gateway` until it answers `status`; returns how long that took. The client
// runs in this process: the time is the gateway's, not that of starting curl processes.
std::optional<milliseconds> time_until(const Gateway& gateway, const std::string& path, int status,
                                       milliseconds limit) {
  const auto start = Clock::now();
  while (Clock::now() - start < limit) {
    if (get_in_process(gateway.port(), path).status == status) {
      return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  return std::nullopt;
}

std::string revision_of(const Gateway& gateway) {
  const auto config = admin_call(gateway, "GET", "/admin/config");
  const std::size_t at = config.body.find("\"revision\":");
  return at == std::string::npos ? "" : config.body.substr(at, config.body.find(',', at) - at);
}

TEST(Cluster, AWriteOnOneNodeIsServedByAllThreeWithinOneSecond) {
  TestPostgres postgres;
  EchoBackend backend("b1");
  TempDir caches;
  Gateway a(postgres_config(postgres, caches.path() + "/a.json"));
  Gateway b(postgres_config(postgres, caches.path() + "/b.json"));
  Gateway c(postgres_config(postgres, caches.path() + "/c.json"));
  ASSERT_TRUE(add_upstream_and_route(a, "b", backend.address()));
  std::vector<long> write_ms, propagation_ms;
  for (int i = 0; i < 20; ++i) {
    SCOPED_TRACE(i);
    const std::string path = "/r" + std::to_string(i);
    const auto start = Clock::now();
    const auto created =
        admin_call(a, "POST", "/admin/routes",
                   R"({"name":"r)" + std::to_string(i) + R"(","match":{"path_prefix":")" + path +
                       R"("},"upstream":"b"})");
    ASSERT_EQ(created.status, 201) << created.body;
    ASSERT_EQ(http_get(a.port(), path).status, 200) << "served by the writing node at once";
    write_ms.push_back(std::chrono::duration_cast<milliseconds>(Clock::now() - start).count());
    for (const Gateway* other : {&b, &c}) {
      const auto took = time_until(*other, path, 200, milliseconds(1000));
      ASSERT_TRUE(took) << "another node did not serve " << path << " within 1 s";
      propagation_ms.push_back(took->count());
    }
  }
  std::sort(write_ms.begin(), write_ms.end());
  std::sort(propagation_ms.begin(), propagation_ms.end());
  std::printf("write on the writing node, median of 20: %ld ms (includes curl)\n", write_ms[10]);
  std::printf("served by the other nodes after: median %ld ms, max %ld ms\n",
              propagation_ms[propagation_ms.size() / 2], propagation_ms.back());
  EXPECT_EQ(revision_of(b), revision_of(a));
  EXPECT_EQ(revision_of(c), revision_of(a));
  EXPECT_NE(revision_of(a), "\"revision\":0");
  // A delete propagates as well.
  ASSERT_EQ(admin_call(c, "DELETE", "/admin/routes/r0").status, 204);
  EXPECT_TRUE(time_until(a, "/r0", 404, milliseconds(1000)));
  EXPECT_TRUE(time_until(b, "/r0", 404, milliseconds(1000)));
}

TEST(Cluster, PostgresRestartUnderTrafficFailsNoRequestAndNodesConverge) {
  TestPostgres postgres;
  EchoBackend backend("b1");
  TempDir caches;
  Gateway a(postgres_config(postgres, caches.path() + "/a.json"));
  Gateway b(postgres_config(postgres, caches.path() + "/b.json"));
  ASSERT_TRUE(add_upstream_and_route(a, "b", backend.address(), "all"));
  ASSERT_TRUE(time_until(b, "/", 200, milliseconds(2000)));
  const std::size_t before_load = backend.received().size();
  auto load = std::async(std::launch::async, [&] {
    return run_command({"wrk", "-t1", "-c8", "-d4s", b.url("/")}, std::chrono::seconds(30));
  });
  // PostgreSQL goes away once wrk's traffic arrives, not after a guessed start-up time.
  EXPECT_TRUE(wait_until([&] { return backend.received().size() > before_load; }))
      << "no load arrived";
  postgres.stop();
  // Writes are refused while the store is away, and nothing changes.
  const auto refused = admin_call(a, "POST", "/admin/consumers", R"({"name":"late"})");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("\"code\":\"store_unavailable\""), std::string::npos);
  // The other node notices on its own (its listener connection drops).
  std::string status;
  EXPECT_TRUE(wait_until([&] {
    status = admin_call(b, "GET", "/admin/config").body;
    return status.find("\"store_reachable\":false") != std::string::npos;
  })) << status;
  postgres.start();
  const CommandResult wrk = load.get();
  ASSERT_EQ(wrk.exit_code, 0) << wrk.output;
  EXPECT_NE(wrk.output.find("requests in"), std::string::npos) << wrk.output;
  EXPECT_EQ(wrk.output.find("Non-2xx"), std::string::npos) << wrk.output;
  EXPECT_EQ(wrk.output.find("Socket errors"), std::string::npos) << wrk.output;

  // Back: a write on A reaches B again.
  const auto created = admin_call(a, "POST", "/admin/routes",
                                  R"({"name":"after","match":{"path":"/after"},"upstream":"b"})");
  ASSERT_EQ(created.status, 201) << created.body;
  // B serves A's revision (by notification, or by the 1 s revision poll if the notification went
  // out while B was still reconnecting). Not "B answers /after": route "all" answers any path.
  const std::string written = revision_of(a);
  EXPECT_NE(written, "");
  EXPECT_TRUE(wait_until([&] { return revision_of(b) == written; }, milliseconds(3000)))
      << "B serves " << revision_of(b) << ", A wrote " << written;
}

// A node's write starts from the rows it last read or wrote when the revision is still theirs,
// and reads them again when another node wrote in between: writes alternating between two nodes,
// each right after the other's (before its notification can arrive), lose none of the other's.
TEST(Cluster, WritesAlternatingBetweenTwoNodesLoseNothing) {
  TestPostgres postgres;
  TempDir caches;
  Gateway a(postgres_config(postgres, caches.path() + "/a.json"));
  Gateway b(postgres_config(postgres, caches.path() + "/b.json"));
  for (int i = 0; i < 12; ++i) {
    SCOPED_TRACE(i);
    const Gateway& writer = i % 2 == 0 ? a : b;
    ASSERT_EQ(admin_call(writer, "POST", "/admin/consumers",
                         R"({"name":"c)" + std::to_string(i) + R"("})")
                  .status,
              201);
    // The writer serves what it committed: every consumer so far, the other node's included.
    const auto listed = admin_call(writer, "GET", "/admin/consumers?limit=100");
    ASSERT_EQ(listed.status, 200);
    for (int j = 0; j <= i; ++j) {
      EXPECT_NE(listed.body.find(R"("name":"c)" + std::to_string(j) + R"(")"), std::string::npos)
          << "c" << j << " missing on the node that wrote c" << i << ": " << listed.body;
    }
  }
}

TEST(Cluster, ANodeStartingWhilePostgresIsDownServesItsCacheAndCatchesUp) {
  auto postgres = std::make_unique<TestPostgres>();
  EchoBackend backend("b1");
  TempDir caches;
  const std::string cache = caches.path() + "/node.json";
  {
    Gateway first_run(postgres_config(*postgres, cache));
    ASSERT_TRUE(add_upstream_and_route(first_run, "b", backend.address()));
    ASSERT_EQ(admin_call(first_run, "POST", "/admin/routes",
                         R"({"name":"cached","match":{"path":"/cached"},"upstream":"b"})")
                  .status,
              201);
    // A write schedules the cache (within 200 ms) rather than writing it before its answer; it
    // gets there without a shutdown to flush it: the node is killed, not stopped.
    const auto cached = [&] {
      std::ifstream file(cache);
      const std::string text((std::istreambuf_iterator<char>(file)), {});
      return text.find(R"(\"path\":\"/cached\")") != std::string::npos;
    };
    EXPECT_TRUE(wait_until(cached, std::chrono::seconds(5))) << "the write never reached the cache";
    first_run.process().signal(SIGKILL);
    first_run.process().wait(std::chrono::seconds(5));
  }
  postgres->stop();
  Gateway node(postgres_config(*postgres, cache));
  EXPECT_EQ(http_get(node.port(), "/cached").status, 200) << "served from the cache";
  auto status = admin_call(node, "GET", "/admin/config");
  EXPECT_NE(status.body.find("\"from_cache\":true"), std::string::npos) << status.body;
  EXPECT_NE(status.body.find("\"revision\":2"), std::string::npos) << status.body;

  postgres->start();
  // Another writer changes the entities while the node reconnects.
  postgres->psql(
      "UPDATE apigw_entities SET body = replace(body, '/cached', '/moved') "
      "WHERE name = 'cached'; UPDATE apigw_revision SET revision = revision + 1; "
      "NOTIFY apigw_config, '3'");
  EXPECT_TRUE(time_until(node, "/moved", 200, milliseconds(5000)));
  status = admin_call(node, "GET", "/admin/config");
  EXPECT_NE(status.body.find("\"from_cache\":false"), std::string::npos) << status.body;
  EXPECT_NE(status.body.find("\"store_reachable\":true"), std::string::npos) << status.body;
  EXPECT_NE(status.body.find("\"revision\":3"), std::string::npos) << status.body;

  // A change whose notification never came is found by the revision poll (1 s here).
  postgres->psql(
      "UPDATE apigw_entities SET body = replace(body, '/moved', '/polled') "
      "WHERE name = 'cached'; UPDATE apigw_revision SET revision = revision + 1");
  EXPECT_TRUE(time_until(node, "/polled", 200, milliseconds(5000)));
}

TEST(Cluster, SigtermEndsANodeCleanlyWithPostgresUpOrDown) {
  auto postgres = std::make_unique<TestPostgres>();
  TempDir caches;
  for (const bool up : {true, false}) {
    SCOPED_TRACE(up ? "postgres up" : "postgres down");
    Gateway node(postgres_config(*postgres, caches.path() + "/node.json"));
    ASSERT_EQ(
        admin_call(node, "POST", "/admin/consumers", R"({"name":"c)" + std::to_string(up) + R"("})")
            .status,
        201);
    if (!up) {
      postgres->stop();
      std::this_thread::sleep_for(milliseconds(300));  // the follower is now retrying
    }
    node.process().signal(SIGTERM);
    EXPECT_EQ(node.process().wait(std::chrono::seconds(10)), 0) << node.log();
    EXPECT_EQ(node.log().find("ERROR: AddressSanitizer"), std::string::npos) << node.log();
    if (up) {
      // The write is in the cache: written within 200 ms of it, or by the stop if sooner.
      std::ifstream file(caches.path() + "/node.json");
      const std::string text((std::istreambuf_iterator<char>(file)), {});
      EXPECT_NE(text.find(R"("name":"c1")"), std::string::npos) << text;
    }
  }
}

}  // namespace
}  // namespace apigw::test
