// The richer match kinds of [routes.match] end to end (docs: src/proxy/router/router.h): a
// path_regex whose named group feeds the rewrite, several paths per route, query, cookie and
// regex header predicates, the precedence exact > template > regex > prefix on one path space, the
// 404 for what nothing matches, and a bad regex refused at load with its file:line.
#include <gtest/gtest.h>

#include <set>

#include "support/gateway.h"

namespace apigw::test {
namespace {

// Every route answers through the same echo backend and names itself in X-Route, so a test sees
// which route took a request and, from the echo, what path and query reached the backend.
const std::string kConfig = R"toml(
[server]
listen = ["127.0.0.1:{port}"]
workers = 2
[admin]
listen = "127.0.0.1:{admin_port}"

[[upstreams]]
name = "echo"
targets = [{ address = "{echo}" }]

[[routes]]
name = "order"
upstream = "echo"
match = { path_regex = "/shop/order-(?P<id>[0-9]+)" }
rewrite = { template = "/orders/{id}" }
filters = [{ name = "headers", response_set = { "x-route" = "order" } }]

[[routes]]
name = "several"
upstream = "echo"
match = { paths = [{ prefix = "/m/docs" }, { exact = "/m/about" }, { template = "/m/users/{id}" }, { regex = "/m/v[0-9]+/status" }] }
filters = [{ name = "headers", response_set = { "x-route" = "several" } }]

[[routes]]
name = "renamed"
upstream = "echo"
match = { paths = [{ prefix = "/v1/users" }, { prefix = "/people" }] }
rewrite = { replace_prefix = "/accounts" }
filters = [{ name = "headers", response_set = { "x-route" = "renamed" } }]

[[routes]]
name = "q-exact"
upstream = "echo"
match = { path = "/q/exact", query = [{ name = "v", exact = "2" }] }
filters = [{ name = "headers", response_set = { "x-route" = "q-exact" } }]

[[routes]]
name = "q-space"
upstream = "echo"
match = { path = "/q/space", query = [{ name = "who", exact = "a b" }] }
filters = [{ name = "headers", response_set = { "x-route" = "q-space" } }]

[[routes]]
name = "q-present"
upstream = "echo"
match = { path = "/q/present", query = [{ name = "debug", present = true }] }
filters = [{ name = "headers", response_set = { "x-route" = "q-present" } }]

[[routes]]
name = "q-absent"
upstream = "echo"
match = { path = "/q/absent", query = [{ name = "debug", absent = true }] }
filters = [{ name = "headers", response_set = { "x-route" = "q-absent" } }]

[[routes]]
name = "q-regex"
upstream = "echo"
match = { path = "/q/regex", query = [{ name = "lang", regex = "en|de" }] }
filters = [{ name = "headers", response_set = { "x-route" = "q-regex" } }]

[[routes]]
name = "beta"
upstream = "echo"
match = { path = "/c/beta", cookies = [{ name = "beta", exact = "1" }] }
filters = [{ name = "headers", response_set = { "x-route" = "beta" } }]

[[routes]]
name = "session"
upstream = "echo"
match = { path = "/c/session", cookies = [{ name = "session", regex = "[0-9a-f]{8}" }] }
filters = [{ name = "headers", response_set = { "x-route" = "session" } }]

[[routes]]
name = "versioned"
upstream = "echo"
match = { path = "/h", headers = [{ name = "X-Version", regex = "v[0-9]+" }] }
filters = [{ name = "headers", response_set = { "x-route" = "versioned" } }]

# One path space, written from the least specific to the most, so the order in the file (rule 5)
# would pick the prefix every time if the path kinds did not rank.
[[routes]]
name = "p-prefix"
upstream = "echo"
match = { path_prefix = "/p/items" }
filters = [{ name = "headers", response_set = { "x-route" = "p-prefix" } }]

[[routes]]
name = "p-regex"
upstream = "echo"
match = { path_regex = "/p/items/[0-9a-z]+(/[a-z]+)?" }
filters = [{ name = "headers", response_set = { "x-route" = "p-regex" } }]

[[routes]]
name = "p-template"
upstream = "echo"
match = { path_template = "/p/items/{id}" }
filters = [{ name = "headers", response_set = { "x-route" = "p-template" } }]

[[routes]]
name = "p-exact"
upstream = "echo"
match = { path = "/p/items/new" }
filters = [{ name = "headers", response_set = { "x-route" = "p-exact" } }]

# Rule 4 counts header, query and cookie predicates together; again the least specific first.
[[routes]]
name = "r4-one"
upstream = "echo"
match = { path_prefix = "/r4", query = [{ name = "a" }] }
filters = [{ name = "headers", response_set = { "x-route" = "r4-one" } }]

[[routes]]
name = "r4-two"
upstream = "echo"
match = { path_prefix = "/r4", query = [{ name = "a" }], cookies = [{ name = "c" }] }
filters = [{ name = "headers", response_set = { "x-route" = "r4-two" } }]

[[routes]]
name = "r4-three"
upstream = "echo"
match = { path_prefix = "/r4", query = [{ name = "a" }], cookies = [{ name = "c" }], headers = [{ name = "x-h" }] }
filters = [{ name = "headers", response_set = { "x-route" = "r4-three" } }]
)toml";

class RoutingMatchKinds : public ::testing::Test {
 protected:
  EchoBackend backend{"echo"};
  Gateway gateway{fill(kConfig, {{"echo", backend.address()}})};

