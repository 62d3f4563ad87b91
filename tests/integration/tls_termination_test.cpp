// TLS termination end to end: the real gateway on a [[server.listeners]] TLS listener with a
// throw-away CA, real clients (curl, and an OpenSSL client for what curl cannot show), a real
// backend behind it. Certificates chosen by SNI, old protocol versions refused and counted,
// resumption by tickets, client certificates, and certificates replaced on disk while
// connections stay open.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "support/gateway.h"
#include "support/test_certificates.h"
#include "support/tls_client.h"

namespace apigw::test {
namespace {

using namespace std::chrono_literals;

// A CA and the certificates of one listener: an exact name, a wildcard, and a default.
struct Certificates {
  TempDir dir;
  TestCa ca{dir.path()};
  CertificateFiles api = ca.issue("api", {.common_name = "api", .dns_names = {"api.test"}});
  CertificateFiles wildcard =
      ca.issue("wildcard", {.common_name = "wildcard", .dns_names = {"*.apps.test"}});
  CertificateFiles fallback = ca.issue("fallback", {.common_name = "fallback",
                                                    .dns_names = {"localhost"},
                                                    .ips = {"127.0.0.1"},
                                                    .key_type = KeyType::rsa_2048});
};

std::string certificate_toml(const CertificateFiles& files, bool is_default = false) {
  return "[[server.listeners.tls.certificates]]\ncert = \"" + files.cert_file + "\"\nkey = \"" +
         files.key_file + "\"\n" + (is_default ? "default = true\n" : "");
}

// One TLS listener on {port} (its `tls_extra` lines go in [server.listeners.tls], its
// `listener_extra` lines in [[server.listeners]]) in front of `backend`.
std::string tls_config(const Certificates& certs, const EchoBackend& backend,
                       const std::string& tls_extra = "", const std::string& listener_extra = "") {
  return R"(
[server]
workers = 1
[[server.listeners]]
address = "127.0.0.1:{port}"
)" + listener_extra +
         "[server.listeners.tls]\nhandshake_timeout = \"1s\"\n" + tls_extra + "\n" +
         certificate_toml(certs.api) + certificate_toml(certs.wildcard) +
         certificate_toml(certs.fallback, true) + R"(
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
)";
}

TlsClientOptions trusting(const Certificates& certs, std::string server_name = "") {
  TlsClientOptions options;
  options.ca_file = certs.ca.cert_file();
  options.server_name = std::move(server_name);
  return options;
}

TEST(TlsTermination, ServesTheCertificateTheClientNamesAndProxiesOverIt) {
  Certificates certs;
  EchoBackend backend("b1");
  Gateway gateway(tls_config(certs, backend));

  EXPECT_EQ(TlsClient(gateway.port(), trusting(certs, "api.test")).server_common_name(), "api");
  EXPECT_EQ(TlsClient(gateway.port(), trusting(certs, "API.test")).server_common_name(), "api")
      << "server names are case-insensitive";
  EXPECT_EQ(TlsClient(gateway.port(), trusting(certs, "shop.apps.test")).server_common_name(),
            "wildcard");
  EXPECT_EQ(TlsClient(gateway.port(), trusting(certs, "a.b.apps.test")).server_common_name(),
            "fallback")
      << "a wildcard covers one label";
  EXPECT_EQ(TlsClient(gateway.port(), trusting(certs, "unknown.test")).server_common_name(),
            "fallback");
  EXPECT_EQ(TlsClient(gateway.port(), trusting(certs)).server_common_name(), "fallback")
      << "no SNI: the default certificate";

  // curl verifies the chain and the name, and speaks HTTP/1.1 through the tunnel.
  const std::string url = "https://api.test:" + std::to_string(gateway.port()) + "/orders?x=1";
  const CurlResult result =
      curl({"--cacert", certs.ca.cert_file(), "--resolve",
            "api.test:" + std::to_string(gateway.port()) + ":127.0.0.1", url, "-H",
            "X-Forwarded-Proto: gopher", "-H", "X-Client-Cert-Subject: CN=mallory"});
  ASSERT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.status, 200);
  EXPECT_NE(result.body.find("\"x-forwarded-proto\":\"https\""), std::string::npos) << result.body;
  EXPECT_EQ(result.body.find("gopher"), std::string::npos);
  EXPECT_EQ(result.body.find("mallory"), std::string::npos)
      << "a client cannot claim a certificate subject";
  EXPECT_EQ(backend.received(), std::vector<std::string>{"GET /orders?x=1"});

  // Keep-alive and pipelining over TLS: two requests in one write, two answers in order.
  TlsClient client(gateway.port(), trusting(certs, "api.test"));
  ASSERT_TRUE(client.ok()) << client.error();
  EXPECT_EQ(client.alpn(), "") << "no ALPN offered: none chosen";
  const HttpResponse first =
      client.request("GET /one HTTP/1.1\r\nHost: a\r\n\r\nGET /two HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(first.status, 200);
  EXPECT_NE(first.body.find("/one"), std::string::npos);
  const HttpResponse second = client.request("");
  EXPECT_EQ(second.status, 200);
  EXPECT_NE(second.body.find("/two"), std::string::npos) << second.raw;
  EXPECT_EQ(client.get("/three").status, 200);
}

