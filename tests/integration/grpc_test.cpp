// gRPC through the gateway end to end: a real gRPC server (grpcio, tests/support/grpc_backend.py)
// behind an upstream with protocol = "h2", a real gRPC client (grpc_client.py) in front. Unary
// calls with metadata and trailers, streaming each way and both ways at once, statuses and their
// details, deadlines (grpc-timeout), errors the gateway makes answered as gRPC statuses, and
// TLS on both sides.
#include <gtest/gtest.h>

#include <future>
#include <memory>

#include "support/gateway.h"
#include "support/test_certificates.h"

namespace apigw::test {
namespace {

using namespace std::chrono_literals;

// grpc_backend.py on a free port; TLS when given a certificate.
class GrpcBackend {
 public:
  explicit GrpcBackend(std::string name, const CertificateFiles* tls = nullptr)
      : port_(free_port()) {
    std::vector<std::string> argv{
        "/usr/bin/python3", std::string(APIGW_SOURCE_DIR) + "/tests/support/grpc_backend.py",
        "--port",           std::to_string(port_),
        "--name",           std::move(name)};
    if (tls != nullptr) argv.insert(argv.end(), {"--cert", tls->cert_file, "--key", tls->key_file});
    process_ = std::make_unique<Process>(argv, dir_.path() + "/backend.log");
    if (!wait_for_port(port_, 20s)) {
      throw std::runtime_error("grpc backend did not start:\n" + process_->log());
    }
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  TempDir dir_;
  int port_;
  std::unique_ptr<Process> process_;
};

// One call with grpc_client.py: its JSON result.
std::string call(const std::string& target, std::vector<std::string> args,
                 const std::vector<std::string>& options = {}) {
  std::vector<std::string> argv{"/usr/bin/python3",
                                std::string(APIGW_SOURCE_DIR) + "/tests/support/grpc_client.py",
                                "--target", target};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, 30s).output;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The gateway on an h2c listener with a gRPC route to `backend` (and a dead upstream for the
// service dead.Service).
std::string grpc_config(const std::string& backend, const std::string& upstream_extra = "",
                        const std::string& listener_extra = "http2 = true\n") {
  return R"(
[server]
workers = 1
[[server.listeners]]
address = "127.0.0.1:{port}"
)" + listener_extra +
         R"(
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "grpc"
protocol = "h2"
targets = [{ address = ")" +
         backend + R"(" }]
connect_timeout = "1s"
)" + upstream_extra +
         R"(
[[upstreams]]
name = "dead"
protocol = "h2"
targets = [{ address = ")" +
         dead_address() + R"(" }]
connect_timeout = "1s"
[[routes]]
name = "grpc"
match = { path_prefix = "/apigw.test.TestService/" }
upstream = "grpc"
[[routes]]
name = "dead"
match = { path_prefix = "/dead.Service/" }
upstream = "dead"
)";
}

TEST(Grpc, UnaryCallsCarryMetadataMessagesAndTrailersBothWays) {
  GrpcBackend backend("g1");
  Gateway gateway(grpc_config(backend.address()));
  const std::string target = "127.0.0.1:" + std::to_string(gateway.port());
  const std::string echo =
      call(target, {"echo", "--message", "hello"}, {"--metadata", "x-echo-color=blue"});
  EXPECT_TRUE(has(echo, R"("code": "OK")")) << echo;
  EXPECT_TRUE(has(echo, R"("messages": ["hello"])")) << echo;
  EXPECT_TRUE(has(echo, R"(["x-backend", "g1"])")) << echo;               // initial metadata
  EXPECT_TRUE(has(echo, R"(["x-echo-color-trailer", "blue"])")) << echo;  // trailers
  // A large message, past every window.
  const std::string large = call(target, {"--summary", "echo", "--size", "3000000"});
  EXPECT_TRUE(has(large, R"("code": "OK")")) << large;
  EXPECT_TRUE(has(large, R"("bytes": 3000000)")) << large;
  EXPECT_TRUE(gateway.wait_for_metric(
      R"(apigw_requests_total{route="grpc",method="POST",status_class="2xx"} 2)"))
      << gateway.metrics();
}

TEST(Grpc, StreamsFlowEachWayAndBothWaysAtOnce) {
  GrpcBackend backend("g1");
  Gateway gateway(grpc_config(backend.address()));
  const std::string target = "127.0.0.1:" + std::to_string(gateway.port());
  const std::string server_stream =
      call(target, {"server-stream", "--count", "20", "--interval-ms", "10"});
  EXPECT_TRUE(has(server_stream, R"("code": "OK")")) << server_stream;
  EXPECT_TRUE(has(server_stream, R"("index": 19)")) << server_stream;
  const std::string sum = call(target, {"client-stream", "--values", "1", "2", "3", "40"});
  EXPECT_TRUE(has(sum, R"("sum": 46)")) << sum;
  EXPECT_TRUE(has(sum, R"("count": 4)")) << sum;
  // Ping-pong: each message waits for its echo, so the request body must go up while the
  // response comes down.
  const std::string bidi = call(target, {"bidi", "--messages", "a", "b", "c", "d", "e"});
  EXPECT_TRUE(has(bidi, R"("code": "OK")")) << bidi;
  EXPECT_TRUE(has(bidi, R"("messages": ["a", "b", "c", "d", "e"])")) << bidi;
  // A stream that fails after some messages: its status comes in the trailers after DATA.
  const std::string failing = call(target, {"server-stream", "--count", "10", "--fail-after", "3",
                                            "--fail-code", "RESOURCE_EXHAUSTED"});
  EXPECT_TRUE(has(failing, R"("code": "RESOURCE_EXHAUSTED")")) << failing;
  EXPECT_TRUE(has(failing, R"("index": 2)")) << failing;
}

TEST(Grpc, StatusesDetailsAndDeadlinesPassThrough) {
  GrpcBackend backend("g1");
  Gateway gateway(grpc_config(backend.address()));
  const std::string target = "127.0.0.1:" + std::to_string(gateway.port());
  // Trailers-Only: HEADERS with the status, nothing else.
  const std::string missing =
      call(target, {"fail", "--code", "NOT_FOUND", "--details", "no such thing"});
  EXPECT_TRUE(has(missing, R"("code": "NOT_FOUND")")) << missing;
  EXPECT_TRUE(has(missing, R"("details": "no such thing")")) << missing;
  // The client's deadline: the backend sees it, and the call ends at it.
  const std::string inspect = call(target, {"inspect"}, {"--timeout", "5"});
  EXPECT_TRUE(has(inspect, R"("deadline": )")) << inspect;
  EXPECT_FALSE(has(inspect, R"("deadline": null)")) << inspect;
  const auto started = std::chrono::steady_clock::now();
  const std::string late = call(target, {"sleep", "--ms", "3000"}, {"--timeout", "0.5"});
  EXPECT_TRUE(has(late, R"("code": "DEADLINE_EXCEEDED")")) << late;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2500ms);
}

