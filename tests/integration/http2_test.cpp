// HTTP/2 to clients end to end: the real gateway with real HTTP/2 clients (curl, nghttp, h2load)
// in front of a real backend. Each HTTP/2 stream is served by the same request path as an
// HTTP/1.1 request: the same route, filters, answers and metrics, whatever the client spoke;
// bodies both ways under flow control; HTTP/2 over TLS by ALPN and over plain TCP with prior
// knowledge (h2c); drain lets streams in flight finish.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <thread>

#include "support/gateway.h"
#include "support/test_certificates.h"

namespace apigw::test {
namespace {

using namespace std::chrono_literals;

// A plain listener that takes HTTP/2 with prior knowledge (and HTTP/1.1), before a backend.
std::string h2c_config(const EchoBackend& backend, const std::string& server_extra = "",
                       const std::string& route_extra = "") {
  return R"(
[server]
workers = 1
)" + server_extra +
         R"(
[[server.listeners]]
address = "127.0.0.1:{port}"
http2 = true
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "pool"
targets = [{ address = ")" +
         backend.address() + R"(" }]
connect_timeout = "1s"
[[routes]]
name = "api"
match = { path_prefix = "/api" }
upstream = "pool"
rewrite = { strip_prefix = "/api" }
)" + route_extra;
}

