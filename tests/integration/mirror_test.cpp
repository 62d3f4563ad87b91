// Mirroring (a route's `mirror`): the shadow upstream gets the request the primary gets, and
// nothing the shadow does — refuse, stall, or be missing — changes what clients get.
#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <thread>

#include "support/admin_client.h"
#include "support/gateway.h"
#include "support/recording_backend.h"

namespace apigw::test {
namespace {

// Route "orders" edits the path and headers, route "edit" the body; both copy to "orders-shadow".
const std::string kConfig = R"(
[server]
listen = ["127.0.0.1:{port}"]
workers = {workers}
[admin]
listen = "127.0.0.1:{admin_port}"

[[upstreams]]
name = "orders"
targets = [{ address = "{primary}" }]

[[upstreams]]
name = "orders-shadow"
targets = [{ address = "{shadow}" }]
{shadow_extra}

[[routes]]
name = "orders"
match = { path_prefix = "/orders" }
upstream = "orders"
rewrite = { replace_prefix = "/v2/orders" }
filters = [{ name = "headers", request_set = { "x-gateway" = "apigw" }, request_remove = ["x-secret"] }]
mirror = { upstream = "orders-shadow", {mirror} }

[[routes]]
name = "edit"
match = { path_prefix = "/edit" }
upstream = "orders"
filters = [{ name = "body_replace", request = [{ from = "secret", to = "public" }] }]
mirror = { upstream = "orders-shadow" }
)";

struct Setup {
  std::string primary;
  std::string shadow;
  std::string mirror = "percent = 100";
  std::string shadow_extra;
  int workers = 2;
};

std::string config_of(const Setup& setup) {
  return fill(kConfig, {{"primary", setup.primary},
                        {"shadow", setup.shadow},
                        {"mirror", setup.mirror},
                        {"shadow_extra", setup.shadow_extra},
                        {"workers", std::to_string(setup.workers)}});
}

// The value of apigw_mirror_requests_total for `route` and `result`; -1 when it is not shown.
long mirrored(const Gateway& gateway, const std::string& route, const std::string& result) {
  const std::string metrics = gateway.metrics();
  const std::string key =
      "apigw_mirror_requests_total{route=\"" + route + "\",result=\"" + result + "\"} ";
  const std::size_t at = metrics.find(key);
  return at == std::string::npos ? -1 : std::stol(metrics.substr(at + key.size()));
}

long connect_errors(const Gateway& gateway, const std::string& upstream) {
  const std::string metrics = gateway.metrics();
  const std::string key = "apigw_upstream_connect_errors_total{upstream=\"" + upstream + "\"} ";
  const std::size_t at = metrics.find(key);
  return at == std::string::npos ? 0 : std::stol(metrics.substr(at + key.size()));
}

// A string field of one of RecordingBackend's JSON lines, unescaped (ASCII and \u00XX only).
std::string json_field(const std::string& line, const std::string& name) {
  const std::string key = "\"" + name + "\": \"";
  std::size_t at = line.find(key);
  if (at == std::string::npos) return {};
  std::string out;
  for (at += key.size(); at < line.size() && line[at] != '"'; ++at) {
    if (line[at] != '\\') {
      out += line[at];
      continue;
    }
    const char escaped = line[++at];
    if (escaped == 'r') {
      out += '\r';
    } else if (escaped == 'n') {
      out += '\n';
    } else if (escaped == 't') {
      out += '\t';
    } else if (escaped == 'u') {
      out += static_cast<char>(std::stoi(line.substr(at + 1, 4), nullptr, 16));
      at += 4;
    } else {
      out += escaped;
    }
  }
  return out;
}

// target -> (head, body) of every request the backend received.
std::map<std::string, std::pair<std::string, std::string>> requests_of(
    const RecordingBackend& backend) {
  std::map<std::string, std::pair<std::string, std::string>> out;
  for (const auto& line : backend.events()) {
    if (line.find("\"verdict\": \"ok\"") == std::string::npos) continue;
    out[json_field(line, "target")] = {json_field(line, "head"), json_field(line, "body")};
  }
  return out;
}

TEST(Mirror, TheShadowGetsTheRequestThePrimaryGets) {
  RecordingBackend primary("primary", {.record_heads = true});
  RecordingBackend shadow("shadow", {.record_heads = true});
  Gateway gateway(config_of({.primary = primary.address(), .shadow = shadow.address()}));
  for (const char* route : {"orders", "edit"}) {
    for (const char* result : {"sent", "failed", "dropped", "skipped_body"}) {
      EXPECT_EQ(mirrored(gateway, route, result), 0) << route << " " << result << ": shown at 0";
    }
  }

  const std::vector<std::string> requests = {
      "GET /orders/7?x=1 HTTP/1.1\r\nHost: shop.example\r\nX-Secret: s\r\nX-Trace: t1\r\n\r\n",
      "POST /orders/8 HTTP/1.1\r\nHost: shop.example\r\nContent-Type: text/plain\r\n"
      "Content-Length: 12\r\n\r\nhello mirror",
      "POST /orders/9 HTTP/1.1\r\nHost: shop.example\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n7\r\n chunks\r\n0\r\n\r\n",
      "HEAD /orders/10 HTTP/1.1\r\nHost: shop.example\r\n\r\n",
      "PUT /edit/1 HTTP/1.1\r\nHost: shop.example\r\nContent-Type: text/plain\r\n"
      "Content-Length: 13\r\n\r\na secret note",
  };
  for (const auto& request : requests) {
    RawConnection client(gateway.port());
    ASSERT_TRUE(client.send(request));
    EXPECT_EQ(client.read_response().status, 200) << request;
  }
  ASSERT_TRUE(wait_until([&] { return shadow.requests_seen() == 5; }))
      << "the shadow got " << shadow.requests_seen() << " of 5";
  EXPECT_TRUE(wait_until([&] {
    return mirrored(gateway, "orders", "sent") == 4 && mirrored(gateway, "edit", "sent") == 1;
  })) << gateway.metrics();

  const auto seen = requests_of(primary);
  const auto copied = requests_of(shadow);
  ASSERT_EQ(seen.size(), 5u);
  for (const auto& [target, request] : seen) {
    SCOPED_TRACE(target);
    ASSERT_TRUE(copied.contains(target)) << "the shadow got the rewritten target";
    // Same method and target, same headers after the filters (the same request id too), same
    // framing and body: byte for byte.
    EXPECT_EQ(copied.at(target).first, request.first);
    EXPECT_EQ(copied.at(target).second, request.second);
  }
  const auto& get = copied.at("/v2/orders/7?x=1").first;
  EXPECT_NE(get.find("\r\nx-gateway: apigw\r\n"), std::string::npos) << get;
  EXPECT_EQ(get.find("X-Secret"), std::string::npos) << get;
  EXPECT_NE(get.find("\r\nX-Trace: t1\r\n"), std::string::npos) << get;
  EXPECT_EQ(copied.at("/v2/orders/8").second, "hello mirror");
  EXPECT_EQ(copied.at("/v2/orders/9").second, "hello chunks");
  EXPECT_EQ(copied.at("/v2/orders/10").first.rfind("HEAD ", 0), 0u);
  EXPECT_EQ(copied.at("/edit/1").second, "a public note") << "as the body filter left it";
  EXPECT_TRUE(primary.violations().empty());
  EXPECT_TRUE(shadow.violations().empty()) << shadow.violations().front();
}

TEST(Mirror, ADeadShadowChangesNothingForClients) {
  EchoBackend primary("primary");
  Gateway gateway(config_of({.primary = primary.address(), .shadow = dead_address()}));
  constexpr int kRequests = 40;
  for (int i = 0; i < kRequests; ++i) {
    const auto response = get_in_process(gateway.port(), "/orders/" + std::to_string(i));
    ASSERT_EQ(response.status, 200) << i;
    EXPECT_NE(response.body.find("\"path\":\"/v2/orders/" + std::to_string(i) + "\""),
              std::string::npos);
  }
  EXPECT_EQ(primary.received().size(), static_cast<std::size_t>(kRequests));
  // Every copy failed, none was lost track of.
  EXPECT_TRUE(wait_until([&] {
    return mirrored(gateway, "orders", "failed") + mirrored(gateway, "orders", "dropped") ==
           kRequests;
  })) << gateway.metrics();
  EXPECT_EQ(mirrored(gateway, "orders", "sent"), 0);
  EXPECT_EQ(http_get(gateway.port(), "/orders/last").status, 200);
}

// With connect-failure ejection allowed to take out the only target, a refused shadow is out of
// rotation after its first refusal: the copies fail at the pick, without a connect each.
TEST(Mirror, AnEjectedShadowCostsNoConnectPerRequest) {
  EchoBackend primary("primary");
  Gateway gateway(config_of({.primary = primary.address(),
                             .shadow = dead_address(),
                             .shadow_extra = "connect_failure_ejection = { max_ejection_percent = "
                                             "100, base_ejection_time = \"10s\" }",
                             .workers = 1}));
  constexpr int kRequests = 100;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_EQ(get_in_process(gateway.port(), "/orders/" + std::to_string(i)).status, 200) << i;
  }
  EXPECT_TRUE(wait_until([&] { return mirrored(gateway, "orders", "failed") == kRequests; }))
      << gateway.metrics();
  // The first copy's refusal ejects it; copies queued before that may try too.
  EXPECT_GE(connect_errors(gateway, "orders-shadow"), 1);
  EXPECT_LE(connect_errors(gateway, "orders-shadow"), 10) << gateway.metrics();
}

