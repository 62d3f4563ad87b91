// TLS to upstreams over time: sessions resume once the pool has let its connections go, a reload
// that changes the CA never reuses a connection verified under the old one, health checks speak
// TLS (and take a target whose certificate fails out of rotation), and mirrored copies go over
// TLS too.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "support/gateway.h"
#include "support/test_certificates.h"
#include "support/test_http_server.h"

namespace apigw::test {
namespace {

using namespace std::chrono_literals;

struct Pki {
  TempDir dir;
  TestCa ca{dir.path()};
  TestCa other_ca{dir.path(), "other-ca", "another CA"};
  CertificateFiles server = ca.issue(
      "server", {.common_name = "backend", .dns_names = {"localhost"}, .ips = {"127.0.0.1"}});
  CertificateFiles expired = ca.issue("expired", {.common_name = "expired",
                                                  .ips = {"127.0.0.1"},
                                                  .validity = CertificateSpec::Validity::expired});
};

TestHttpServer::TlsFiles serving(const CertificateFiles& files) {
  return {files.cert_file, files.key_file, ""};
}

std::string address_of(const TestHttpServer& backend) {
  return "127.0.0.1:" + std::to_string(backend.port());
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(UpstreamTlsPool, SessionsResumeAfterThePoolLetsItsConnectionsGo) {
  Pki pki;
  TestHttpServer backend(serving(pki.server));
  Gateway gateway(pool_config(targets_toml({address_of(backend)}),
                              "tls = { ca_file = \"" + pki.ca.cert_file() +
                                  "\" }\nkeepalive = { idle_timeout = \"200ms\" }"));
  ASSERT_EQ(get_in_process(gateway.port(), "/echo").status, 200) << gateway.log();
  // The idle connection is closed after 200 ms (the sweeper runs every 50 ms); the session stays.
  // Nothing is sent meanwhile: each request would start the idle time again.
  std::this_thread::sleep_for(600ms);
  ASSERT_EQ(get_in_process(gateway.port(), "/echo").status, 200) << gateway.log();
  EXPECT_EQ(backend.connections(), 2);
  const auto handshakes = backend.handshakes();
  ASSERT_GE(handshakes.size(), 2u);
  EXPECT_EQ(handshakes[0].substr(0, 4), "new ") << handshakes[0];
  EXPECT_EQ(handshakes[1].substr(0, 8), "resumed ") << handshakes[1];
}

TEST(UpstreamTlsPool, AReloadThatChangesTheCaAppliesToTheNextConnection) {
  Pki pki;
  TestHttpServer backend(serving(pki.server));
  const auto config = [&](const std::string& ca_file) {
    return pool_config(targets_toml({address_of(backend)}),
                       "tls = { ca_file = \"" + ca_file + "\" }");
  };
  Gateway gateway(config(pki.ca.cert_file()));
  ASSERT_EQ(get_in_process(gateway.port(), "/echo").status, 200) << gateway.log();
  ASSERT_EQ(backend.connections(), 1);  // and pooled

  // Trusting another CA only: the pooled connection was verified under the old CA and must not
  // serve; a new one does not verify.
  gateway.write_config(config(pki.other_ca.cert_file()));
  gateway.process().signal(SIGHUP);
  ASSERT_TRUE(gateway.wait_for_metric("apigw_config_version 2")) << gateway.log();
  const auto refused = get_in_process(gateway.port(), "/echo");
  EXPECT_EQ(refused.status, 502) << refused.body;
  EXPECT_TRUE(has(refused.body, "upstream_tls_failed")) << refused.body;
  EXPECT_EQ(backend.requests().size(), 1u);

  // Back to the right CA: a new connection again (the pools are keyed by the TLS settings).
  gateway.write_config(config(pki.ca.cert_file()));
  gateway.process().signal(SIGHUP);
  ASSERT_TRUE(gateway.wait_for_metric("apigw_config_version 3")) << gateway.log();
  EXPECT_EQ(get_in_process(gateway.port(), "/echo").status, 200) << gateway.log();
  EXPECT_EQ(backend.requests().size(), 2u);
}

TEST(UpstreamTlsPool, HealthChecksSpeakTlsAndTakeATargetWithABadCertificateOut) {
  Pki pki;
  TestHttpServer good(serving(pki.server));
  TestHttpServer bad(serving(pki.expired));
  Gateway gateway(pool_config(
      targets_toml({address_of(good), address_of(bad)}),
      "tls = { ca_file = \"" + pki.ca.cert_file() +
          "\" }\nhealth_check = { path = \"/echo\", interval = \"100ms\", unhealthy_threshold = 2, "
          "healthy_threshold = 1 }"));
  EXPECT_TRUE(wait_until([&] { return has(gateway.log(), address_of(bad) + " marked unhealthy"); }))
      << gateway.log();
  EXPECT_TRUE(has(gateway.log(), "upstream 'pool' target " + address_of(bad) +
                                     ": TLS verification failed: certificate has expired"))
      << gateway.log();
  EXPECT_FALSE(has(gateway.log(), address_of(good) + " marked unhealthy")) << gateway.log();
  // The probes of the good target passed over TLS; requests now reach it only.
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(get_in_process(gateway.port(), "/echo").status, 200) << gateway.log();
  }
  EXPECT_TRUE(bad.requests().empty());
  EXPECT_FALSE(good.requests().empty());
}

TEST(UpstreamTlsPool, MirroredCopiesGoOverTls) {
  Pki pki;
  TestHttpServer primary(serving(pki.server));
  TestHttpServer shadow(serving(pki.server));
  Gateway gateway(fill(R"(
[server]
listen = ["127.0.0.1:{port}"]
workers = 1
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "orders"
targets = [{ address = "{primary}" }]
tls = { ca_file = "{ca}" }
[[upstreams]]
name = "orders-shadow"
targets = [{ address = "{shadow}" }]
tls = { ca_file = "{ca}" }
[[routes]]
name = "orders"
match = { path_prefix = "/" }
upstream = "orders"
mirror = { upstream = "orders-shadow", percent = 100 }
)",
                       {{"primary", address_of(primary)},
                        {"shadow", address_of(shadow)},
                        {"ca", pki.ca.cert_file()}}));
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(get_in_process(gateway.port(), "/echo?copy=" + std::to_string(i)).status, 200)
        << gateway.log();
    // One copy at a time, so that each finds the previous one's connection back in the pool.
    EXPECT_TRUE(wait_until([&] { return shadow.requests().size() == i + 1; }))
        << shadow.requests().size() << "\n"
        << gateway.log();
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(shadow.handshakes().size(), 1u) << "the mirror's TLS connection is pooled too";
}

}  // namespace
}  // namespace apigw::test
