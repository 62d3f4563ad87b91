// Request smuggling and protocol limits: every ambiguous or oversized request is refused with the
// right status, the connection is closed, and nothing reaches the backend.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <thread>

#include "support/gateway.h"

namespace apigw::test {
namespace {

const std::string kConfig = R"(
[server]
listen = ["127.0.0.1:{port}"]
workers = 1
[server.limits]
max_header_bytes = "4KiB"
max_header_count = 20
max_uri_bytes = "1KiB"
max_body_bytes = "64KiB"
[server.timeouts]
header_read = "500ms"
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "backend"
targets = [{ address = "{backend}" }]
[[routes]]
name = "small-bodies"
match = { path_prefix = "/small" }
upstream = "backend"
max_body_bytes = 10
[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "backend"
)";

class ProtocolSafety : public ::testing::Test {
 protected:
  EchoBackend backend;
  Gateway gateway{fill(kConfig, {{"backend", backend.address()}})};

  // Sends `request`, expects `status` and a closed connection, and that the backend saw nothing.
  void expect_refused(const std::string& request, int status, const std::string& what) {
    RawConnection connection(gateway.port());
    connection.send(request);
    const std::string raw = connection.read_until_close();
    const auto response = parse_response(raw);
    EXPECT_EQ(response.status, status) << what << "\n" << raw;
    EXPECT_EQ(response.headers["connection"], "close") << what;
    EXPECT_NE(response.body.find("\"status\":" + std::to_string(status)), std::string::npos)
        << what;
    EXPECT_TRUE(backend.received().empty()) << what << ": reached the backend";
  }
};

TEST_F(ProtocolSafety, SmugglingAttemptsAreRefusedAndNeverForwarded) {
  const std::pair<const char*, const char*> cases[] = {
      {"both CL and TE",
       "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
       "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n"},
      {"differing CLs",
       "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n"
       "\r\nhello!"},
      {"TE not chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n"},
      {"chunked not final",
       "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"},
      {"TE chunked twice",
       "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
       "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
      {"obs-fold", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n  folded\r\n\r\n"},
      {"space before colon", "GET / HTTP/1.1\r\nHost: h\r\nContent-Length : 0\r\n\r\n"},
      {"bare CR in value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n"},
      {"bare LF line end", "GET / HTTP/1.1\nHost: h\n\n"},
      {"CL with sign", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\nhello"},
      {"missing Host", "GET / HTTP/1.1\r\n\r\n"},
  };
  for (const auto& [what, request] : cases) expect_refused(request, 400, what);
}

TEST_F(ProtocolSafety, NulInValueIsRefused) {
  expect_refused(std::string("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n", 38), 400, "NUL");
}

TEST_F(ProtocolSafety, InvalidChunkSizesAreRefused) {
  for (const char* body :
       {"zz\r\nhello\r\n0\r\n\r\n", "ffffffffffffffffff\r\n", "5\r\nhelloXX0\r\n\r\n", "-1\r\n"}) {
    RawConnection connection(gateway.port());
    connection.send(
        std::string("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n") + body);
    const auto response = parse_response(connection.read_until_close());
    EXPECT_EQ(response.status, 400) << body;
    EXPECT_TRUE(connection.closed_by_peer()) << body;
  }
  for (const auto& line : backend.received()) {
    EXPECT_NE(line, "POST /") << "a broken chunked body must not be answered by the backend";
  }
}

TEST_F(ProtocolSafety, LimitsAnswerWithTheirStatus) {
  expect_refused("GET /" + std::string(2000, 'u') + " HTTP/1.1\r\nHost: h\r\n\r\n", 414, "URI");
  expect_refused("GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(5000, 'b') + "\r\n\r\n", 431,
                 "header bytes");
  std::string many = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 25; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  expect_refused(many + "\r\n", 431, "header count");
  expect_refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 70000\r\n\r\n", 413, "body");
  expect_refused("POST /small HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world", 413,
                 "per-route body limit");
  expect_refused("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505, "version");
}

TEST_F(ProtocolSafety, ChunkedBodyOverTheLimitIs413) {
  RawConnection connection(gateway.port());
  connection.send(
      "POST /small HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "14\r\n01234567890123456789\r\n0\r\n\r\n");
  const auto response = parse_response(connection.read_until_close());
  EXPECT_EQ(response.status, 413);
}

TEST_F(ProtocolSafety, SlowlorisIsCutByTheHeaderTimeout) {
  RawConnection connection(gateway.port());
  connection.send("GET / HTTP/1.1\r\nHost: h\r\n");
  const auto start = std::chrono::steady_clock::now();
  // Keep trickling header bytes: each one would reset a naive idle timer.
  std::string received;
  for (int i = 0; i < 30; ++i) {
    if (!connection.send("X-Slow-" + std::to_string(i) + ": 1\r\n")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (connection.closed_by_peer(std::chrono::milliseconds(1))) break;
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::milliseconds(2500)) << "header_read is 500ms";
  EXPECT_TRUE(connection.closed_by_peer(std::chrono::seconds(2)));
  EXPECT_TRUE(backend.received().empty());
}

TEST_F(ProtocolSafety, GoodRequestAfterRefusalsStillWorks) {
  expect_refused("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n", 400, "obs-fold");
  EXPECT_EQ(http_get(gateway.port(), "/fine").status, 200);
}

TEST(ProtocolRefusals, AreCountedAndLoggedWithMethodAndPath) {
  EchoBackend backend;
  TempDir dir;
  const std::string log = dir.path() + "/access.log";
  Gateway gateway(fill(kConfig, {{"backend", backend.address()}}) +
                  "[server.access_log]\nenabled = true\npath = \"" + log + "\"\n");
  RawConnection smuggler(gateway.port());
  smuggler.send(
      "POST /transfer?to=bob HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(parse_response(smuggler.read_until_close()).status, 400);
  RawConnection huge(gateway.port());
  huge.send("GET /big-head HTTP/1.1\r\nHost: a\r\nX-Pad: " + std::string(5000, 'p') +
            "\r\n\r\n");
  EXPECT_EQ(parse_response(huge.read_until_close()).status, 431);

  EXPECT_TRUE(gateway.wait_for_metric(
      R"(apigw_requests_total{route="",method="POST",status_class="4xx"} 1)"))
      << gateway.metrics();
  EXPECT_TRUE(gateway.wait_for_metric(
      R"(apigw_requests_total{route="",method="GET",status_class="4xx"} 1)"))
      << gateway.metrics();
  std::string lines;
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::ifstream file(log);
    lines.assign(std::istreambuf_iterator<char>(file), {});
    if (lines.find("/big-head") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(lines.find(R"("http.request.method":"POST","url.path":"/transfer","url.query":"to=bob",)"
                       R"("http.response.status_code":400)"),
            std::string::npos)
      << lines;
  EXPECT_NE(lines.find(R"("http.request.method":"GET","url.path":"/big-head","url.query":"",)"
                       R"("http.response.status_code":431)"),
            std::string::npos)
      << lines;
  EXPECT_NE(lines.find(R"("error":"invalid_framing")"), std::string::npos) << lines;
  EXPECT_TRUE(gateway.wait_for_metric(R"(apigw_requests_refused_total{reason="invalid_framing"} 1)"))
      << gateway.metrics();
  EXPECT_TRUE(gateway.wait_for_metric(
      R"(apigw_requests_refused_total{reason="request_header_fields_too_large"} 1)"))
      << gateway.metrics();
  EXPECT_TRUE(backend.received().empty());
}

}  // namespace
}  // namespace apigw::test
