// An upstream with protocol = "h2" whose target refuses or goes away, and one left idle: a real
// HTTP/2 server (python3-h2, tests/support/h2_backend.py) that can be told to refuse the first
// streams or to send GOAWAY, and logs every connection and stream it sees. A refused stream never
// reached the target, so the gateway tries it again at once on another connection (whatever the
// route's retry policy); a connection idle for the upstream's keepalive.idle_timeout is closed.
#include <gtest/gtest.h>

#include <memory>

#include "support/gateway.h"
#include "support/script_backend.h"

namespace apigw::test {
namespace {

using namespace std::chrono_literals;

// A python3-h2 server (tests/support/h2_backend.py) that logs every connection and stream.
class H2Backend : public ScriptBackend {
 public:
  explicit H2Backend(std::vector<std::string> options = {})
      : ScriptBackend("h2_backend.py", std::move(options)) {}
};

// One route to an h2 upstream that does not retry (attempts = 1): a refused stream is tried
// again by the h2 exchange itself, not by the retry policy.
std::string config_for(const H2Backend& backend, const std::string& upstream_extra = "") {
  return R"(
[server]
workers = 1
[[server.listeners]]
address = "127.0.0.1:{port}"
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "h2"
protocol = "h2"
targets = [{ address = ")" +
         backend.address() + R"(" }]
health_check = { type = "tcp" }
)" + upstream_extra +
         R"(
[[routes]]
name = "h2"
match = { path_prefix = "/" }
upstream = "h2"
retry = { attempts = 1 }
)";
}

TEST(H2Upstream, AStreamTheTargetRefusesIsTriedAgainOnAnotherConnection) {
  H2Backend backend({"--refuse-first", "1"});
  Gateway gateway(config_for(backend));
  const CurlResult answer = http_get(gateway.port(), "/first");
  EXPECT_EQ(answer.status, 200) << answer.body << "\n" << backend.log();
  EXPECT_EQ(answer.body, "connection 2") << backend.log();
  EXPECT_TRUE(backend.saw("refused stream 1 on 1")) << backend.log();
  EXPECT_TRUE(backend.saw("request /first on 2 stream 1")) << backend.log();
}

TEST(H2Upstream, AfterAGoawayNewRequestsGoToANewConnection) {
  // The target answers one request per connection, then says GOAWAY: the next request must not
  // go to the connection that is going away (nor fail on it).
  H2Backend backend({"--goaway-after", "1"});
  Gateway gateway(config_for(backend));
  EXPECT_EQ(http_get(gateway.port(), "/a").body, "connection 1") << backend.log();
  ASSERT_TRUE(wait_until([&] { return backend.saw("goaway on 1 last 1"); }, 5s)) << backend.log();
  const CurlResult second = http_get(gateway.port(), "/b");
  EXPECT_EQ(second.status, 200) << second.body << "\n" << backend.log();
  EXPECT_EQ(second.body, "connection 2") << backend.log();
  EXPECT_TRUE(backend.saw("request /b on 2 stream 1")) << backend.log();
}

TEST(H2Upstream, AConnectionIdleForItsTimeoutIsClosedAndTheNextRequestOpensOne) {
  H2Backend backend;
  Gateway gateway(config_for(backend, "keepalive = { idle_timeout = \"1s\" }\n"));
  EXPECT_EQ(http_get(gateway.port(), "/a").body, "connection 1") << backend.log();
  EXPECT_EQ(http_get(gateway.port(), "/b").body, "connection 1") << "pooled: " << backend.log();
  // The gateway closes it after the idle timeout (the sweeper's tick and the coarse clock's
  // slack make that a little later than 1 s).
  EXPECT_TRUE(wait_until([&] { return backend.saw("connection 1 closed by peer"); }, 5s))
      << backend.log();
  EXPECT_EQ(http_get(gateway.port(), "/c").body, "connection 2") << backend.log();
}

TEST(H2Upstream, TheConnectionsBytesCountInTheUpstreamsBytes) {
  H2Backend backend;
  Gateway gateway(config_for(backend));
  const std::string sent = R"(apigw_upstream_bytes_total{upstream="h2",direction="sent"})";
  const std::string received = R"(apigw_upstream_bytes_total{upstream="h2",direction="received"})";
  EXPECT_EQ(gateway.metric(sent), 0);
  ASSERT_EQ(http_get(gateway.port(), "/a").body, "connection 1") << backend.log();
  const double sent_once = gateway.metric(sent);
  const double received_once = gateway.metric(received);
  // The client preface alone is 24 bytes and a SETTINGS frame 9 more; the answer came in frames
  // of 9-byte headers (SETTINGS, its ACK, HEADERS, DATA with "connection 1").
  EXPECT_GT(sent_once, 24 + 9);
  EXPECT_GT(received_once, 4 * 9 + 12);
  ASSERT_EQ(curl({"-X", "POST", "--data-binary", std::string(5000, 'p'), gateway.url("/b")}).status,
            200);
  EXPECT_GE(gateway.metric(sent), sent_once + 5000) << "the body went out in DATA frames";
  EXPECT_GT(gateway.metric(received), received_once);
}

}  // namespace
}  // namespace apigw::test