TEST(TlsTermination, RefusesOldProtocolsAndCountsWhy) {
  Certificates certs;
  EchoBackend backend("b1");
  Gateway gateway(tls_config(certs, backend));

  TlsClientOptions old = trusting(certs, "api.test");
  old.min_version = TLS1_1_VERSION;
  old.max_version = TLS1_1_VERSION;
  EXPECT_FALSE(TlsClient(gateway.port(), old).ok());

  TlsClientOptions tls12 = trusting(certs, "api.test");
  tls12.max_version = TLS1_2_VERSION;
  TlsClient modern(gateway.port(), tls12);
  ASSERT_TRUE(modern.ok()) << modern.error();
  EXPECT_EQ(modern.version(), "TLSv1.2");
  EXPECT_EQ(TlsClient(gateway.port(), trusting(certs)).version(), "TLSv1.3");

  // ALPN: h2 first (a TLS listener speaks HTTP/2 unless it says http2 = false), HTTP/1.1 for
  // clients that offer only that.
  TlsClientOptions alpn = trusting(certs, "api.test");
  alpn.alpn = {"h2", "http/1.1"};
  EXPECT_EQ(TlsClient(gateway.port(), alpn).alpn(), "h2");
  alpn.alpn = {"http/1.1"};
  EXPECT_EQ(TlsClient(gateway.port(), alpn).alpn(), "http/1.1");

  // A client that connects and never says hello is cut at handshake_timeout (1 s here).
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(raw_exchange(gateway.port(), "", 10s), "");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 8s) << "closed by the gateway";

  const std::string listener = "listener=\"127.0.0.1:" + std::to_string(gateway.port()) + "\"";
  EXPECT_TRUE(
      gateway.wait_for_metric("apigw_tls_handshakes_total{" + listener + ",result=\"timeout\"} 1"))
      << gateway.metrics();
  EXPECT_TRUE(gateway.wait_for_metric("apigw_tls_handshake_errors_total{" + listener +
                                      ",reason=\"protocol_version\"} 1"))
      << gateway.metrics();
  EXPECT_NE(gateway.metrics().find("apigw_tls_handshakes_total{" + listener + ",result=\"ok\"} 4"),
            std::string::npos)
      << gateway.metrics();
  EXPECT_NE(gateway.metrics().find("apigw_tls_certificate_expiry_seconds{" + listener +
                                   ",name=\"api.test\"}"),
            std::string::npos);
}

TEST(TlsTermination, ResumesSessionsFromTickets) {
  Certificates certs;
  EchoBackend backend("b1");
  Gateway gateway(tls_config(certs, backend));

  for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    TlsClientOptions options = trusting(certs, "api.test");
    options.max_version = version;
    std::shared_ptr<SSL_SESSION> session;
    {
      TlsClient first(gateway.port(), options);
      ASSERT_TRUE(first.ok()) << first.error();
      EXPECT_FALSE(first.resumed());
      EXPECT_EQ(first.get("/").status, 200);  // TLS 1.3 tickets arrive after the handshake
      session = first.session();
    }
    options.session = session;
    TlsClient second(gateway.port(), options);
    ASSERT_TRUE(second.ok()) << second.error();
    EXPECT_TRUE(second.resumed()) << "TLS version " << version;
    EXPECT_EQ(second.get("/").status, 200);
  }
  EXPECT_TRUE(gateway.wait_for_metric("apigw_tls_resumptions_total{listener=\"127.0.0.1:" +
                                      std::to_string(gateway.port()) + "\"} 2"))
      << gateway.metrics();
}

