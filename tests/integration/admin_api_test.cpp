// The admin REST API over a real SQLite store: CRUD of every entity kind with good and bad input,
// the bearer token, optimistic concurrency, writes served on the next request, file mode being
// read-only, and config validate/export/import.
#include <gtest/gtest.h>

#include "support/admin_client.h"
#include "support/gateway.h"

namespace apigw::test {
namespace {

std::string export_of(const Gateway& gateway) {
  const auto result = admin_call(gateway, "GET", "/admin/config/export?format=json");
  EXPECT_EQ(result.status, 200) << result.body;
  // The revision changes with every write; the entities are what must stay.
  const std::size_t comma = result.body.find(',');
  return comma == std::string::npos ? result.body : result.body.substr(comma);
}

std::string upstream_json(const std::string& name, const std::string& address) {
  return R"({"name":")" + name + R"(","targets":[{"address":")" + address + R"(","weight":1}]})";
}

TEST(AdminApi, WritesAreServedOnTheNextRequest) {
  EchoBackend backend("b1");
  Gateway gateway(sqlite_config());
  // The issue's contract, verbatim.
  auto created =
      admin_call(gateway, "POST", "/admin/upstreams", upstream_json("b", backend.address()));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.headers["etag"], "\"1\"");
  EXPECT_EQ(created.headers["location"].rfind("/admin/upstreams/", 0), 0u);
  created = admin_call(gateway, "POST", "/admin/routes",
                       R"({"name":"r","match":{"path_prefix":"/b"},"upstream":"b"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const auto proxied = http_get(gateway.port(), "/b/hello");
  EXPECT_EQ(proxied.status, 200);
  EXPECT_NE(proxied.body.find("\"server\":\"b1\""), std::string::npos) << proxied.body;

  const auto config = admin_call(gateway, "GET", "/admin/config");
  EXPECT_NE(config.body.find("\"source\":\"sqlite\""), std::string::npos) << config.body;
  EXPECT_NE(config.body.find("\"revision\":2"), std::string::npos) << config.body;

  // Deleting the route stops the traffic at once.
  EXPECT_EQ(admin_call(gateway, "DELETE", "/admin/routes/r").status, 204);
  EXPECT_EQ(http_get(gateway.port(), "/b/hello").status, 404);
}

TEST(AdminApi, TokenIsRequiredUnderAdminOnly) {
  Gateway gateway(sqlite_config());
  for (const std::string token : {"", "wrong-token-0123456789"}) {
    const auto refused = admin_call(gateway, "GET", "/admin/routes", "", {}, token);
    EXPECT_EQ(refused.status, 401) << token;
    EXPECT_EQ(refused.headers["www-authenticate"], "Bearer realm=\"apigw-admin\"");
    EXPECT_NE(refused.body.find("\"code\":\"unauthorized\""), std::string::npos);
  }
  EXPECT_EQ(admin_call(gateway, "GET", "/admin/routes").status, 200);
  // Scrapers and probes need no token.
  EXPECT_EQ(admin_call(gateway, "GET", "/metrics", "", {}, "").status, 200);
  EXPECT_EQ(admin_call(gateway, "GET", "/ready", "", {}, "").status, 200);
}

TEST(AdminApi, AnUnauthorizedBodyIsNeverWaitedFor) {
  Gateway gateway(sqlite_config());
  // Announces a megabyte and sends none of it: the 401 must come from the head alone.
  const auto response = parse_response(
      raw_exchange(gateway.admin_port(),
                   "POST /admin/consumers HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n",
                   std::chrono::seconds(3)));
  EXPECT_EQ(response.status, 401);
}

TEST(AdminApi, ARefusedRequestEndsItsKeepAliveConnection) {
  Gateway gateway(sqlite_config());
  // The admin listener keeps connections alive, but not after a refusal: the announced body was
  // never read, and its bytes must not be taken for the next request.
  RawConnection client(gateway.admin_port());
  ASSERT_TRUE(
      client.send("POST /admin/consumers HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n"));
  const auto refused = client.read_response();
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.headers["connection"], "close");
  EXPECT_TRUE(client.closed_by_peer(std::chrono::seconds(3)));
}

TEST(AdminApi, AReloadCannotDropTheTokenOfANonLoopbackListener) {
  const std::string with_token = std::string(R"(
[admin]
listen = "0.0.0.0:{admin_port}"
token = ")") + kAdminToken + R"("

[server]
listen = ["127.0.0.1:{port}"]
workers = 1
)";
  Gateway gateway(with_token);
  gateway.write_config(R"(
[admin]
listen = "127.0.0.1:{admin_port}"

[server]
listen = ["127.0.0.1:{port}"]
workers = 1
)");
  ASSERT_TRUE(gateway.wait_for_metric("apigw_config_version 2"));
  EXPECT_EQ(admin_call(gateway, "GET", "/admin/routes", "", {}, "").status, 401)
      << "the listener bound to 0.0.0.0 keeps asking for the token until restart";
  EXPECT_NE(gateway.log().find("the admin token stays until restart"), std::string::npos);
}