// A shadow that answers after 2 s holds every sender; the queue fills and further copies are
// dropped, while every client request is answered by the primary as if there were no mirror.
TEST(Mirror, AStalledShadowNeitherDelaysNorBlocksThePrimary) {
  EchoBackend primary("primary");
  EchoBackend shadow("shadow", "127.0.0.1", {"--delay", "2000"});
  Gateway gateway(config_of({.primary = primary.address(),
                             .shadow = shadow.address(),
                             .mirror = "timeout = \"10s\"",
                             .workers = 1}));
  constexpr int kRequests = 400;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRequests; ++i) {
    const auto response = get_in_process(gateway.port(), "/orders/" + std::to_string(i));
    ASSERT_EQ(response.status, 200) << i;
    ASSERT_NE(response.body.find("\"server\":\"primary\""), std::string::npos) << response.body;
    // Waiting for the shadow would take 2 s per request (800 s); the bound is only generous.
    ASSERT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(60)) << i;
  }
  EXPECT_LT(shadow.received().size(), static_cast<std::size_t>(kRequests))
      << "the clients were answered while the shadow was still stalled";
  EXPECT_TRUE(wait_until([&] { return mirrored(gateway, "orders", "dropped") > 0; }))
      << gateway.metrics();
  EXPECT_EQ(primary.received().size(), static_cast<std::size_t>(kRequests));
  // Shutting down with copies queued and in flight is clean (the sanitizers check the exit).
  gateway.process().signal(SIGTERM);
  EXPECT_EQ(gateway.process().wait(std::chrono::seconds(15)), 0);
}