TEST(TlsTermination, ClientCertificatesAreRequiredVerifiedAndTheirSubjectForwarded) {
  Certificates certs;
  TestCa stranger(certs.dir.path(), "stranger", "stranger CA");
  const CertificateFiles alice =
      certs.ca.issue("alice", {.common_name = "alice", .usage = CertificateSpec::Usage::client});
  const CertificateFiles mallory = stranger.issue(
      "mallory", {.common_name = "mallory", .usage = CertificateSpec::Usage::client});
  EchoBackend backend("b1");
  Gateway gateway(tls_config(certs, backend,
                             "client_auth = \"require\"\nclient_ca_file = \"" +
                                 certs.ca.cert_file() + "\"\nforward_client_cert = \"subject\""));

  EXPECT_FALSE(TlsClient(gateway.port(), trusting(certs, "api.test")).get("/").status == 200)
      << "no client certificate";
  TlsClientOptions as_mallory = trusting(certs, "api.test");
  as_mallory.cert_file = mallory.cert_file;
  as_mallory.key_file = mallory.key_file;
  EXPECT_FALSE(TlsClient(gateway.port(), as_mallory).get("/").status == 200)
      << "a certificate from another CA";
  EXPECT_TRUE(backend.received().empty());

  // SNI moves the connection to another certificate's context: it must still ask for one.
  for (const std::string name : {"api.test", "shop.apps.test", ""}) {
    TlsClientOptions as_alice = trusting(certs, name);
    as_alice.cert_file = alice.cert_file;
    as_alice.key_file = alice.key_file;
    TlsClient client(gateway.port(), as_alice);
    ASSERT_TRUE(client.ok()) << client.error();
    const HttpResponse response = client.get("/", {"X-Client-Cert-Subject: CN=mallory"});
    EXPECT_EQ(response.status, 200);
    EXPECT_NE(response.body.find("\"x-client-cert-subject\":\"CN=alice\""), std::string::npos)
        << response.body;
  }
  const std::string metrics = gateway.metrics();
  EXPECT_NE(metrics.find("reason=\"no_certificate\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("reason=\"unknown_ca\"} 1"), std::string::npos) << metrics;
}

TEST(TlsTermination, ReplacedCertificatesServeNewConnectionsWithoutDroppingOpenOnes) {
  Certificates certs;
  EchoBackend backend("b1");
  Gateway gateway(tls_config(certs, backend));
  TlsClient open(gateway.port(), trusting(certs, "api.test"));
  ASSERT_TRUE(open.ok()) << open.error();
  EXPECT_EQ(open.get("/before").status, 200);

  // Renewal in place, as an ACME client does it: new files renamed over the old ones.
  const CertificateFiles renewed =
      certs.ca.issue("api-renewed", {.common_name = "api renewed", .dns_names = {"api.test"}});
  std::filesystem::rename(renewed.key_file, certs.api.key_file);
  std::filesystem::rename(renewed.cert_file, certs.api.cert_file);
  EXPECT_TRUE(wait_until([&] {
    return TlsClient(gateway.port(), trusting(certs, "api.test")).server_common_name() ==
           "api renewed";
  })) << gateway.log();
  EXPECT_EQ(open.get("/after").status, 200) << "the open connection keeps working";

  // A broken renewal is refused: the renewed certificate keeps serving, and it is counted.
  { std::ofstream(certs.api.cert_file) << "not a certificate\n"; }
  EXPECT_TRUE(gateway.wait_for_metric("apigw_tls_reloads_total{result=\"failed\"} 1"))
      << gateway.metrics();
  EXPECT_NE(gateway.log().find(certs.api.cert_file), std::string::npos)
      << "the error names the file";
  EXPECT_EQ(TlsClient(gateway.port(), trusting(certs, "api.test")).server_common_name(),
            "api renewed");
  EXPECT_EQ(open.get("/still").status, 200);
  EXPECT_EQ(http_get(gateway.admin_port(), "/ready").status, 200) << "still serving";
}