  // Sends GET `target` as written (no client-side normalization or encoding) with the extra
  // header lines, and returns the route that answered (X-Route), or the status when none did.
  std::string route_of(const std::string& target, const std::string& headers = "") {
    last_ = parse_response(raw_exchange(gateway.port(), "GET " + target +
                                                            " HTTP/1.1\r\nHost: example.test\r\n" +
                                                            headers + "Connection: close\r\n\r\n"));
    const std::string route = last_.headers["x-route"];
    return route.empty() ? std::to_string(last_.status) : route;
  }

  // The path and query the backend received for the last request (from the echo).
  std::string upstream_target() const {
    const std::string marker = "\"path\":\"";
    const auto start = last_.body.find(marker);
    if (start == std::string::npos) return "(no echo: " + last_.body + ")";
    const auto from = start + marker.size();
    return last_.body.substr(from, last_.body.find('"', from) - from);
  }

  HttpResponse last_;
};

TEST_F(RoutingMatchKinds, RegexNamedGroupFeedsTheRewriteTemplate) {
  EXPECT_EQ(route_of("/shop/order-42"), "order");
  EXPECT_EQ(upstream_target(), "/orders/42");
  EXPECT_EQ(route_of("/shop/order-7?expand=items"), "order");
  EXPECT_EQ(upstream_target(), "/orders/7?expand=items") << "the query follows the rewrite";
  // The regex is anchored at both ends and its class is what it says.
  EXPECT_EQ(route_of("/shop/order-abc"), "404");
  EXPECT_EQ(route_of("/shop/order-42/items"), "404");
  EXPECT_EQ(route_of("/x/shop/order-42"), "404");
  // It matches the normalized path, as every kind does.
  EXPECT_EQ(route_of("/shop/./x/../order-%34%32"), "order");
  EXPECT_EQ(upstream_target(), "/orders/42");
}

TEST_F(RoutingMatchKinds, EveryEntryOfAPathsListReachesTheRoute) {
  for (const char* path : {"/m/docs", "/m/docs/guide/intro", "/m/about", "/m/users/7",
                           "/m/v2/status", "/m/v10/status"}) {
    EXPECT_EQ(route_of(path), "several") << path;
    EXPECT_EQ(upstream_target(), path) << "no rewrite: the path goes up as matched";
  }
  // Each entry keeps its own kind's rules.
  for (const char* path : {"/m/docsx", "/m/about/team", "/m/users/7/posts", "/m/users/",
                           "/m/vx/status", "/m/v2/status/x"}) {
    EXPECT_EQ(route_of(path), "404") << path;
  }
}

TEST_F(RoutingMatchKinds, ReplacePrefixRewritesThePrefixThatMatched) {
  EXPECT_EQ(route_of("/v1/users/7"), "renamed");
  EXPECT_EQ(upstream_target(), "/accounts/7");
  EXPECT_EQ(route_of("/people/7?full=1"), "renamed");
  EXPECT_EQ(upstream_target(), "/accounts/7?full=1");
  EXPECT_EQ(route_of("/people"), "renamed");
  EXPECT_EQ(upstream_target(), "/accounts");
  EXPECT_EQ(route_of("/peoplex"), "404") << "prefixes match whole segments";
}

TEST_F(RoutingMatchKinds, QueryExactAndRegexCompareDecodedValues) {
  for (const char* ok : {"/q/exact?v=2", "/q/exact?a=1&v=2", "/q/exact?v=1&v=2", "/q/exact?v=%32",
                         "/q/exact?%76=2"}) {
    EXPECT_EQ(route_of(ok), "q-exact") << ok;
  }
  EXPECT_EQ(upstream_target(), "/q/exact?%76=2") << "the query goes up as the client wrote it";
  for (const char* no : {"/q/exact", "/q/exact?v=3", "/q/exact?v=2x", "/q/exact?V=2",
                         "/q/exact?vv=2", "/q/exact?v"}) {
    EXPECT_EQ(route_of(no), "404") << no;
  }
  // '+' is a plus, not a space: no form encoding is assumed.
  EXPECT_EQ(route_of("/q/space?who=a%20b"), "q-space");
  EXPECT_EQ(route_of("/q/space?who=a+b"), "404");

  for (const char* ok : {"/q/regex?lang=en", "/q/regex?lang=de", "/q/regex?lang=%64e"}) {
    EXPECT_EQ(route_of(ok), "q-regex") << ok;
  }
  for (const char* no : {"/q/regex?lang=fr", "/q/regex?lang=den", "/q/regex?lang=e", "/q/regex"}) {
    EXPECT_EQ(route_of(no), "404") << no << ": the regex matches the whole value";
  }
}

TEST_F(RoutingMatchKinds, QueryPresentAndAbsent) {
  for (const char* ok :
       {"/q/present?debug", "/q/present?debug=0", "/q/present?x=1&debug=", "/q/present?de%62ug"}) {
    EXPECT_EQ(route_of(ok), "q-present") << ok;
  }
  for (const char* no : {"/q/present", "/q/present?x=1", "/q/present?debugger=1"}) {
    EXPECT_EQ(route_of(no), "404") << no;
  }
  for (const char* ok : {"/q/absent", "/q/absent?x=1", "/q/absent?debugger"}) {
    EXPECT_EQ(route_of(ok), "q-absent") << ok;
  }
  for (const char* no : {"/q/absent?debug", "/q/absent?x=1&debug=0", "/q/absent?de%62ug=1"}) {
    EXPECT_EQ(route_of(no), "404") << no;
  }
}

TEST_F(RoutingMatchKinds, CookiePredicatesReadTheFirstCookieOfTheName) {
  EXPECT_EQ(route_of("/c/beta", "Cookie: beta=1\r\n"), "beta");
  EXPECT_EQ(route_of("/c/beta", "Cookie: theme=dark; beta=1\r\n"), "beta");
  EXPECT_EQ(route_of("/c/beta", "Cookie: beta=1; beta=0\r\n"), "beta");
  EXPECT_EQ(route_of("/c/beta", "Cookie: beta=0; beta=1\r\n"), "404") << "the first one counts";
  EXPECT_EQ(route_of("/c/beta", "Cookie: beta=0\r\n"), "404");
  EXPECT_EQ(route_of("/c/beta", "Cookie: xbeta=1\r\n"), "404");
  EXPECT_EQ(route_of("/c/beta"), "404");
  EXPECT_EQ(route_of("/c/beta?beta=1"), "404") << "a query parameter is not a cookie";

  EXPECT_EQ(route_of("/c/session", "Cookie: session=0badf00d\r\n"), "session");
  EXPECT_EQ(route_of("/c/session", "Cookie: session=0badf00d1\r\n"), "404");
  EXPECT_EQ(route_of("/c/session", "Cookie: session=0BADF00D\r\n"), "404");
}

TEST_F(RoutingMatchKinds, HeaderRegexMatchesTheWholeValue) {
  EXPECT_EQ(route_of("/h", "X-Version: v12\r\n"), "versioned");
  EXPECT_EQ(route_of("/h", "x-version: v3\r\n"), "versioned") << "names ignore case";
  EXPECT_EQ(route_of("/h", "X-Version: v12x\r\n"), "404");
  EXPECT_EQ(route_of("/h", "X-Version: V12\r\n"), "404") << "values keep case";
  EXPECT_EQ(route_of("/h", "X-Version: x\r\nX-Version: v1\r\n"), "versioned")
      << "some header of the name";
  EXPECT_EQ(route_of("/h"), "404");
}

TEST_F(RoutingMatchKinds, ExactBeatsTemplateBeatsRegexBeatsPrefix) {
  EXPECT_EQ(route_of("/p/items/new"), "p-exact") << "all four match";
  EXPECT_EQ(route_of("/p/items/7"), "p-template") << "template, regex and prefix match";
  EXPECT_EQ(route_of("/p/items/7/edit"), "p-regex") << "regex and prefix match";
  EXPECT_EQ(route_of("/p/items/7/edit/x"), "p-prefix") << "only the prefix matches";
  EXPECT_EQ(route_of("/p/items"), "p-prefix");
}

TEST_F(RoutingMatchKinds, MorePredicatesWinWhateverTheirKind) {
  EXPECT_EQ(route_of("/r4?a", "Cookie: c=1\r\nX-H: 1\r\n"), "r4-three");
  EXPECT_EQ(route_of("/r4?a", "Cookie: c=1\r\n"), "r4-two");
  EXPECT_EQ(route_of("/r4?a", "X-H: 1\r\n"), "r4-one");
  EXPECT_EQ(route_of("/r4?a"), "r4-one");
  EXPECT_EQ(route_of("/r4", "Cookie: c=1\r\nX-H: 1\r\n"), "404");
}

TEST_F(RoutingMatchKinds, WhatNothingMatchesIsA404InJsonAndNeverReachesTheBackend) {
  ASSERT_EQ(route_of("/shop/order-1"), "order");
  const std::size_t forwarded = backend.received().size();
  EXPECT_EQ(route_of("/shop/order-x?v=2"), "404");
  EXPECT_EQ(last_.headers["content-type"], "application/json");
  EXPECT_EQ(last_.body,
            "{\"error\":{\"status\":404,\"code\":\"route_not_found\",\"message\":"
            "\"no route matches GET /shop/order-x\",\"request_id\":\"" +
                last_.headers["x-request-id"] + "\"}}");
  EXPECT_EQ(route_of("/q/exact?v=3"), "404");
  EXPECT_EQ(route_of("/c/beta", "Cookie: beta=0\r\n"), "404");
  EXPECT_EQ(backend.received().size(), forwarded);
}

// hash_on = "param:id" takes the parameter a regex's named group captured: requests for one id go
// to one target, and the ids spread over both.
TEST(RoutingMatchKindsHashing, ARegexGroupIsTheHashKey) {
  EchoBackend first("first");
  EchoBackend second("second");
  Gateway gateway(fill(R"toml(
[server]
listen = ["127.0.0.1:{port}"]
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "tenants"
balancer = "consistent_hash"
hash_on = "param:id"
targets = [{ address = "{first}" }, { address = "{second}" }]
[[routes]]
name = "tenant"
upstream = "tenants"
match = { path_regex = "/t/(?P<id>[a-z0-9]+)/.*" }
)toml",
                       {{"first", first.address()}, {"second", second.address()}}));
  std::set<std::string> servers_seen;
  for (int tenant = 0; tenant < 16; ++tenant) {
    const std::string id = "tenant" + std::to_string(tenant);
    std::set<std::string> servers;
    for (const char* rest : {"/a", "/b/c", "/d?x=1"}) {
      const auto result = http_get(gateway.port(), "/t/" + id + rest);
      ASSERT_EQ(result.status, 200) << id << rest;
      servers.insert(result.headers["x-echo-server"]);
    }
    EXPECT_EQ(servers.size(), 1u) << id << " went to more than one target";
    servers_seen.insert(servers.begin(), servers.end());
  }
  EXPECT_EQ(servers_seen, (std::set<std::string>{"first", "second"}));
}