TEST(Grpc, GatewayErrorsAreGrpcStatuses) {
  GrpcBackend backend("g1");
  Gateway gateway(grpc_config(backend.address()));
  const std::string target = "127.0.0.1:" + std::to_string(gateway.port());
  // A service routed to an upstream that is down, and one no route knows.
  const std::string dead = call(target, {"echo", "--message", "x"}, {"--service", "dead.Service"});
  EXPECT_TRUE(has(dead, R"("code": "UNAVAILABLE")")) << dead;
  EXPECT_TRUE(has(dead, "upstream")) << dead;
  const std::string unknown =
      call(target, {"echo", "--message", "x"}, {"--service", "nowhere.Service"});
  EXPECT_TRUE(has(unknown, R"("code": "UNIMPLEMENTED")")) << unknown;
  // The record keeps the HTTP status the error stands for.
  EXPECT_TRUE(gateway.wait_for_metric(
      R"(apigw_requests_total{route="dead",method="POST",status_class="5xx"} 1)"))
      << gateway.metrics();
}

TEST(Grpc, TlsOnBothSides) {
  TempDir dir;
  TestCa ca(dir.path());
  const CertificateFiles gateway_cert =
      ca.issue("gateway", {.common_name = "localhost", .dns_names = {"localhost"}});
  const CertificateFiles backend_cert =
      ca.issue("backend", {.common_name = "backend", .dns_names = {"backend.test"}});
  GrpcBackend backend("tls-backend", &backend_cert);
  Gateway gateway(grpc_config(
      backend.address(),
      "tls = { ca_file = \"" + ca.cert_file() + "\", server_name = \"backend.test\" }\n",
      listener_certificate_toml(gateway_cert)));
  const std::string target = "localhost:" + std::to_string(gateway.port());
  const std::string echo =
      call(target, {"echo", "--message", "secure"}, {"--cafile", ca.cert_file()});
  EXPECT_TRUE(has(echo, R"("code": "OK")")) << echo;
  EXPECT_TRUE(has(echo, R"(["x-backend", "tls-backend"])")) << echo;
  const std::string bidi =
      call(target, {"bidi", "--messages", "x", "y", "z"}, {"--cafile", ca.cert_file()});
  EXPECT_TRUE(has(bidi, R"("messages": ["x", "y", "z"])")) << bidi;
}

}  // namespace
}  // namespace apigw::test
