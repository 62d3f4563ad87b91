#include "admin/admin_routes.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "admin/openapi_document.h"

namespace apigw::admin {
namespace {

namespace json = boost::json;

AdminRequest request(std::string method, std::string path,
                     std::vector<std::pair<std::string, std::string>> query = {}) {
  AdminRequest out;
  out.method = std::move(method);
  out.path = std::move(path);
  out.query = std::move(query);
  return out;
}

AdminEndpoint endpoint_of(std::string_view path) {
  const AdminRoute* route = match_admin_route(path);
  EXPECT_NE(route, nullptr) << path;
  return route != nullptr ? route->endpoint : AdminEndpoint::metrics;
}

TEST(AdminRoutes, PathsFindTheirEndpoint) {
  EXPECT_EQ(endpoint_of("/admin/status"), AdminEndpoint::status);
  EXPECT_EQ(endpoint_of("/admin/status/upstreams"), AdminEndpoint::upstream_status_all);
  EXPECT_EQ(endpoint_of("/admin/status/upstreams/b"), AdminEndpoint::upstream_status);
  EXPECT_EQ(endpoint_of("/admin/stats/routes/r"), AdminEndpoint::route_stats);
  EXPECT_EQ(endpoint_of("/admin/config"), AdminEndpoint::config_status);
  EXPECT_EQ(endpoint_of("/admin/config/export"), AdminEndpoint::config_export);
  EXPECT_EQ(endpoint_of("/admin/routes"), AdminEndpoint::collection);
  EXPECT_EQ(endpoint_of("/admin/rate_limits/r-100rps"), AdminEndpoint::entity);
  EXPECT_EQ(endpoint_of("/admin/upstreams/b/targets"), AdminEndpoint::targets);
  EXPECT_EQ(endpoint_of("/admin/upstreams/b/targets/[::1]:9001"), AdminEndpoint::target);
  for (const std::string_view unknown :
       {"/admin", "/admin/", "/admin/bogus", "/admin/bogus/x", "/admin/routes/", "/admin/routes/r/x",
        "/admin/config/bogus", "/admin/status/upstreams/", "/admin/stats/routes", "/other",
        "/metrics/x", "/admin/routes/r/targets", "/admin/upstreams/b/targets/a/b"}) {
    EXPECT_EQ(match_admin_route(unknown), nullptr) << unknown;
  }
}

TEST(AdminRoutes, AMethodOutsideTheRouteIs405WithAllow) {
  const AdminRoute& collection = *match_admin_route("/admin/routes");
  const auto refused = refuse_request(collection, request("DELETE", "/admin/routes"));
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 405);
  ASSERT_EQ(refused->headers.size(), 1u);
  EXPECT_EQ(refused->headers[0].second, "GET, HEAD, POST");
  EXPECT_FALSE(refuse_request(collection, request("HEAD", "/admin/routes")).has_value());
}

TEST(AdminRoutes, AnUnknownQueryParameterIs400NamingWhatTheEndpointTakes) {
  const AdminRoute& collection = *match_admin_route("/admin/routes");
  EXPECT_FALSE(
      refuse_request(collection, request("GET", "/admin/routes", {{"limit", "5"}, {"tag", "a"}}))
          .has_value());
  const auto refused =
      refuse_request(collection, request("GET", "/admin/routes", {{"limt", "5"}}));
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 400);
  EXPECT_NE(refused->body.find("unknown query parameter 'limt' (this endpoint takes: limit, "
                               "offset, tag, tags)"),
            std::string::npos)
      << refused->body;
  const auto none = refuse_request(*match_admin_route("/admin/status"),
                                   request("GET", "/admin/status", {{"verbose", "1"}}));
  ASSERT_TRUE(none.has_value());
  EXPECT_NE(none->body.find("takes none"), std::string::npos) << none->body;
  // Probes and the scrape endpoint take whatever a scraper or an orchestrator adds.
  EXPECT_FALSE(refuse_request(*match_admin_route("/metrics"),
                              request("GET", "/metrics", {{"name[]", "x"}}))
                   .has_value());
}

// Every $ref of the document points at something in it.
void check_refs(const json::value& node, const json::object& root, const std::string& where) {
  if (const auto* object = node.if_object()) {
    for (const auto& [key, value] : *object) {
      if (key == "$ref") {
        std::string_view ref = value.as_string();
        ASSERT_TRUE(ref.starts_with("#/")) << where;
        const json::value* target = nullptr;
        const json::object* at = &root;  // walked from the root, one name at a time
        ref.remove_prefix(2);
        while (!ref.empty()) {
          const std::size_t slash = ref.find('/');
          const std::string part(ref.substr(0, slash));
          ASSERT_NE(at, nullptr) << where << ": " << value.as_string();
          const json::value* next = at->if_contains(part);
          ASSERT_NE(next, nullptr) << where << ": " << value.as_string();
          target = next;
          at = next->if_object();
          ref.remove_prefix(slash == std::string_view::npos ? ref.size() : slash + 1);
        }
        EXPECT_NE(target, nullptr);
      } else {
        check_refs(value, root, where + "/" + std::string(key));
      }
    }
  } else if (const auto* array = node.if_array()) {
    for (const auto& element : *array) check_refs(element, root, where);
  }
}

// The document the listener serves and the routes it dispatches by are the same API: every
// route with its methods and query parameters is in the document, and nothing else is.
TEST(AdminRoutes, TheOpenApiDocumentDescribesExactlyTheRoutes) {
  const json::value document = json::parse(openapi_document());
  const json::object& root = document.as_object();
  EXPECT_EQ(root.at("openapi"), "3.1.0");
  const json::object& paths = root.at("paths").as_object();
  std::set<std::string> documented;
  for (const auto& [path, item] : paths) documented.insert(std::string(path));
  std::set<std::string> routed;
  for (const AdminRoute& route : admin_routes()) routed.insert(std::string(route.pattern));
  EXPECT_EQ(documented, routed);

  for (const AdminRoute& route : admin_routes()) {
    SCOPED_TRACE(std::string(route.pattern));
    const json::object& item = paths.at(route.pattern).as_object();
    std::set<std::string> methods;
    for (const auto& [key, value] : item) {
      if (key != "parameters" && key != "summary" && key != "description") {
        methods.insert(std::string(key));
      }
    }
    std::set<std::string> expected;
    for (const std::string_view method : route.methods) {
      std::string lower(method);
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      expected.insert(lower);
    }
    EXPECT_EQ(methods, expected);
    // The query parameters the route reads are the GET's (or only operation's) query parameters.
    std::set<std::string> query;
    for (const auto& [key, operation] : item) {
      if (!operation.is_object() || !operation.as_object().contains("parameters")) continue;
      for (const auto& parameter : operation.at("parameters").as_array()) {
        const json::object& p = parameter.as_object();
        if (p.contains("in") && p.at("in") == "query") query.insert(std::string(p.at("name").as_string()));
      }
    }
    const std::set<std::string> reads(route.query.begin(), route.query.end());
    EXPECT_EQ(query, reads);
    for (const auto& [key, operation] : item) {
      if (operation.is_object() && key != "parameters") {
        EXPECT_TRUE(operation.as_object().contains("responses")) << key;
      }
    }
  }
  check_refs(document, root, "");
}

}  // namespace
}  // namespace apigw::admin
