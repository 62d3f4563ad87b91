// What the stores promise beyond CRUD: SQLite keeps every acknowledged write through a kill -9,
// 100 admin writes during a wrk run fail no proxied request, and an export re-imports to the same
// entities (and passes `apigw check`).
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <future>
#include <thread>

#include "support/admin_client.h"
#include "support/gateway.h"
#include "support/http_client.h"

namespace apigw::test {
namespace {

TEST(AdminStore, SqliteKeepsEveryAcknowledgedWriteThroughKill9) {
  TempDir data;
  const std::string config =
      store_config("kind = \"sqlite\"\npath = \"" + data.path() + "/apigw.db\"\n");
  std::vector<std::string> acknowledged;
  {
    Gateway gateway(config);
    // Writes from another thread; the process is killed while they run, once a few have been
    // acknowledged (each write starts a curl, which a loaded machine may take a while to do).
    std::atomic<bool> killed = false;
    std::atomic<int> written = 0;
    auto writer = std::async(std::launch::async, [&] {
      std::vector<std::string> names;
      for (int i = 0; i < 400 && !killed; ++i) {
        const std::string name = "c" + std::to_string(i);
        const auto result =
            admin_call(gateway, "POST", "/admin/consumers", R"({"name":")" + name + R"("})");
        if (result.status == 201) {
          names.push_back(name);
          ++written;
        }
      }
      return names;
    });
    EXPECT_TRUE(wait_until([&] { return written >= 8; }, std::chrono::seconds(30)));
    gateway.process().signal(SIGKILL);
    killed = true;
    acknowledged = writer.get();
    gateway.process().wait(std::chrono::seconds(5));
  }
  ASSERT_GT(acknowledged.size(), 5u) << "too few writes before the kill to test anything";
  const auto check = run_command({"/usr/bin/python3", "-c",
                                  "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
                                  "print(c.execute('PRAGMA integrity_check').fetchone()[0])",
                                  data.path() + "/apigw.db"});
  EXPECT_EQ(check.output, "ok\n");
  Gateway restarted(config);
  const auto listed = admin_call(restarted, "GET", "/admin/consumers?limit=1000");
  ASSERT_EQ(listed.status, 200);
  for (const auto& name : acknowledged) {
    EXPECT_NE(listed.body.find("\"name\":\"" + name + "\""), std::string::npos)
        << "acknowledged write " << name << " was lost";
  }
}

TEST(AdminStore, HundredWritesDuringLoadFailNoRequest) {
  EchoBackend backend("b1");
  Gateway gateway(sqlite_config());
  ASSERT_TRUE(add_upstream_and_route(gateway, "b", backend.address(), "all"));
  auto load = std::async(std::launch::async, [&] {
    return run_command({"wrk", "-t1", "-c16", "-d5s", gateway.url("/")}, std::chrono::seconds(30));
  });
  // The writes start once wrk's traffic arrives, not after a guessed start-up time.
  EXPECT_TRUE(wait_until([&] { return !backend.received().empty(); })) << "no load arrived";
  int accepted = 0;
  for (int i = 0; i < 100; ++i) {
    // Each write changes the served config: new routes, and the busy route itself.
    const auto result =
        i % 2 == 0 ? admin_call(gateway, "POST", "/admin/routes",
                                R"({"name":"r)" + std::to_string(i) + R"(","match":{"path":"/r)" +
                                    std::to_string(i) + R"("},"upstream":"b"})")
                   : admin_call(gateway, "PATCH", "/admin/routes/all",
                                R"({"timeout":")" + std::to_string(10 + i) + R"(s"})");
    if (result.status == 200 || result.status == 201) ++accepted;
  }
  const CommandResult wrk = load.get();
  EXPECT_EQ(accepted, 100);
  ASSERT_EQ(wrk.exit_code, 0) << wrk.output;
  EXPECT_NE(wrk.output.find("requests in"), std::string::npos) << wrk.output;
  EXPECT_EQ(wrk.output.find("Non-2xx"), std::string::npos) << wrk.output;
  EXPECT_EQ(wrk.output.find("Socket errors"), std::string::npos) << wrk.output;
  EXPECT_TRUE(gateway.wait_for_metric("apigw_config_version 103"));
}

// A write shares the routes it did not touch with the snapshot before it, and a worker keeps
// their counters by that (no lookup by name). Counters must still follow their routes when routes
// are removed before them, added after them and replaced among them.
TEST(AdminStore, RouteCountersFollowTheirRoutesThroughWrites) {
  EchoBackend backend("b1");
  Gateway gateway(sqlite_config());
  ASSERT_TRUE(add_upstream_and_route(gateway, "b", backend.address(), "a", "/a"));
  for (const std::string name : {"c", "d"}) {
    ASSERT_EQ(admin_call(gateway, "POST", "/admin/routes",
                         R"({"name":")" + name + R"(","match":{"path_prefix":"/)" + name +
                             R"("},"upstream":"b"})")
                  .status,
              201);
  }
  const auto get = [&](std::string_view path, int times) {
    for (int i = 0; i < times; ++i) ASSERT_EQ(get_in_process(gateway.port(), path).status, 200);
  };
  // Distinct counts, so that a counter handed to the wrong route shows.
  get("/a", 2);
  get("/c", 4);
  get("/d", 1);
  ASSERT_EQ(admin_call(gateway, "DELETE", "/admin/routes/c").status, 204);  // before d
  get("/d", 2);
  ASSERT_EQ(admin_call(gateway, "PATCH", "/admin/routes/d", R"({"timeout":"20s"})").status, 200);
  ASSERT_EQ(admin_call(gateway, "POST", "/admin/routes",
                       R"({"name":"e","match":{"path_prefix":"/e"},"upstream":"b"})")
                .status,
            201);
  get("/a", 3);
  get("/d", 1);
  get("/e", 1);
  const std::string metrics = gateway.metrics();
  for (const auto& [route, count] :
       std::vector<std::pair<std::string, int>>{{"a", 5}, {"d", 4}, {"e", 1}}) {
    EXPECT_NE(metrics.find(R"(apigw_requests_total{route=")" + route +
                           R"(",method="GET",status_class="2xx"} )" + std::to_string(count) + "\n"),
              std::string::npos)
        << route << "\n"
        << metrics;
  }
  // A deleted route's series leave /metrics (its counters are freed: route churn does not grow
  // the workers' memory), and a route added back under that name counts from zero.
  EXPECT_EQ(metrics.find(R"(route="c")"), std::string::npos) << metrics;
  ASSERT_EQ(admin_call(gateway, "POST", "/admin/routes",
                       R"({"name":"c","match":{"path_prefix":"/c"},"upstream":"b"})")
                .status,
            201);
  get("/c", 1);
  EXPECT_NE(
      gateway.metrics().find(R"(apigw_requests_total{route="c",method="GET",status_class="2xx"} 1)"
                             "\n"),
      std::string::npos);
}