TEST(Mirror, BodiesOverTheLimitOrStillStreamingAreNotCopied) {
  EchoBackend primary("primary");
  RecordingBackend shadow("shadow", {.record_heads = true});
  Gateway gateway(config_of({.primary = primary.address(),
                             .shadow = shadow.address(),
                             .mirror = "max_body_bytes = \"1KiB\""}));
  const std::string big(2048, 'b');
  const auto over = curl({"-s", "-X", "POST", "--data-binary", big, gateway.url("/orders/big")});
  EXPECT_EQ(over.status, 200);
  EXPECT_NE(over.body.find("\"body_bytes\":2048"), std::string::npos) << over.body;

  // A small body that comes after its head has been forwarded: the request does not wait for it.
  RawConnection streaming(gateway.port());
  ASSERT_TRUE(
      streaming.send("POST /orders/streamed HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n"));
  ASSERT_TRUE(wait_until([&] { return mirrored(gateway, "orders", "skipped_body") == 2; }))
      << gateway.metrics();
  ASSERT_TRUE(streaming.send("0123456789"));
  const auto streamed = streaming.read_response();
  EXPECT_EQ(streamed.status, 200);
  EXPECT_NE(streamed.body.find("\"body_bytes\":10"), std::string::npos) << streamed.body;

  const auto small = curl({"-s", "-X", "POST", "--data-binary", "small", gateway.url("/orders/s")});
  EXPECT_EQ(small.status, 200);
  ASSERT_TRUE(wait_until([&] { return mirrored(gateway, "orders", "sent") == 1; }))
      << gateway.metrics();
  const auto copied = requests_of(shadow);
  ASSERT_EQ(copied.size(), 1u) << "only the small body was copied";
  EXPECT_EQ(copied.begin()->first, "/v2/orders/s");
  EXPECT_EQ(copied.begin()->second.second, "small");
  EXPECT_EQ(mirrored(gateway, "orders", "skipped_body"), 2);
}