TEST(AdminApi, StoreModeIgnoresTheFilesEntityTablesAfterSeeding) {
  EchoBackend backend("b1");
  Gateway gateway(sqlite_config("[[consumers]]\nname = \"seeded\"\n"));
  EXPECT_EQ(admin_call(gateway, "GET", "/admin/consumers/seeded").status, 200);
  // The file's tables now name a variable nobody set: they are not read any more.
  gateway.write_config(sqlite_config("[[consumers]]\nname = \"${APIGW_TEST_UNSET_VARIABLE}\"\n"));
  const auto reloaded = admin_call(gateway, "POST", "/admin/reload");
  EXPECT_EQ(reloaded.status, 200) << reloaded.body;
  EXPECT_EQ(admin_call(gateway, "POST", "/admin/consumers", R"({"name":"later"})").status, 201);
  EXPECT_EQ(admin_call(gateway, "GET", "/admin/consumers/seeded").status, 200);
}

TEST(AdminApi, CrudOfEveryKind) {
  EchoBackend backend("b1");
  Gateway gateway(sqlite_config());
  struct Kind {
    std::string collection, create, put, patch, patched_field;
  };
  // Created in dependency order, deleted in reverse.
  const std::vector<Kind> kinds = {
      {"upstreams", upstream_json("u", backend.address()),
       upstream_json("u", backend.address()).insert(1, R"("balancer":"least_connections",)"),
       R"({"connect_timeout":"1s"})", R"("connect_timeout":"1s")"},
      {"routes", R"({"name":"r","match":{"path_prefix":"/r"},"upstream":"u"})",
       R"({"name":"r","match":{"path_prefix":"/r2"},"upstream":"u"})", R"({"timeout":"3s"})",
       R"("timeout":"3s")"},
      {"consumers", R"({"name":"alice"})", R"({"name":"alice","custom_id":"a-1"})",
       R"({"custom_id":"a-2"})", R"("custom_id":"a-2")"},
      {"credentials",
       R"({"name":"alice-key","consumer":"alice","type":"api_key","key":"k-0123456789abcdef"})",
       R"({"name":"alice-key","consumer":"alice","type":"api_key","key":"k-fedcba9876543210"})",
       R"({"tags":["rotated"]})", R"("tags":["rotated"])"},
      {"plugins",
       R"({"name":"p","filter":"headers","route":"r","config":{"response_set":{"x-p":"1"}}})",
       R"({"name":"p","filter":"headers","config":{"response_set":{"x-p":"2"}}})",
       R"({"enabled":false})", R"("enabled":false)"},
      {"rate_limits", R"({"name":"rl","route":"r","limit":10,"window":"1s"})",
       R"({"name":"rl","limit":20,"window":"1s"})", R"({"algorithm":"sliding_window"})",
       R"("algorithm":"sliding_window")"},
  };
  for (const auto& kind : kinds) {
    SCOPED_TRACE(kind.collection);
    const std::string base = "/admin/" + kind.collection;
    const auto created = admin_call(gateway, "POST", base, kind.create);
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string id = created.body.substr(7, 36);  // {"id":"<uuid>",...
    EXPECT_EQ(created.headers["location"], base + "/" + id);
    EXPECT_EQ(admin_call(gateway, "POST", base, kind.create).status, 409) << "name clash";
    // By id and by name.
    EXPECT_EQ(admin_call(gateway, "GET", base + "/" + id).status, 200);
    const std::size_t name_at = created.body.find("\"name\":\"") + 8;
    const std::string name =
        created.body.substr(name_at, created.body.find('"', name_at) - name_at);
    const auto by_name = admin_call(gateway, "GET", base + "/" + name);
    EXPECT_EQ(by_name.status, 200);
    EXPECT_EQ(by_name.headers["etag"], "\"1\"");
    const auto listed = admin_call(gateway, "GET", base);
    EXPECT_NE(listed.body.find("\"total\":1"), std::string::npos) << listed.body;
    const auto replaced = admin_call(gateway, "PUT", base + "/" + id, kind.put);
    EXPECT_EQ(replaced.status, 200) << replaced.body;
    EXPECT_EQ(replaced.headers["etag"], "\"2\"");
    const auto patched = admin_call(gateway, "PATCH", base + "/" + id, kind.patch);
    EXPECT_EQ(patched.status, 200) << patched.body;
    EXPECT_NE(patched.body.find(kind.patched_field), std::string::npos) << patched.body;
    EXPECT_NE(patched.body.find("\"version\":3"), std::string::npos) << patched.body;
    EXPECT_EQ(admin_call(gateway, "GET", base + "/00000000-0000-4000-8000-000000000000").status,
              404);
  }
  // Secrets are stored hashed and never shown.
  const auto credential = admin_call(gateway, "GET", "/admin/credentials/alice-key");
  EXPECT_EQ(credential.body.find("k-fedcba9876543210"), std::string::npos);
  EXPECT_NE(credential.body.find("\"key_hash\":\"sha256:"), std::string::npos) << credential.body;
  // PUT on a key that does not exist creates it under that name.
  EXPECT_EQ(admin_call(gateway, "PUT", "/admin/consumers/bob", "{}").status, 201);
  // Deleting an upstream a route uses breaks the route: refused, nothing changes.
  const auto in_use = admin_call(gateway, "DELETE", "/admin/upstreams/u");
  EXPECT_EQ(in_use.status, 409) << in_use.body;
  EXPECT_NE(in_use.body.find("\"entity\":\"routes/r\",\"field\":\"upstream\""), std::string::npos)
      << in_use.body;
  for (auto kind = kinds.rbegin(); kind != kinds.rend(); ++kind) {
    const std::string name = kind->collection == "upstreams"     ? "u"
                             : kind->collection == "routes"      ? "r"
                             : kind->collection == "consumers"   ? "alice"
                             : kind->collection == "credentials" ? "alice-key"
                             : kind->collection == "plugins"     ? "p"
                                                                 : "rl";
    EXPECT_EQ(admin_call(gateway, "DELETE", "/admin/" + kind->collection + "/" + name).status, 204)
        << kind->collection;
    EXPECT_EQ(admin_call(gateway, "DELETE", "/admin/" + kind->collection + "/" + name).status, 404);
  }
}