// curl's -w output for one request to the gateway; `args` go before the URL.
std::string curl(const std::vector<std::string>& args, const std::string& url,
                 const std::string& format = "%{http_code} %{http_version}") {
  std::vector<std::string> argv = {"curl", "-sS",  "-o",         "/dev/null",
                                   "-w",   format, "--max-time", "20"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(url);
  return run_command(argv, 30s).output;
}

// What curl prints (the body), for one request.
std::string curl_body(const std::vector<std::string>& args, const std::string& url) {
  std::vector<std::string> argv = {"curl", "-sS", "--max-time", "20"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(url);
  return run_command(argv, 30s).output;
}

// The echo backend's FNV-1a 64 of a body, as it reports it in "body_fnv1a".
std::string fnv1a(const std::string& bytes) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ull;
  return std::to_string(hash);
}

std::string random_bytes(std::size_t size) {
  std::mt19937_64 random(42);
  std::string bytes(size, '\0');
  for (auto& c : bytes) c = static_cast<char>(random());
  return bytes;
}

TEST(Http2, PriorKnowledgeStreamsTakeTheSameRouteFiltersAndRecordsAsHttp1) {
  EchoBackend backend("b1");
  Gateway gateway(h2c_config(
      backend, "",
      R"(filters = [{ name = "headers", request_set = { "x-seen" = "yes" }, response_set = { "x-route" = "api" } }])"));

  // The same request over HTTP/2 (prior knowledge) and HTTP/1.1, on the same listener.
  const std::string url = gateway.url("/api/users/7?q=1");
  const std::string h2 = curl_body({"--http2-prior-knowledge", "-i"}, url);
  const std::string h1 = curl_body({"--http1.1", "-i"}, url);
  for (const std::string& response : {h2, h1}) {
    EXPECT_NE(response.find(" 200"), std::string::npos) << response;
    EXPECT_NE(response.find("x-route: api"), std::string::npos) << response;
    EXPECT_NE(response.find(R"("path":"/users/7?q=1")"), std::string::npos) << response;
    EXPECT_NE(response.find(R"("x-seen":"yes")"), std::string::npos) << response;
    EXPECT_NE(response.find(R"("x-forwarded-proto":"http")"), std::string::npos) << response;
  }
  EXPECT_EQ(h2.rfind("HTTP/2 200", 0), 0u) << h2;
  EXPECT_EQ(h1.rfind("HTTP/1.1 200", 0), 0u) << h1;
  // HTTP/2 names are lower-case and carry no connection-specific fields.
  EXPECT_EQ(h2.find("\nConnection:"), std::string::npos) << h2;
  EXPECT_EQ(h2.find("\nconnection:"), std::string::npos) << h2;
  EXPECT_NE(h2.find("\nx-route: api"), std::string::npos) << h2;

  // One route, one record: both requests counted the same way.
  EXPECT_TRUE(gateway.wait_for_metric(
      R"(apigw_requests_total{route="api",method="GET",status_class="2xx"} 2)"))
      << gateway.metrics();
  EXPECT_EQ(gateway.metric("apigw_http2_streams_total"), 1);
  EXPECT_EQ(gateway.metric("apigw_http2_connections_total"), 1);
}

TEST(Http2, TlsListenerNegotiatesH2ByAlpnAndHttp11ForTheOthers) {
  TempDir dir;
  TestCa ca(dir.path());
  const CertificateFiles server =
      ca.issue("server", {.common_name = "localhost", .dns_names = {"localhost"}});
  EchoBackend backend("b1");
  Gateway gateway(R"(
[server]
workers = 1
[[server.listeners]]
address = "127.0.0.1:{port}"
)" + listener_certificate_toml(server) +
                  R"(
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "pool"
targets = [{ address = ")" +
                  backend.address() + R"(" }]
[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "pool"
)");
  const std::string url = "https://localhost:" + std::to_string(gateway.port()) + "/tls";
  const std::vector<std::string> trust = {"--cacert", ca.cert_file()};
  std::vector<std::string> h2_args = trust;
  h2_args.push_back("--http2");
  EXPECT_EQ(curl(h2_args, url), "200 2");
  std::vector<std::string> h1_args = trust;
  h1_args.push_back("--http1.1");
  EXPECT_EQ(curl(h1_args, url), "200 1.1");
  const std::string body = curl_body(h2_args, url);
  EXPECT_NE(body.find(R"("x-forwarded-proto":"https")"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("host":"localhost:)"), std::string::npos) << body;
}

TEST(Http2, RequestBodiesArriveWholeWithAndWithoutContentLength) {
  EchoBackend backend("b1");
  Gateway gateway(h2c_config(backend));
  TempDir dir;
  const std::string payload = random_bytes(3 << 20);  // past every window
  const std::string file = dir.path() + "/payload.bin";
  std::ofstream(file, std::ios::binary) << payload;
  const std::string expected =
      R"("body_bytes":)" + std::to_string(payload.size()) + R"(,"body_fnv1a":")" + fnv1a(payload);

  // With a length: the upstream gets Content-Length.
  const std::string declared =
      curl_body({"--http2-prior-knowledge", "--data-binary", "@" + file, "-H", "content-type: x/y"},
                gateway.url("/api/declared"));
  EXPECT_NE(declared.find(expected), std::string::npos) << declared;
  EXPECT_NE(declared.find(R"("content-length":")"), std::string::npos) << declared;

  // Without one (curl -T - sends no content-length over HTTP/2): the upstream gets it chunked,
  // and 100-continue is answered on the stream.
  const std::string streamed =
      run_command({"sh", "-c",
                   "curl -sS --max-time 20 --http2-prior-knowledge "
                   "-H 'Expect: 100-continue' -T - '" +
                       gateway.url("/api/streamed") + "' < '" + file + "'"},
                  30s)
          .output;
  EXPECT_NE(streamed.find(expected), std::string::npos) << streamed;
  EXPECT_NE(streamed.find(R"("transfer-encoding":"chunked")"), std::string::npos) << streamed;

  // A small body that ended with its head gets a Content-Length too.
  const std::string small =
      curl_body({"--http2-prior-knowledge", "-X", "POST", "-d", "tiny"}, gateway.url("/api/small"));
  EXPECT_NE(small.find(R"("body_bytes":4)"), std::string::npos) << small;
  EXPECT_NE(small.find(R"("content-length":"4")"), std::string::npos) << small;
}

TEST(Http2, LargeResponsesStreamWhateverTheUpstreamFraming) {
  EchoBackend backend("b1");
  Gateway gateway(h2c_config(backend));
  const long before_kib = gateway.rss_kib();
  // 64 MiB each: far past the connection window, so the client's WINDOW_UPDATEs drive it.
  for (const std::string path : {"/api/bytes/67108864", "/api/bytes/67108864?chunked=1"}) {
    EXPECT_EQ(curl({"--http2-prior-knowledge"}, gateway.url(path),
                   "%{http_code} %{http_version} %{size_download}"),
              "200 2 67108864")
        << path;
  }
  // Relayed as it came, not gathered: the gateway stayed small.
  EXPECT_LT(gateway.rss_kib() - before_kib, 32 * 1024);
  // HEAD: the head only.
  const std::string head =
      curl_body({"--http2-prior-knowledge", "-I"}, gateway.url("/api/bytes/1000"));
  EXPECT_EQ(head.rfind("HTTP/2 200", 0), 0u) << head;
  EXPECT_NE(head.find("content-length: 1000"), std::string::npos) << head;
}

TEST(Http2, GatewayAnswersGoOutOnTheStreamAsUnifiedErrors) {
  EchoBackend backend("b1");
  Gateway gateway(h2c_config(backend, "[server.limits]\nmax_header_bytes = 2048\n",
                             R"(
[[upstreams]]
name = "dead"
targets = [{ address = ")" + dead_address() +
                                 R"(" }]
connect_timeout = "1s"
[[routes]]
name = "dead"
match = { path_prefix = "/dead" }
upstream = "dead"
)"));
  const std::vector<std::string> h2 = {"--http2-prior-knowledge"};
  const std::string missing = curl_body(h2, gateway.url("/nowhere"));
  EXPECT_NE(missing.find(R"("status":404,"code":"route_not_found")"), std::string::npos) << missing;
  EXPECT_EQ(curl(h2, gateway.url("/nowhere")), "404 2");
  EXPECT_EQ(curl(h2, gateway.url("/dead/x")), "502 2");
  // A head past [server.limits] max_header_bytes: 431, as for HTTP/1.1. Past twice the limit
  // the stream is only reset (RST_STREAM, counted against the connection's abuse budget): a
  // head that large is an attack's, not a client's mistake.
  const std::string big = "x-big: " + std::string(3000, 'a');
  EXPECT_EQ(curl({"--http2-prior-knowledge", "-H", big}, gateway.url("/api/x")), "431 2");
  const std::string huge = "x-big: " + std::string(5000, 'a');
  EXPECT_EQ(curl({"--http2-prior-knowledge", "-H", huge}, gateway.url("/api/x")).substr(0, 3),
            "000");
  EXPECT_EQ(curl(h2, gateway.url("/api/after")), "200 2");
  EXPECT_TRUE(gateway.wait_for_metric(
      R"(apigw_requests_total{route="dead",method="GET",status_class="5xx"} 1)"))
      << gateway.metrics();
}

TEST(Http2, ManyConcurrentStreamsOnFewConnections) {
  EchoBackend backend("b1");
  Gateway gateway(h2c_config(backend));
  const CommandResult load =
      run_command({"h2load", "-n", "4000", "-c", "4", "-m", "50", gateway.url("/api/load")}, 60s);
  EXPECT_NE(load.output.find("4000 succeeded, 0 failed, 0 errored"), std::string::npos)
      << load.output;
  EXPECT_NE(load.output.find("status codes: 4000 2xx"), std::string::npos) << load.output;
  EXPECT_EQ(gateway.metric("apigw_http2_streams_total"), 4000);

  // nghttp: several streams at once on one connection, each answered on its own.
  const CommandResult several =
      run_command({"nghttp", "-n", "-s", gateway.url("/api/a"), gateway.url("/api/b"),
                   gateway.url("/api/delay/200"), gateway.url("/nowhere")},
                  30s);
  EXPECT_EQ(several.exit_code, 0) << several.output;
  for (const char* line : {"/api/a", "/api/b", "/api/delay/200", "/nowhere"}) {
    EXPECT_NE(several.output.find(line), std::string::npos) << several.output;
  }
}

TEST(Http2, AnswersLargerThanOneSendQueueGoOutWhole) {
  // A handler's answer of 200 KiB is written in one piece: the stream's send queue (64 KiB)
  // takes it in turns as the connection writes.
  EchoBackend backend("b1");
  const std::string body(200 * 1024, 'z');
  Gateway gateway(h2c_config(backend, "",
                             R"(
[[routes]]
name = "big"
match = { path_prefix = "/big" }
handler = { name = "static", status = 200, content_type = "text/plain", body = ")" +
                                 body +
                                 R"(" }
)"));
  EXPECT_EQ(curl({"--http2-prior-knowledge"}, gateway.url("/big"),
                 "%{http_code} %{http_version} %{size_download}"),
            "200 2 204800");
}

TEST(Http2, IdleConnectionsAreClosedWithGoaway) {
  EchoBackend backend("b1");
  Gateway gateway(h2c_config(backend, "[server.timeouts]\nidle = \"1s\"\n"));
  // A client that keeps its connection after one request: the idle timeout ends it with
  // GOAWAY(NO_ERROR) naming the stream it served.
  const std::string script = R"(
import sys, time
sys.path.insert(0, sys.argv[1])
import h2frames as f
c = f.H2Conn.connect("127.0.0.1", int(sys.argv[2]), timeout=5)
assert c.handshake() is None
c.send(f.headers(1, c.encoder.encode([(":method", "GET"), (":scheme", "http"),
       (":path", "/api/x"), (":authority", "a")]), end_stream=True))
start = time.time()
while True:
    fr = c.read_frame(timeout=5)  # a frame, or the strings CLOSED / TIMEOUT
    if isinstance(fr, str):
        print("%s %.1f" % (fr, time.time() - start)); break
    if fr.name == "GOAWAY":
        print("goaway %d %s %.1f" % (fr.last_stream_id, f.error_name(fr.error_code), time.time() - start)); break
)";
  const CommandResult idle = run_command(
      {"/usr/bin/python3", "-c", script, std::string(APIGW_SOURCE_DIR) + "/tests/support",
       std::to_string(gateway.port())},
      20s);
  EXPECT_EQ(idle.output.rfind("goaway 1 NO_ERROR", 0), 0u) << idle.output;
  EXPECT_TRUE(wait_until([&] { return gateway.metric("apigw_http2_connections") == 0; }, 5s))
      << gateway.metrics();
  EXPECT_EQ(gateway.metric(R"(apigw_http2_goaways_total{reason="idle"})"), 1);
}

TEST(Http2, AReloadThatChangesHttp2SettingsEndsConnectionsGracefully) {
  EchoBackend backend("b1");
  Gateway gateway(h2c_config(backend));
  // A client on one connection: a request, then (after a reload) what the gateway sends it, then
  // another request on the same connection if it is still open.
  const std::string script = R"(
import sys, time
sys.path.insert(0, sys.argv[1])
import h2frames as f
c = f.H2Conn.connect("127.0.0.1", int(sys.argv[2]), timeout=5)
assert c.handshake() is None
print("max_streams", c.server_settings.get(f.MAX_CONCURRENT_STREAMS))
def get(stream):
    c.send(f.headers(stream, c.encoder.encode([(":method", "GET"), (":scheme", "http"),
           (":path", "/api/x"), (":authority", "a")]), end_stream=True))
get(1)
sys.stdout.flush()
sys.stdin.readline()  # the test reloads the gateway, then says go
goaways = []
deadline = time.time() + 4
while time.time() < deadline:
    fr = c.read_frame(timeout=0.5)  # a frame, or the strings CLOSED / TIMEOUT
    if not isinstance(fr, str) and fr.name == "GOAWAY":
        goaways.append("%d:%s" % (fr.last_stream_id, f.error_name(fr.error_code)))
    if c.closed: break
print("goaways", " ".join(goaways) or "none")
)";
  const std::string support = std::string(APIGW_SOURCE_DIR) + "/tests/support";
  const auto run_client = [&](const std::string& go) {
    TempDir dir;
    const std::string input = dir.path() + "/go";
    std::ofstream(input) << go;
    return run_command({"sh", "-c",
                        "( sleep 1; cat '" + input + "' ) | /usr/bin/python3 -c '" + script +
                            "' '" + support + "' " + std::to_string(gateway.port())},
                       20s)
        .output;
  };
  // A reload that leaves [server.http2] as it is: the connection goes on (no GOAWAY).
  // (The file watcher and SIGHUP may each reload: wait for the version to move.)
  const auto reload = [&](const std::string& config) {
    const double before = gateway.metric("apigw_config_version");
    gateway.write_config(config);
    gateway.process().signal(SIGHUP);
    return wait_until([&] { return gateway.metric("apigw_config_version") > before; }, 5s);
  };
  auto unchanged = std::async(std::launch::async, [&] { return run_client("\n"); });
  std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(reload(h2c_config(backend, "", "# a comment changes the file, not the settings\n")))
      << gateway.metrics();
  const std::string quiet = unchanged.get();
  EXPECT_NE(quiet.find("max_streams 100"), std::string::npos) << quiet;
  EXPECT_NE(quiet.find("goaways none"), std::string::npos) << quiet;

  // One that changes it: GOAWAY naming no stream, then the graceful one naming stream 1.
  auto changed = std::async(std::launch::async, [&] { return run_client("\n"); });
  std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(reload(h2c_config(backend, "[server.http2]\nmax_concurrent_streams = 50\n")))
      << gateway.metrics();
  const std::string ended = changed.get();
  EXPECT_NE(ended.find("goaways 2147483647:NO_ERROR 1:NO_ERROR"), std::string::npos) << ended;
  // A new connection gets the new SETTINGS.
  const std::string fresh = run_client("\n");
  EXPECT_NE(fresh.find("max_streams 50"), std::string::npos) << fresh;
}

TEST(Http2, PlainListenerWithoutHttp2AnswersThePrefaceWith505) {
  EchoBackend backend("b1");
  Gateway gateway(pool_config(targets_toml({backend.address()})));
  // HTTP/2 was not enabled here: "PRI * HTTP/2.0" is an HTTP/1 request the parser refuses.
  const std::string answer = raw_exchange(gateway.port(), "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 5s);
  EXPECT_EQ(answer.rfind("HTTP/1.1 505", 0), 0u) << answer;
  EXPECT_NE(curl({"--http2-prior-knowledge"}, gateway.url("/")), "200 2");
}

TEST(Http2, DrainLetsStreamsInFlightFinish) {
  EchoBackend backend("b1");
  Gateway gateway(h2c_config(backend));
  auto slow = std::async(std::launch::async, [&] {
    return curl({"--http2-prior-knowledge"}, gateway.url("/api/delay/1500"));
  });
  ASSERT_TRUE(wait_until([&] { return !backend.received().empty(); }, 5s));
  gateway.process().signal(SIGTERM);
  EXPECT_EQ(slow.get(), "200 2");
  EXPECT_EQ(gateway.process().wait(10s), 0);
}

}  // namespace
}  // namespace apigw::test
