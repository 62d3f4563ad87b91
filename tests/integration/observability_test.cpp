// Metrics, health and the access log, as an operator reads them.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>

#include <boost/json.hpp>

#include "support/gateway.h"
#include "support/recording_backend.h"

namespace apigw::test {
namespace {

TEST(Observability, MetricsCountRequestsByRouteMethodAndStatus) {
  EchoBackend backend;
  Gateway gateway(fill(R"(
[server]
listen = ["127.0.0.1:{port}"]
workers = 2
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "backend"
targets = [{ address = "{backend}" }]
[[routes]]
name = "api"
match = { path_prefix = "/" }
upstream = "backend"
)",
                       {{"backend", backend.address()}}));
  for (int i = 0; i < 5; ++i) ASSERT_EQ(http_get(gateway.port(), "/ok").status, 200);
  ASSERT_EQ(http_get(gateway.port(), "/status/503").status, 503);
  ASSERT_EQ(curl({"-X", "POST", "-d", "x", gateway.url("/")}).status, 200);
  const std::string metrics = gateway.metrics();
  EXPECT_NE(
      metrics.find("apigw_requests_total{route=\"api\",method=\"GET\",status_class=\"2xx\"} 5"),
      std::string::npos)
      << metrics;
  EXPECT_NE(
      metrics.find("apigw_requests_total{route=\"api\",method=\"GET\",status_class=\"5xx\"} 1"),
      std::string::npos);
  EXPECT_NE(
      metrics.find("apigw_requests_total{route=\"api\",method=\"POST\",status_class=\"2xx\"} 1"),
      std::string::npos);
  EXPECT_NE(metrics.find("apigw_request_duration_seconds_count{route=\"api\"} 7"),
            std::string::npos);
  EXPECT_NE(metrics.find("apigw_request_duration_seconds_bucket{route=\"api\",le=\"+Inf\"} 7"),
            std::string::npos);
  EXPECT_NE(metrics.find("apigw_active_connections "), std::string::npos);