TEST(AdminStore, ExportReimportsToTheSameEntities) {
  EchoBackend backend("b1");
  Gateway source(sqlite_config());
  const std::vector<std::pair<std::string, std::string>> writes = {
      {"/admin/upstreams",
       R"({"name":"b","tags":["prod"],"balancer":"least_connections","targets":[{"address":")" +
           backend.address() + R"(","weight":3}],"health_check":{"type":"tcp","interval":"2s"}})"},
      {"/admin/routes",
       R"({"name":"r","match":{"path_template":"/users/{id}","methods":["GET"]},"upstream":"b",)"
       R"("rewrite":{"template":"/u/{id}"},"retry":{"attempts":2}})"},
      {"/admin/consumers", R"({"name":"alice","custom_id":"42"})"},
      {"/admin/credentials",
       R"({"name":"alice-key","consumer":"alice","type":"api_key","key":"0123456789abcdef-k"})"},
      {"/admin/credentials",
       R"({"name":"alice-login","consumer":"alice","type":"password","password":"s3cret"})"},
      {"/admin/plugins",
       R"({"name":"h","filter":"headers","config":{"response_set":{"x-a":"1"}}})"},
      {"/admin/rate_limits", R"({"name":"rl","route":"r","limit":5,"window":"1s","burst":2})"},
  };
  for (const auto& [path, body] : writes) {
    const auto result = admin_call(source, "POST", path, body);
    ASSERT_EQ(result.status, 201) << path << ": " << result.body;
  }
  for (const std::string format : {"toml", "json"}) {
    SCOPED_TRACE(format);
    const auto exported = admin_call(source, "GET", "/admin/config/export?format=" + format);
    ASSERT_EQ(exported.status, 200);
    EXPECT_EQ(exported.body.find("s3cret"), std::string::npos) << "no secret in an export";
    if (format == "toml") {
      TempDir files;
      const auto check =
          run_command({APIGW_BINARY, "check", "-c", files.write("export.toml", exported.body)});
      EXPECT_EQ(check.exit_code, 0) << exported.body;
    }
    Gateway target(sqlite_config());
    const auto imported = admin_call(
        target, "POST", "/admin/config/import", "",
        {"-H",
         format == "toml" ? "Content-Type: application/toml" : "Content-Type: application/json",
         "--data-binary", exported.body});
    ASSERT_EQ(imported.status, 200) << imported.body;
    const auto again = admin_call(target, "GET", "/admin/config/export?format=" + format);
    if (format == "toml") {
      EXPECT_EQ(again.body, exported.body);
    } else {
      // Identical but for the revision counter at the front.
      EXPECT_EQ(again.body.substr(again.body.find(',')),
                exported.body.substr(exported.body.find(',')));
    }
    EXPECT_EQ(http_get(target.port(), "/users/7").status, 200) << "the imported route serves";
  }
  // validate checks without applying; an invalid document is refused with its errors.
  const auto valid =
      admin_call(source, "POST", "/admin/config/validate",
                 R"({"upstreams":[{"name":"x","targets":[{"address":"127.0.0.1:1"}]}]})");
  EXPECT_EQ(valid.status, 200) << valid.body;
  const auto invalid = admin_call(source, "POST", "/admin/config/validate",
                                  R"({"routes":[{"name":"x","upstream":"none"}]})");
  EXPECT_EQ(invalid.status, 400);
  EXPECT_NE(invalid.body.find("\"entity\":\"routes/x\",\"field\":\"upstream\""), std::string::npos)
      << invalid.body;
  EXPECT_EQ(admin_call(source, "GET", "/admin/routes/r").status, 200) << "validate applied nothing";
  // A whole config file is checked as `apigw check` would.
  const auto file = admin_call(
      source, "POST", "/admin/config/validate", "",
      {"-H", "Content-Type: application/toml", "--data-binary", "[server]\nworkers = 1000\n"});
  EXPECT_EQ(file.status, 400);
  EXPECT_NE(file.body.find("\"entity\":\"request:2\""), std::string::npos) << file.body;
  EXPECT_NE(file.body.find("'workers' must be at most 256"), std::string::npos) << file.body;
  const auto good_file = admin_call(
      source, "POST", "/admin/config/validate", "",
      {"-H", "Content-Type: application/toml", "--data-binary", "[server]\nworkers = 2\n"});
  EXPECT_EQ(good_file.status, 200) << good_file.body;
}

}  // namespace
}  // namespace apigw::test