TEST(AdminApi, MalformedBodiesAreRefusedWithFieldPathsAndChangeNothing) {
  EchoBackend backend("b1");
  Gateway gateway(sqlite_config());
  ASSERT_EQ(
      admin_call(gateway, "POST", "/admin/upstreams", upstream_json("b", backend.address())).status,
      201);
  const std::string before = export_of(gateway);
  struct Case {
    std::string path, body, expected;  // expected: a field path or code in the answer
  };
  const std::vector<Case> cases = {
      {"/admin/upstreams", "{", "\"code\":\"invalid_json\""},
      {"/admin/upstreams", "[1,2]", "\"code\":\"invalid_json\""},
      {"/admin/upstreams", "", "\"code\":\"invalid_json\""},
      {"/admin/upstreams", R"({"targets":[]})", "\"field\":\"name\""},
      {"/admin/upstreams", R"({"name":"x","targets":[{"address":"nohost"}]})",
       "\"field\":\"targets.0.address\""},
      {"/admin/upstreams", R"({"name":"x","targets":[{"address":"127.0.0.1:1","weight":"a"}]})",
       "\"field\":\"targets.0.weight\""},
      {"/admin/upstreams", R"({"name":"x","targets":[],"conect_timeout":"1s"})",
       "did you mean 'connect_timeout'"},
      {"/admin/upstreams", R"({"name":"x","targets":[],"connect_timeout":null})",
       "\"field\":\"connect_timeout\""},
      {"/admin/upstreams", R"({"name":"x y","targets":[]})", "\"field\":\"name\""},
      {"/admin/upstreams", R"({"name":"x","id":"not-a-uuid","targets":[]})", "\"field\":\"id\""},
      {"/admin/upstreams", R"({"name":"x","tags":"t","targets":[]})", "\"field\":\"tags\""},
      {"/admin/routes", R"({"name":"r","match":{"path_prefix":"/r"},"upstream":"missing"})",
       "\"field\":\"upstream\""},
      {"/admin/routes", R"({"name":"r","match":{"path_prefix":"/r","path":"/x"},"upstream":"b"})",
       "\"entity\":\"routes/r\""},
      {"/admin/routes", R"({"name":"r","match":{"path_prefix":"/r"},"upstream":"b","timeout":5})",
       "\"field\":\"timeout\""},
      {"/admin/consumers", R"({"name":"c","custom_id":5})", "\"field\":\"custom_id\""},
      {"/admin/consumers", R"({"name":"c","roles":["x"]})", "unknown key 'roles'"},
      {"/admin/credentials", R"({"name":"c","consumer":"nobody","type":"api_key","key":"short"})",
       "\"field\":\"key\""},
      {"/admin/plugins", R"({"name":"p","filter":"nope"})", "\"field\":\"filter\""},
      {"/admin/plugins", R"({"name":"p","filter":"headers","config":{"request_set":{"host":"x"}}})",
       "\"field\":\"config.request_set.host\""},
      {"/admin/rate_limits", R"({"name":"rl","limit":0,"window":"1s"})", "\"field\":\"limit\""},
      {"/admin/rate_limits", R"({"name":"rl","limit":5,"window":"1s","key":"cookie"})",
       "\"field\":\"key\""},
  };
  for (const auto& c : cases) {
    const auto refused = admin_call(gateway, "POST", c.path, c.body);
    EXPECT_EQ(refused.status, 400) << c.path << " " << c.body << " -> " << refused.body;
    EXPECT_NE(refused.body.find(c.expected), std::string::npos) << c.body << " -> " << refused.body;
  }
  // Several errors at once, each with its field.
  const auto many =
      admin_call(gateway, "POST", "/admin/upstreams",
                 R"({"name":"x","targets":[{"address":"a"}],"balancer":"nope","hash_on":1})");
  EXPECT_EQ(many.status, 400);
  for (const char* field : {"targets.0.address", "balancer", "hash_on"}) {
    EXPECT_NE(many.body.find("\"field\":\"" + std::string(field) + "\""), std::string::npos)
        << field << " in " << many.body;
  }
  EXPECT_EQ(admin_call(gateway, "PATCH", "/admin/upstreams/b", R"({"id":"x"})").status, 400);
  EXPECT_EQ(admin_call(gateway, "PATCH", "/admin/upstreams/b", R"({"targets":null})").status, 400);
  EXPECT_EQ(admin_call(gateway, "GET", "/admin/routes?limit=0").status, 400);
  EXPECT_EQ(admin_call(gateway, "GET", "/admin/widgets").status, 404);
  EXPECT_EQ(admin_call(gateway, "PATCH", "/admin/routes").status, 405);
  EXPECT_EQ(export_of(gateway), before);
}