  const auto health = parse_response(raw_exchange(
      gateway.admin_port(), "GET /health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
  EXPECT_EQ(health.status, 200);
  const auto ready = parse_response(raw_exchange(
      gateway.admin_port(), "GET /ready HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
  EXPECT_EQ(ready.status, 200);
}

TEST(Observability, MetricsDescribeTheProcessAndTheBuild) {
  EchoBackend backend;
  Gateway gateway(pool_config("{ address = \"" + backend.address() + "\" }"));
  const auto started = std::chrono::system_clock::now();
  for (int i = 0; i < 20; ++i) ASSERT_EQ(http_get(gateway.port(), "/ok").status, 200);
  const std::string metrics = gateway.metrics();
  EXPECT_GT(metric_sample(metrics, "process_cpu_seconds_total"), 0.0) << metrics;
  // The gateway's own RSS as ps sees it, within a few MiB of the metric.
  const double rss = metric_sample(metrics, "process_resident_memory_bytes");
  EXPECT_NEAR(rss / 1024, static_cast<double>(gateway.rss_kib()), 8 * 1024.0);
  EXPECT_GT(metric_sample(metrics, "process_virtual_memory_bytes"), rss);
  EXPECT_GE(metric_sample(metrics, "process_open_fds"), 4.0) << "listeners, epoll, log";
  EXPECT_GT(metric_sample(metrics, "process_max_fds"), metric_sample(metrics, "process_open_fds"));
  const double start = metric_sample(metrics, "process_start_time_seconds");
  const double now = std::chrono::duration<double>(started.time_since_epoch()).count();
  EXPECT_LT(std::abs(now - start), 60.0) << "started within the last minute: " << start;
  const auto version = run_command({APIGW_BINARY, "version"}).output;
  const std::string commit = version.substr(version.find("\ncommit ") + 8,
                                            version.find('\n', version.find("\ncommit ") + 1) -
                                                version.find("\ncommit ") - 8);
  EXPECT_NE(metrics.find("apigw_build_info{version=\"0.1.0\",commit=\"" + commit + "\"} 1"),
            std::string::npos)
      << metrics;
}

TEST(Observability, AdminListenerKeepsConnectionsAlive) {
  EchoBackend backend;
  Gateway gateway(pool_config("{ address = \"" + backend.address() + "\" }"));
  RawConnection admin(gateway.admin_port());
  // Two requests in one write (pipelined), then a HEAD, on the same connection: a scraper or a
  // script making several calls does not reconnect for each.
  ASSERT_TRUE(admin.send(
      "GET /health HTTP/1.1\r\nHost: a\r\n\r\nGET /metrics HTTP/1.1\r\nHost: a\r\n\r\n"));
  const auto health = admin.read_response();
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "{\"status\":\"ok\"}");
  EXPECT_EQ(health.headers.count("connection"), 0u) << health.raw;
  const auto metrics = admin.read_response();
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("apigw_active_connections "), std::string::npos);
  ASSERT_TRUE(admin.send("HEAD /ready HTTP/1.1\r\nHost: a\r\n\r\n"));
  ASSERT_TRUE(admin.send("GET /ready HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
  // The HEAD answer has a Content-Length but no body; the reader must not wait for one.
  const std::string rest = admin.read_until_close(std::chrono::seconds(5));
  EXPECT_EQ(rest.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << rest;
  const std::size_t second = rest.find("HTTP/1.1 200 OK\r\n", 1);
  ASSERT_NE(second, std::string::npos) << rest;
  EXPECT_EQ(rest.substr(0, second).find("status"), std::string::npos) << "HEAD sent a body";
  EXPECT_NE(rest.find("Connection: close", second), std::string::npos) << rest;
  EXPECT_NE(rest.find("{\"status\":\"ready\"}", second), std::string::npos) << rest;
}

TEST(Observability, AccessLogWritesOneJsonLinePerRequest) {
  EchoBackend backend;
  TempDir dir;
  const std::string log_path = dir.path() + "/access.log";
  Gateway gateway(fill(R"(
[server]
listen = ["127.0.0.1:{port}"]
[server.access_log]
enabled = true
path = "{log}"
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "backend"
targets = [{ address = "{backend}" }]
[[routes]]
name = "logged"
match = { path_prefix = "/" }
upstream = "backend"
)",
                       {{"backend", backend.address()}, {"log", log_path}}));
  ASSERT_EQ(http_get(gateway.port(), "/first?q=1", {"-H", "X-Request-Id: req-1"}).status, 200);
  ASSERT_EQ(curl({"-X", "POST", "--data-binary", "12345", gateway.url("/second")}).status, 200);
  // A body that streams through the read buffer after the head: the logged method, path and
  // request id (parsed in that buffer) must survive it.
  const std::string big = dir.write("big", std::string(200000, 'b'));
  ASSERT_EQ(curl({"-X", "PUT", "-H", "X-Request-Id: req-3", "--data-binary", "@" + big,
                  gateway.url("/third/streamed")})
                .status,
            200);
  std::vector<std::string> lines;
  for (int attempt = 0; attempt < 100 && lines.size() < 3; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    lines.clear();
    std::ifstream file(log_path);
    for (std::string line; std::getline(file, line);) lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 3u);
  // Each worker queues its own lines, so requests served by different workers may be written in
  // either order: find each request's line by its content.
  const auto line_with = [&](const std::string& needle) {
    for (const auto& line : lines) {
      if (line.find(needle) != std::string::npos) return line;
    }
    return std::string();
  };
  const std::string first = line_with("\"request_id\":\"req-1\"");
  EXPECT_NE(first.find("\"http.request.method\":\"GET\",\"url.path\":\"/first\",\"url.query\":"
                       "\"q=1\",\"http.response.status_code\":200,\"client.address\":\"127.0.0.1\""),
            std::string::npos)
      << first;
  EXPECT_NE(first.find("\"upstream\":\"backend\",\"upstream.address\":\"" + backend.address() +
                       "\",\"upstream_us\":"),
            std::string::npos)
      << first;
  EXPECT_NE(first.find("\"upstream.tries\":1,"), std::string::npos) << first;
  EXPECT_NE(first.find("\"user_agent.original\":\"curl/"), std::string::npos) << first;
  EXPECT_NE(first.find("\"network.protocol.version\":\"1.1\""), std::string::npos) << first;
  EXPECT_NE(first.find("\"route\":\"logged\""), std::string::npos);
  EXPECT_EQ(first.rfind("{\"time\":\"", 0), 0u);
  EXPECT_NE(line_with("\"http.request.method\":\"POST\",\"url.path\":\"/second\""), "");
  EXPECT_NE(line_with("\"request_id\":\"req-3\",\"http.request.method\":\"PUT\","
                      "\"url.path\":\"/third/streamed\",\"url.query\":\"\","
                      "\"http.response.status_code\":200"),
            "")
      << lines[0] << "\n"
      << lines[1] << "\n"
      << lines[2];
}

// apigw_upstream_bytes_total against what the target itself saw and sent: every request head
// and body (plain and streamed past the read buffer) going out, every answer coming back.
TEST(Observability, UpstreamBytesAreTheBytesTheTargetSawAndSent) {
  RecordingBackend backend("counted", {.record_heads = true});
  TempDir dir;
  Gateway gateway(fill(R"(
[server]
listen = ["127.0.0.1:{port}"]
workers = 2
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "counted"
targets = [{ address = "{backend}" }]
[[upstreams]]
name = "unused"
targets = [{ address = "127.0.0.1:9" }]
[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "counted"
)",
                       {{"backend", backend.address()}}));
  const std::string before = gateway.metrics();
  EXPECT_EQ(metric_sample(before, R"(apigw_upstream_bytes_total{upstream="counted",direction="sent"})"), 0);
  EXPECT_EQ(metric_sample(before, R"(apigw_upstream_bytes_total{upstream="unused",direction="received"})"),
            0)
      << "every upstream shows from the start";
  for (int i = 0; i < 4; ++i) ASSERT_EQ(http_get(gateway.port(), "/get/" + std::to_string(i)).status, 200);
  ASSERT_EQ(curl({"-X", "POST", "--data-binary", "small body", gateway.url("/post")}).status, 200);
  const std::string big = dir.write("big", std::string(300000, 'b'));
  ASSERT_EQ(curl({"-X", "PUT", "--data-binary", "@" + big, gateway.url("/streamed")}).status, 200);

  std::uint64_t heads_and_bodies = 0;
  int answered = 0;
  for (const std::string& line : backend.events()) {
    const boost::json::object event = boost::json::parse(line).as_object();
    ASSERT_EQ(event.at("verdict").as_string(), "ok") << line;
    heads_and_bodies += event.at("head").as_string().size();
    heads_and_bodies += static_cast<std::uint64_t>(event.at("body_bytes").as_int64());
    ++answered;
  }
  ASSERT_EQ(answered, 6);
  // recording_backend.py answers every well-formed request with these bytes.
  const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: text/plain\r\n\r\nok\n";
  const std::string after = gateway.metrics();
  EXPECT_EQ(metric_sample(after, R"(apigw_upstream_bytes_total{upstream="counted",direction="sent"})"),
            static_cast<double>(heads_and_bodies))
      << after;
  EXPECT_EQ(metric_sample(after, R"(apigw_upstream_bytes_total{upstream="counted",direction="received"})"),
            static_cast<double>(answered * ok.size()));
  EXPECT_EQ(metric_sample(after, R"(apigw_upstream_bytes_total{upstream="unused",direction="sent"})"), 0);
}

}  // namespace
}  // namespace apigw::test