TEST(Mirror, PercentCopiesThatShareOfTheRequests) {
  EchoBackend primary("primary");
  EchoBackend shadow("shadow");
  Gateway gateway(config_of(
      {.primary = primary.address(), .shadow = shadow.address(), .mirror = "percent = 25"}));
  constexpr int kRequests = 400;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_EQ(get_in_process(gateway.port(), "/orders/" + std::to_string(i)).status, 200) << i;
  }
  // Binomial(400, 0.25): mean 100, standard deviation 8.7; the bounds are 5.7 deviations away.
  long sent = 0;
  ASSERT_TRUE(wait_until([&] {
    sent = mirrored(gateway, "orders", "sent");
    return sent > 0 && static_cast<long>(shadow.received().size()) == sent;
  })) << gateway.metrics();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // any copy still on its way
  EXPECT_TRUE(wait_until([&] {
    sent = mirrored(gateway, "orders", "sent");
    return static_cast<long>(shadow.received().size()) == sent;
  }));
  EXPECT_GE(sent, 50);
  EXPECT_LE(sent, 150);
  EXPECT_EQ(mirrored(gateway, "orders", "failed") + mirrored(gateway, "orders", "dropped"), 0);
}

// A route with a weighted split copies every request, whichever upstream of the split served it.
TEST(Mirror, ASplitRouteMirrorsWhicheverUpstreamServes) {
  EchoBackend blue("blue");
  EchoBackend green("green");
  EchoBackend shadow("shadow");
  Gateway gateway(
      fill(R"(
[server]
listen = ["127.0.0.1:{port}"]
workers = 1
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "blue"
targets = [{ address = "{blue}" }]
[[upstreams]]
name = "green"
targets = [{ address = "{green}" }]
[[upstreams]]
name = "shadow"
targets = [{ address = "{shadow}" }]
[[routes]]
name = "split"
upstreams = [{ name = "blue", weight = 1 }, { name = "green", weight = 1 }]
mirror = { upstream = "shadow" }
)",
           {{"blue", blue.address()}, {"green", green.address()}, {"shadow", shadow.address()}}));
  constexpr int kRequests = 40;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_EQ(get_in_process(gateway.port(), "/p/" + std::to_string(i)).status, 200) << i;
  }
  EXPECT_GT(blue.received().size(), 0u);
  EXPECT_GT(green.received().size(), 0u);
  EXPECT_TRUE(wait_until([&] { return shadow.received().size() == kRequests; }))
      << shadow.received().size();
  EXPECT_TRUE(wait_until([&] { return mirrored(gateway, "split", "sent") == kRequests; }));
}

// Through the admin API: a route written with a mirror copies at once; its mirror upstream cannot
// be deleted while the route uses it; the export keeps the mirror and passes `apigw check`.
TEST(Mirror, AdminWrittenMirrorsWorkAndHoldTheirUpstream) {
  EchoBackend primary("primary");
  EchoBackend shadow("shadow");
  Gateway gateway(sqlite_config());
  ASSERT_TRUE(add_upstream_and_route(gateway, "live", primary.address()));
  ASSERT_TRUE(add_upstream_and_route(gateway, "shadow", shadow.address()));
  const auto created =
      admin_call(gateway, "POST", "/admin/routes",
                 R"({"name":"r","match":{"path_prefix":"/"},"upstream":"live",)"
                 R"("mirror":{"upstream":"shadow","percent":100,"timeout":"1s"}})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(http_get(gateway.port(), "/copied").status, 200);
  EXPECT_TRUE(wait_until([&] { return shadow.received().size() == 1; }));

  const auto in_use = admin_call(gateway, "DELETE", "/admin/upstreams/shadow");
  EXPECT_EQ(in_use.status, 409) << in_use.body;
  EXPECT_NE(in_use.body.find("\"entity\":\"routes/r\",\"field\":\"mirror.upstream\""),
            std::string::npos)
      << in_use.body;

  const auto exported = admin_call(gateway, "GET", "/admin/config/export?format=toml");
  ASSERT_EQ(exported.status, 200);
  EXPECT_NE(exported.body.find("mirror"), std::string::npos) << exported.body;
  EXPECT_NE(exported.body.find("upstream = 'shadow'"), std::string::npos) << exported.body;
  TempDir files;
  const auto check =
      run_command({APIGW_BINARY, "check", "-c", files.write("export.toml", exported.body)});
  EXPECT_EQ(check.exit_code, 0) << check.output << exported.body;
}

}  // namespace
}  // namespace apigw::test