TEST(AdminApi, StaleWritesAreRefusedWith412) {
  EchoBackend backend("b1");
  Gateway gateway(sqlite_config());
  ASSERT_EQ(
      admin_call(gateway, "POST", "/admin/upstreams", upstream_json("b", backend.address())).status,
      201);
  const auto first = admin_call(gateway, "PATCH", "/admin/upstreams/b", R"({"tags":["a"]})",
                                {"-H", "If-Match: \"1\""});
  EXPECT_EQ(first.status, 200) << first.body;
  // A second writer who read version 1 too.
  const auto stale = admin_call(gateway, "PATCH", "/admin/upstreams/b", R"({"tags":["b"]})",
                                {"-H", "If-Match: \"1\""});
  EXPECT_EQ(stale.status, 412) << stale.body;
  EXPECT_NE(stale.body.find("\"code\":\"version_mismatch\""), std::string::npos);
  // The version field in a body is the same precondition.
  EXPECT_EQ(admin_call(gateway, "PUT", "/admin/upstreams/b",
                       upstream_json("b", backend.address()).insert(1, "\"version\":1,"))
                .status,
            412);
  EXPECT_EQ(
      admin_call(gateway, "DELETE", "/admin/upstreams/b", "", {"-H", "If-Match: \"9\""}).status,
      412);
  EXPECT_EQ(admin_call(gateway, "DELETE", "/admin/upstreams/b", "", {"-H", "If-Match: x"}).status,
            400);
  const auto current = admin_call(gateway, "GET", "/admin/upstreams/b");
  EXPECT_NE(current.body.find("\"tags\":[\"a\"]"), std::string::npos) << current.body;
  EXPECT_EQ(
      admin_call(gateway, "DELETE", "/admin/upstreams/b", "", {"-H", "If-Match: \"2\""}).status,
      204);
}

