// The admin API against its own OpenAPI document, on a real gateway in SQLite store mode: every
// operation the document lists is called and must answer one of the statuses it documents for
// it; GET /admin/status says who the node is; query parameters an endpoint does not read are
// refused.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "support/admin_client.h"
#include "support/gateway.h"

namespace apigw::test {
namespace {

namespace json = boost::json;

// A plausible body for each writing operation of the test's order below.
std::string body_for(const std::string& method, const std::string& path) {
  if (path.ends_with("/targets")) return R"({"address":"127.0.0.1:9003"})";
  if (path.ends_with("{target}")) return R"({"weight":3})";
  if (path == "/admin/config/validate" || path == "/admin/config/import") {
    return R"({"upstreams":[{"name":"backend","targets":[{"address":"127.0.0.1:9001"}]}],)"
           R"("routes":[{"name":"all","match":{"path_prefix":"/"},"upstream":"backend"}]})";
  }
  if (method == "PATCH") return R"({"tags":["patched"]})";
  if (method == "PUT" || method == "POST") {
    return R"({"name":"backend","targets":[{"address":"127.0.0.1:9001","weight":2}]})";
  }
  return "";
}

TEST(AdminOpenApi, EveryDocumentedOperationAnswersADocumentedStatus) {
  EchoBackend backend("b1");
  Gateway gateway(sqlite_config(R"(
[[upstreams]]
name = "backend"
targets = [{ address = "127.0.0.1:9001" }]

[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "backend"
)"));
  const CurlResult served = admin_call(gateway, "GET", "/admin/openapi.json");
  ASSERT_EQ(served.status, 200);
  const json::object document = json::parse(served.body).as_object();
  EXPECT_EQ(document.at("openapi"), "3.1.0");

  // Reads first, then writes in an order where each finds what it needs: create (POST) before
  // PUT and PATCH, DELETE last.
  int called = 0;
  for (const char* method : {"get", "post", "put", "patch", "delete"}) {
    for (const auto& [path_key, item] : document.at("paths").as_object()) {
      const json::object& operations = item.as_object();
      if (!operations.contains(method)) continue;
      std::string path(path_key);
      for (const auto& [name, value] : {std::pair<std::string, std::string>{"{collection}", "upstreams"},
                                        {"{key}", "backend"},
                                        {"{upstream}", "backend"},
                                        {"{route}", "all"},
                                        {"{target}", std::string(method) == "delete"
                                                         ? "127.0.0.1:9003"
                                                         : "127.0.0.1:9001"}}) {
        if (const auto at = path.find(name); at != std::string::npos) path.replace(at, name.size(), value);
      }
      std::string upper(method);
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      // A POST to the collection creates a second upstream: "backend" is taken.
      std::string body = body_for(upper, std::string(path_key));
      if (upper == "POST" && path == "/admin/upstreams") {
        body = R"({"name":"extra","targets":[{"address":"127.0.0.1:9002"}]})";
      }
      // DELETE of "backend" is refused while the route refers to it (409, documented); the extra
      // one goes.
      if (upper == "DELETE" && path_key == "/admin/{collection}/{key}") {
        path = "/admin/upstreams/extra";
      }
      const CurlResult answer = admin_call(gateway, upper, path, body);
      std::set<int> documented;
      for (const auto& [status, response] : operations.at(method).at("responses").as_object()) {
        documented.insert(std::stoi(std::string(status)));
      }
      EXPECT_TRUE(documented.contains(answer.status))
          << upper << " " << path << " answered " << answer.status << ": " << answer.body;
      ++called;
    }
  }
  EXPECT_GE(called, 27);
}

TEST(AdminOpenApi, StatusNamesTheNodeItsVersionAndWhatItServes) {
  EchoBackend backend("b1");
  Gateway gateway(sqlite_config());
  const CurlResult answer = admin_call(gateway, "GET", "/admin/status");
  ASSERT_EQ(answer.status, 200) << answer.body;
  const json::object status = json::parse(answer.body).as_object();
  EXPECT_EQ(status.at("version"), "0.1.0");
  EXPECT_EQ(status.at("node_id").as_string().size(), 32u);
  EXPECT_FALSE(status.at("hostname").as_string().empty());
  EXPECT_EQ(status.at("pid").as_int64(), gateway.process().pid());
  EXPECT_GE(status.at("uptime_seconds").as_double(), 0.0);
  EXPECT_EQ(status.at("ready"), true);
  EXPECT_EQ(status.at("workers").as_int64(), 1);
  EXPECT_GE(status.at("snapshot_version").as_int64(), 1);
  EXPECT_EQ(status.at("config").at("source"), "sqlite");
  EXPECT_EQ(status.at("config").at("store_reachable"), true);
  // The same node id every time; the token is needed as everywhere under /admin/.
  EXPECT_EQ(json::parse(admin_call(gateway, "GET", "/admin/status").body).at("node_id"),
            status.at("node_id"));
  EXPECT_EQ(admin_call(gateway, "GET", "/admin/status", "", {}, "").status, 401);
}

TEST(AdminOpenApi, QueryParametersAnEndpointDoesNotReadAreRefused) {
  EchoBackend backend("b1");
  Gateway gateway(sqlite_config());
  for (const std::string path :
       {"/admin/upstreams?limt=5", "/admin/status?verbose=1", "/admin/config/export?fromat=json",
        "/admin/stats?route=x"}) {
    const CurlResult answer = admin_call(gateway, "GET", path);
    EXPECT_EQ(answer.status, 400) << path << ": " << answer.body;
    EXPECT_NE(answer.body.find("\"code\":\"invalid_query\""), std::string::npos) << answer.body;
    EXPECT_NE(answer.body.find("unknown query parameter"), std::string::npos) << answer.body;
  }
  EXPECT_EQ(admin_call(gateway, "GET", "/admin/upstreams?limit=5&tag=a").status, 200);
  EXPECT_EQ(admin_call(gateway, "GET", "/admin/config/export?format=json").status, 200);
  const CurlResult wrong = admin_call(gateway, "DELETE", "/admin/status", "", {"-i"});
  EXPECT_EQ(wrong.status, 405);
  EXPECT_NE(wrong.body.find("Allow: GET, HEAD"), std::string::npos) << wrong.body;
}

}  // namespace
}  // namespace apigw::test