TEST(RoutingMatchKindsLoad, ABadRegexIsRefusedWithItsFileAndLine) {
  TempDir dir;
  const std::string path = dir.write("bad.toml", R"toml([server]
listen = ["127.0.0.1:8080"]
[[upstreams]]
name = "echo"
targets = [{ address = "127.0.0.1:9001" }]
[[routes]]
name = "orders"
upstream = "echo"
match = { path_regex = "/(x" }
[[routes]]
name = "everything"
upstream = "echo"
match = { path_regex = "/a)|(.*", query = [{ name = "lang", regex = "[en" }] }
)toml");
  Process check({APIGW_BINARY, "check", "-c", path}, dir.path() + "/check.log");
  EXPECT_EQ(check.wait(std::chrono::seconds(10)), 1);
  Process run({APIGW_BINARY, "run", "-c", path}, dir.path() + "/run.log");
  EXPECT_EQ(run.wait(std::chrono::seconds(10)), 1) << "the gateway does not start";
  for (const std::string& expected : {
           path + ":9:24: invalid path_regex '/(x': missing ): /(x",
           path + ":13:24: invalid path_regex '/a)|(.*': unexpected ): /a)|(.*",
           path + ":13:69: invalid regex '[en': missing ]: [en",
       }) {
    EXPECT_NE(check.log().find(expected), std::string::npos) << expected << "\n" << check.log();
    EXPECT_NE(run.log().find(expected), std::string::npos) << expected << "\n" << run.log();
  }
}

}  // namespace
}  // namespace apigw::test