TEST(AdminApi, ListsPageAndFilterByTag) {
  Gateway gateway(sqlite_config());
  for (int i = 0; i < 5; ++i) {
    const std::string tags = i % 2 == 0 ? R"(["even","all"])" : R"(["odd","all"])";
    ASSERT_EQ(admin_call(gateway, "POST", "/admin/consumers",
                         R"({"name":"c)" + std::to_string(i) + R"(","tags":)" + tags + "}")
                  .status,
              201);
  }
  const auto page = admin_call(gateway, "GET", "/admin/consumers?limit=2");
  EXPECT_NE(page.body.find("\"total\":5"), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("\"next\":\"/admin/consumers?offset=2&limit=2\""), std::string::npos)
      << page.body;
  const auto last = admin_call(gateway, "GET", "/admin/consumers?offset=4&limit=2");
  EXPECT_NE(last.body.find("\"name\":\"c4\""), std::string::npos) << last.body;
  EXPECT_NE(last.body.find("\"next\":null"), std::string::npos) << last.body;
  const auto even = admin_call(gateway, "GET", "/admin/consumers?tag=even&tag=all");
  EXPECT_NE(even.body.find("\"total\":3"), std::string::npos) << even.body;
  EXPECT_EQ(even.body.find("\"name\":\"c1\""), std::string::npos) << even.body;
}

TEST(AdminApi, FileModeIsReadOnlyAndReloadRereadsTheFile) {
  EchoBackend backend("b1");
  Gateway gateway(pool_config(targets_toml({backend.address()})));
  const auto listed = admin_call(gateway, "GET", "/admin/routes", "", {}, "");
  EXPECT_EQ(listed.status, 200);
  EXPECT_NE(listed.body.find("\"name\":\"all\""), std::string::npos) << listed.body;
  const auto refused = admin_call(gateway, "POST", "/admin/consumers", R"({"name":"a"})", {}, "");
  EXPECT_EQ(refused.status, 405) << refused.body;
  EXPECT_NE(refused.body.find("\"code\":\"read_only\""), std::string::npos);
  const auto config = admin_call(gateway, "GET", "/admin/config", "", {}, "");
  EXPECT_NE(config.body.find("\"source\":\"file\",\"writable\":false"), std::string::npos)
      << config.body;

  gateway.write_config(pool_config(targets_toml({backend.address()})) +
                       "\n[[consumers]]\nname = \"from-file\"\n");
  const auto reloaded = admin_call(gateway, "POST", "/admin/reload", "", {}, "");
  EXPECT_EQ(reloaded.status, 200) << reloaded.body;
  EXPECT_NE(admin_call(gateway, "GET", "/admin/consumers/from-file", "", {}, "").status, 404);
  gateway.write_config("[server\n");
  const auto broken = admin_call(gateway, "POST", "/admin/reload", "", {}, "");
  EXPECT_EQ(broken.status, 400);
  EXPECT_NE(broken.body.find("TOML syntax error"), std::string::npos) << broken.body;
  EXPECT_EQ(http_get(gateway.port(), "/").status, 200) << "the old config keeps serving";
}

}  // namespace
}  // namespace apigw::test
