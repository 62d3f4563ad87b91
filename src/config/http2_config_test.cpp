// The HTTP/2 keys: [server.http2], a listener's `http2`, an upstream's `protocol`; their
// defaults, their checks with file:line errors, and the example of docs/http2.md.
#include <gtest/gtest.h>

#include "config/test_support.h"

namespace apigw::config {
namespace {

using testing::all_errors;
using testing::find_error;
using testing::load_text;
using testing::with_minimal_rest;

TEST(ConfigHttp2, DefaultsAndEveryKey) {
  const auto defaults = load_text(with_minimal_rest(""));
  ASSERT_TRUE(defaults.config) << all_errors(defaults);
  EXPECT_EQ(defaults.config->server.http2, Http2Config{});
  EXPECT_EQ(defaults.config->server.http2.max_concurrent_streams, 100u);
  EXPECT_EQ(defaults.config->upstreams[0].protocol, UpstreamProtocol::http1);

  const auto result = load_text(with_minimal_rest(R"([server.http2]
max_concurrent_streams = 50
stream_window = "128KiB"
connection_window = "4MiB"
max_resets = 20
reset_rate = 5
max_control_frames = 200
control_frame_rate = 20
max_empty_data = 8
max_requests_per_connection = 1000
)"));
  ASSERT_TRUE(result.config) << all_errors(result);
  const Http2Config& http2 = result.config->server.http2;
  EXPECT_EQ(http2.max_concurrent_streams, 50u);
  EXPECT_EQ(http2.stream_window, 128u * 1024);
  EXPECT_EQ(http2.connection_window, 4u << 20);
  EXPECT_EQ(http2.max_resets, 20u);
  EXPECT_EQ(http2.reset_rate, 5u);
  EXPECT_EQ(http2.max_control_frames, 200u);
  EXPECT_EQ(http2.control_frame_rate, 20u);
  EXPECT_EQ(http2.max_empty_data, 8u);
  EXPECT_EQ(http2.max_requests_per_connection, 1000u);
}

TEST(ConfigHttp2, ListenersSpeakHttp2OverTlsByDefaultAndOnPlainWhenAsked) {
  const auto result = load_text(with_minimal_rest(R"([[server.listeners]]
address = "127.0.0.1:8081"
[[server.listeners]]
address = "127.0.0.1:8082"
http2 = true
[[server.listeners]]
address = "127.0.0.1:8443"
[[server.listeners.tls.certificates]]
cert = "/etc/apigw/api.pem"
key = "/etc/apigw/api.key"
[[server.listeners]]
address = "127.0.0.1:8444"
http2 = false
[[server.listeners.tls.certificates]]
cert = "/etc/apigw/api.pem"
key = "/etc/apigw/api.key"
)"));
  ASSERT_TRUE(result.config) << all_errors(result);
  const auto& listeners = result.config->server.listeners;
  ASSERT_EQ(listeners.size(), 4u);
  EXPECT_FALSE(speaks_http2(listeners[0]));
  EXPECT_TRUE(speaks_http2(listeners[1]));
  EXPECT_TRUE(speaks_http2(listeners[2]));
  EXPECT_FALSE(speaks_http2(listeners[3]));
}

TEST(ConfigHttp2, BadValuesAreRefusedWithTheirLine) {
  const auto windows = load_text(with_minimal_rest(R"([server.http2]
stream_window = 1000
connection_window = 500
max_resets = 0
)"));
  ASSERT_FALSE(windows.config);
  const ConfigError* stream = find_error(windows, "'stream_window' must be between 16KiB");
  ASSERT_NE(stream, nullptr) << all_errors(windows);
  EXPECT_EQ(stream->position.line, 2);
  EXPECT_NE(find_error(windows, "'connection_window' must be at least"), nullptr)
      << all_errors(windows);
  EXPECT_NE(find_error(windows, "max_resets"), nullptr) << all_errors(windows);

  const auto unknown = load_text(with_minimal_rest("[server.http2]\nmax_streams = 5\n"));
  ASSERT_FALSE(unknown.config);
  EXPECT_NE(find_error(unknown, "max_streams"), nullptr) << all_errors(unknown);
}

TEST(ConfigHttp2, UpstreamProtocolAndItsHealthCheck) {
  const std::string upstream = R"(
[admin]
listen = "127.0.0.1:9901"
[[upstreams]]
name = "grpc"
protocol = "h2"
targets = [{ address = "127.0.0.1:50051" }]
[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "grpc"
)";
  const auto h2 = load_text(upstream);
  ASSERT_TRUE(h2.config) << all_errors(h2);
  EXPECT_EQ(h2.config->upstreams[0].protocol, UpstreamProtocol::h2);

  const auto wrong = load_text(R"(
[admin]
listen = "127.0.0.1:9901"
[[upstreams]]
name = "grpc"
protocol = "http2"
targets = [{ address = "127.0.0.1:50051" }]
)");
  ASSERT_FALSE(wrong.config);
  const ConfigError* error = find_error(wrong, "unknown protocol 'http2'");
  ASSERT_NE(error, nullptr) << all_errors(wrong);
  EXPECT_EQ(error->position.line, 6);

  const auto http_check =
      load_text(upstream + "[upstreams.health_check]\ntype = \"http\"\npath = \"/health\"\n");
  ASSERT_FALSE(http_check.config);
  EXPECT_NE(find_error(http_check, "needs health_check type = \"tcp\""), nullptr)
      << all_errors(http_check);
}

TEST(ConfigHttp2, TheDocsExampleLoads) {
  const auto blocks = testing::toml_blocks(std::string(APIGW_SOURCE_DIR) + "/docs/http2.md");
  ASSERT_FALSE(blocks.empty());
  for (const auto& block : blocks) {
    const auto result = load_text(block.text + "[admin]\nlisten = \"127.0.0.1:9901\"\n");
    EXPECT_TRUE(result.config) << "docs/http2.md:" << block.line << "\n" << all_errors(result);
  }
}

}  // namespace
}  // namespace apigw::config
