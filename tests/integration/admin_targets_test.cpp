// One target of an upstream through /admin/upstreams/{u}/targets, as an operator rotates a
// backend: add it, drain it, mark it by hand, change its weight, remove it — and the traffic
// follows each step on a real gateway in SQLite store mode.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>

#include "support/admin_client.h"
#include "support/gateway.h"

namespace apigw::test {
namespace {

namespace json = boost::json;

// Which backend ("server" in the echo answer) served each of `count` requests.
std::map<std::string, int> served_by(const Gateway& gateway, int count) {
  std::map<std::string, int> by;
  for (int i = 0; i < count; ++i) {
    const CurlResult answer = http_get(gateway.port(), "/");
    if (answer.status != 200) {
      ++by["status " + std::to_string(answer.status)];
      continue;
    }
    ++by[std::string(json::parse(answer.body).at("server").as_string())];
  }
  return by;
}

std::string pool_entities(const std::string& a, const std::string& b,
                          const std::string& upstream_extra = "") {
  return R"(
[[upstreams]]
name = "pool"
targets = [{ address = ")" + a + R"(" }, { address = ")" + b + R"(" }]
)" + upstream_extra + R"(
[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "pool"
)";
}

std::string target_path(const std::string& address) {
  return "/admin/upstreams/pool/targets/" + address;
}

TEST(AdminTargets, AddDrainMarkAndRemoveOneTargetAndTheTrafficFollows) {
  EchoBackend a("a");
  EchoBackend b("b");
  EchoBackend c("c");
  Gateway gateway(sqlite_config(pool_entities(a.address(), b.address())));
  EXPECT_EQ(served_by(gateway, 6), (std::map<std::string, int>{{"a", 3}, {"b", 3}}));

  // Drain b: nothing new goes to it.
  const CurlResult drained = admin_call(gateway, "PATCH", target_path(b.address()), R"({"drain":true})");
  ASSERT_EQ(drained.status, 200) << drained.body;
  EXPECT_EQ(json::parse(drained.body).at("drain"), true);
  EXPECT_EQ(served_by(gateway, 6), (std::map<std::string, int>{{"a", 6}}));
  const std::string services = admin_call(gateway, "GET", "/admin/services").body;
  EXPECT_NE(services.find("\"address\":\"" + b.address() + "\",\"status\":\"draining\""),
            std::string::npos)
      << services;
  const std::string status = admin_call(gateway, "GET", "/admin/status/upstreams/pool").body;
  EXPECT_NE(status.find("\"drain\":true,\"health\":\"auto\""), std::string::npos) << status;

  // Marked unhealthy by hand instead: still out; back to auto: in again.
  ASSERT_EQ(admin_call(gateway, "PATCH", target_path(b.address()),
                       R"({"drain":false,"health":"unhealthy"})")
                .status,
            200);
  EXPECT_EQ(served_by(gateway, 4), (std::map<std::string, int>{{"a", 4}}));
  ASSERT_EQ(admin_call(gateway, "PATCH", target_path(b.address()), R"({"health":"auto"})").status,
            200);
  EXPECT_EQ(served_by(gateway, 4), (std::map<std::string, int>{{"a", 2}, {"b", 2}}));

  // Add c, then take a out: the list and the traffic say so.
  const CurlResult added = admin_call(gateway, "POST", "/admin/upstreams/pool/targets",
                                      R"({"address":")" + c.address() + R"("})", {"-i"});
  EXPECT_EQ(added.status, 201) << added.body;
  EXPECT_NE(added.body.find("Location: /admin/upstreams/pool/targets/" + c.address()),
            std::string::npos)
      << added.body;
  EXPECT_EQ(admin_call(gateway, "POST", "/admin/upstreams/pool/targets",
                       R"({"address":")" + c.address() + R"("})")
                .status,
            409)
      << "the address is there already";
  ASSERT_EQ(admin_call(gateway, "DELETE", target_path(a.address())).status, 204);
  EXPECT_EQ(served_by(gateway, 4), (std::map<std::string, int>{{"b", 2}, {"c", 2}}));
  const json::object listed =
      json::parse(admin_call(gateway, "GET", "/admin/upstreams/pool/targets").body).as_object();
  ASSERT_EQ(listed.at("targets").as_array().size(), 2u) << listed;
  EXPECT_EQ(listed.at("targets").at(0).at("address").as_string(), b.address());
  EXPECT_EQ(listed.at("targets").at(1).at("address").as_string(), c.address());
  // The targets are the upstream entity's: one write each, visible there too.
  const std::string upstream = admin_call(gateway, "GET", "/admin/upstreams/pool").body;
  EXPECT_EQ(upstream.find(a.address()), std::string::npos) << upstream;
}

TEST(AdminTargets, WhatCannotBeIsRefusedAndChangesNothing) {
  EchoBackend a("a");
  EchoBackend b("b");
  Gateway gateway(sqlite_config(pool_entities(a.address(), b.address())));
  const auto version = [&] {
    return json::parse(admin_call(gateway, "GET", "/admin/upstreams/pool").body).at("version");
  };
  const json::value before = version();
  const struct {
    std::string method, path, body;
    int status;
    std::string code;
  } refused[] = {
      {"PATCH", target_path("127.0.0.1:1"), R"({"weight":2})", 404, "target_not_found"},
      {"DELETE", target_path("127.0.0.1:1"), "", 404, "target_not_found"},
      {"GET", target_path("127.0.0.1:1"), "", 404, "target_not_found"},
      {"PATCH", target_path(a.address()), R"({"weight":0})", 400, "invalid_entity"},
      {"PATCH", target_path(a.address()), R"({"health":"maybe"})", 400, "invalid_entity"},
      {"PATCH", target_path(a.address()), R"({"address":"127.0.0.1:2"})", 400, "invalid_entity"},
      {"PATCH", target_path(a.address()), R"({"colour":"red"})", 400, "invalid_entity"},
      {"POST", "/admin/upstreams/pool/targets", R"({"weight":2})", 400, "invalid_entity"},
      {"POST", "/admin/upstreams/pool/targets", R"({"address":"no port"})", 400, "invalid_entity"},
      {"POST", "/admin/upstreams/nowhere/targets", R"({"address":"127.0.0.1:3"})", 404, "not_found"},
      {"PATCH", target_path(a.address()), "[1]", 400, "invalid_json"},
  };
  for (const auto& r : refused) {
    const CurlResult answer = admin_call(gateway, r.method, r.path, r.body);
    EXPECT_EQ(answer.status, r.status) << r.method << " " << r.path << " " << r.body << ": "
                                       << answer.body;
    EXPECT_NE(answer.body.find("\"code\":\"" + r.code + "\""), std::string::npos)
        << r.method << " " << r.path << ": " << answer.body;
  }
  EXPECT_EQ(version(), before) << "no refused write moved the upstream's version";

  // A stale If-Match loses; the current one wins.
  const std::string current = "\"" + std::to_string(before.as_int64()) + "\"";
  EXPECT_EQ(admin_call(gateway, "PATCH", target_path(a.address()), R"({"weight":5})",
                       {"-H", "If-Match: \"999\""})
                .status,
            412);
  EXPECT_EQ(admin_call(gateway, "PATCH", target_path(a.address()), R"({"weight":5})",
                       {"-H", "If-Match: " + current})
                .status,
            200);
  // An upstream keeps at least one target.
  ASSERT_EQ(admin_call(gateway, "DELETE", target_path(b.address())).status, 204);
  const CurlResult last = admin_call(gateway, "DELETE", target_path(a.address()));
  EXPECT_EQ(last.status, 400) << last.body;
  EXPECT_EQ(http_get(gateway.port(), "/").status, 200) << "a still serves";
}

// Health set by hand wins over the health checks: every target fails its check (the probe asks
// for a 503), so the upstream has nothing healthy until one is marked healthy.
TEST(AdminTargets, AHealthyMarkOverridesFailingHealthChecks) {
  EchoBackend a("a");
  EchoBackend b("b");
  Gateway gateway(sqlite_config(pool_entities(
      a.address(), b.address(),
      R"(health_check = { path = "/status/503", interval = "200ms", unhealthy_threshold = 1 })")));
  ASSERT_TRUE(wait_until([&] { return http_get(gateway.port(), "/").status == 503; }))
      << "both targets fail their checks";
  ASSERT_EQ(admin_call(gateway, "PATCH", target_path(a.address()), R"({"health":"healthy"})").status,
            200);
  EXPECT_EQ(served_by(gateway, 4), (std::map<std::string, int>{{"a", 4}}));
  const std::string status = admin_call(gateway, "GET", "/admin/status/upstreams/pool").body;
  EXPECT_NE(status.find("\"health\":\"healthy\""), std::string::npos) << status;
}

TEST(AdminTargets, InFileModeTargetsAreReadOnly) {
  EchoBackend a("a");
  EchoBackend b("b");
  Gateway gateway(R"(
[server]
listen = ["127.0.0.1:{port}"]
workers = 1
[admin]
listen = "127.0.0.1:{admin_port}"
)" + pool_entities(a.address(), b.address()));
  EXPECT_EQ(admin_call(gateway, "GET", "/admin/upstreams/pool/targets", "", {}, "").status, 200);
  const CurlResult write =
      admin_call(gateway, "PATCH", target_path(a.address()), R"({"drain":true})", {}, "");
  EXPECT_EQ(write.status, 405);
  EXPECT_NE(write.body.find("\"code\":\"read_only\""), std::string::npos) << write.body;
}

}  // namespace
}  // namespace apigw::test