TEST(TlsTermination, CertificateChangesUnderLoadFailNoHandshakeAndNoRequest) {
  Certificates certs;
  EchoBackend backend("b1");
  Gateway gateway(tls_config(certs, backend));
  // wrk makes a new TLS connection for every request (Connection: close) while the certificate
  // files are replaced and SIGHUP reloads the config: every handshake and request must succeed.
  const std::string url = "https://127.0.0.1:" + std::to_string(gateway.port()) + "/";
  auto load = std::async(std::launch::async, [&] {
    return run_command({"wrk", "-t1", "-c8", "-d4s", "-H", "Connection: close", url},
                       std::chrono::seconds(30));
  });
  ASSERT_TRUE(wait_until([&] { return !backend.received().empty(); })) << "no load arrived";
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    const CertificateFiles next =
        certs.ca.issue("fallback-" + std::to_string(i),
                       {.common_name = "fallback " + std::to_string(i), .ips = {"127.0.0.1"}});
    std::filesystem::rename(next.key_file, certs.fallback.key_file);
    std::filesystem::rename(next.cert_file, certs.fallback.cert_file);
    if (i % 2 == 1) gateway.process().signal(SIGHUP);
  }
  const CommandResult wrk = load.get();
  ASSERT_EQ(wrk.exit_code, 0) << wrk.output;
  EXPECT_NE(wrk.output.find("requests in"), std::string::npos) << wrk.output;
  EXPECT_EQ(wrk.output.find("Non-2xx"), std::string::npos) << wrk.output;
  EXPECT_EQ(wrk.output.find("Socket errors"), std::string::npos) << wrk.output;
  EXPECT_EQ(TlsClient(gateway.port(), trusting(certs)).server_common_name(), "fallback 5");
  EXPECT_NE(gateway.metrics().find("apigw_tls_reloads_total{result=\"failed\"} 0"),
            std::string::npos)
      << gateway.metrics();
}

TEST(TlsTermination, TlsSettingsReloadWithTheConfigAndOpenConnectionsStay) {
  Certificates certs;
  EchoBackend backend("b1");
  Gateway gateway(tls_config(certs, backend));
  TlsClientOptions tls12 = trusting(certs, "api.test");
  tls12.max_version = TLS1_2_VERSION;
  TlsClient open(gateway.port(), tls12);
  ASSERT_TRUE(open.ok()) << open.error();
  EXPECT_EQ(open.get("/").status, 200);

  gateway.write_config(tls_config(certs, backend, "min_version = \"1.3\""));
  EXPECT_TRUE(wait_until([&] { return !TlsClient(gateway.port(), tls12).ok(); }))
      << "TLS 1.2 refused once the reload is in";
  EXPECT_TRUE(TlsClient(gateway.port(), trusting(certs, "api.test")).ok());
  EXPECT_EQ(open.get("/").status, 200) << "a connection made under the old settings stays";
  EXPECT_TRUE(gateway.wait_for_metric("apigw_tls_reloads_total{result=\"ok\"} 1"))
      << gateway.metrics();
}

TEST(TlsTermination, SilentClientsAreCutAtTheHandshakeTimeoutAndProxyHeadersPrecedeTls) {
  Certificates certs;
  EchoBackend backend("b1");
  Gateway gateway(tls_config(certs, backend, "", "proxy_protocol = true\n"));

  TlsClientOptions proxied = trusting(certs, "api.test");
  proxied.before_handshake = "PROXY TCP4 203.0.113.7 127.0.0.1 40000 443\r\n";
  TlsClient client(gateway.port(), proxied);
  ASSERT_TRUE(client.ok()) << client.error();
  const HttpResponse response = client.get("/");
  EXPECT_EQ(response.status, 200);
  EXPECT_NE(response.body.find("\"x-forwarded-for\":\"203.0.113.7\""), std::string::npos)
      << response.body;

  // A connection that never starts its handshake is closed after handshake_timeout, and counted.
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(raw_exchange(gateway.port(), "", 10s), "");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 8s) << "closed by the gateway";
  EXPECT_TRUE(gateway.wait_for_metric("apigw_tls_handshake_errors_total{listener=\"127.0.0.1:" +
                                      std::to_string(gateway.port()) + "\",reason=\"timeout\"} 1"))
      << gateway.metrics();
  EXPECT_TRUE(backend.received().size() == 1);
}

}  // namespace
}  // namespace apigw::test
