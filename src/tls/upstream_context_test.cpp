// The client side of TLS to upstreams, in memory against a real server context (a listener's):
// the chain and the name are checked (or the IP, for an IP target, which sends no SNI), the
// failure reasons an operator reads, client certificates, resumption from the session cache, and
// reuse of an unchanged context across builds.
#include "tls/upstream_context.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tls/test_handshake.h"

namespace apigw::tls {
namespace {

using testing::build;
using testing::certificate;
using testing::ScratchDir;
using testing::TestPki;

struct ClientHandshake {
  bool ok = false;
  SslPtr client, server;
  std::string failure;  // describe_client_handshake_failure's text
  bool verify_failed = false;
};

// Our client SSL (made by the upstream context, for a target with host `host`) against
// `server_context`, joined by a BIO pair; then one read on each side, so that TLS 1.3 tickets
// reach the session cache and a refused client certificate's alert reaches the client.
ClientHandshake connect(const UpstreamContext& upstream, std::string_view host,
                        SSL_CTX* server_context, SessionCache* sessions = nullptr) {
  ClientHandshake result;
  result.client = upstream.new_connection(host, sessions);
  EXPECT_NE(result.client, nullptr);
  if (result.client == nullptr) return result;
  result.server.reset(SSL_new(server_context));
  testing::join_in_memory(result.client.get(), result.server.get());
  bool client_done = false, server_done = false, failed = false;
  for (int round = 0; round < 32 && !(client_done && server_done) && !failed; ++round) {
    if (!client_done) {
      const int rc = SSL_do_handshake(result.client.get());
      const int error = SSL_get_error(result.client.get(), rc);
      client_done = rc == 1;
      if (rc != 1 && error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
        result.failure =
            describe_client_handshake_failure(result.client.get(), error, result.verify_failed);
        failed = true;
      }
    }
    if (!server_done && !failed) {
      const int rc = SSL_do_handshake(result.server.get());
      const int error = SSL_get_error(result.server.get(), rc);
      server_done = rc == 1;
      if (rc != 1 && error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
        ERR_clear_error();
        // The server's alert is the client's to read on its next turn.
        const int client_rc = SSL_do_handshake(result.client.get());
        if (client_rc != 1) {
          result.failure = describe_client_handshake_failure(
              result.client.get(), SSL_get_error(result.client.get(), client_rc),
              result.verify_failed);
        } else {
          char byte;
          std::size_t n = 0;
          SSL_read_ex(result.client.get(), &byte, 1, &n);
          result.failure = describe_client_handshake_failure(result.client.get(), SSL_ERROR_SSL,
                                                             result.verify_failed);
        }
        failed = true;
      }
    }
  }
  result.ok = client_done && server_done && !failed;
  if (result.ok) {
    char byte;
    std::size_t n = 0;
    SSL_write_ex(result.server.get(), "x", 1, &n);
    SSL_read_ex(result.client.get(), &byte, 1, &n);  // takes in the tickets
    ERR_clear_error();
  }
  return result;
}

config::ListenerTlsConfig listener(const test::CertificateFiles& files) {
  config::ListenerTlsConfig config;
  config.certificates = {certificate(files, true)};
  return config;
}

std::shared_ptr<const UpstreamContext> upstream(
    const config::UpstreamTlsConfig& config, std::vector<std::string>* warnings = nullptr,
    std::shared_ptr<const UpstreamContext> previous = nullptr) {
  std::vector<std::string> ignored;
  return build_upstream_context(config, "orders", previous, warnings ? *warnings : ignored);
}

config::UpstreamTlsConfig trusting(const std::string& ca_file) {
  config::UpstreamTlsConfig config;
  config.ca_file = ca_file;
  return config;
}

TEST(UpstreamContext, VerifiesTheChainAndTheTargetsNameAndSendsItAsSni) {
  const TestPki& pki = TestPki::get();
  const auto server = build(listener(pki.api), {"http/1.1"});
  const auto client = upstream(trusting(pki.ca.cert_file()));
  ASSERT_NE(client->context(), nullptr) << client->error();
  const ClientHandshake result = connect(*client, "api.example.com", server->default_context());
  ASSERT_TRUE(result.ok) << result.failure;
  EXPECT_EQ(connection_facts(result.server.get()).server_name, "api.example.com");
  EXPECT_EQ(connection_facts(result.server.get()).alpn, "http/1.1");
}

TEST(UpstreamContext, RefusalsSayWhatOpenSslFound) {
  const TestPki& pki = TestPki::get();
  const auto server = build(listener(pki.api), {"http/1.1"});
  {
    SCOPED_TRACE("another name");
    const ClientHandshake result = connect(*upstream(trusting(pki.ca.cert_file())),
                                           "orders.internal", server->default_context());
    EXPECT_FALSE(result.ok);
    EXPECT_TRUE(result.verify_failed);
    EXPECT_EQ(result.failure, "hostname mismatch (X509 verify error 62)");
  }
  {
    SCOPED_TRACE("server_name overrides the target's host");
    config::UpstreamTlsConfig config = trusting(pki.ca.cert_file());
    config.server_name = "other.example.com";
    const auto client = upstream(config);
    EXPECT_EQ(client->expected_name("api.example.com"), "other.example.com");
    const ClientHandshake result = connect(*client, "api.example.com", server->default_context());
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(result.failure, "hostname mismatch (X509 verify error 62)");
  }
  {
    SCOPED_TRACE("another CA");
    const ClientHandshake result = connect(*upstream(trusting(pki.other_ca.cert_file())),
                                           "api.example.com", server->default_context());
    EXPECT_FALSE(result.ok);
    EXPECT_TRUE(result.verify_failed);
    EXPECT_EQ(result.failure, "unable to get local issuer certificate (X509 verify error 20)");
  }
}

TEST(UpstreamContext, AnIpTargetSendsNoSniAndIsCheckedAgainstTheIpSans) {
  const TestPki& pki = TestPki::get();
  const test::CertificateFiles by_ip = pki.ca.issue(
      "upstream-by-ip", {.common_name = "by-ip", .dns_names = {"localhost"}, .ips = {"127.0.0.1"}});
  const auto server = build(listener(by_ip), {"http/1.1"});
  const auto client = upstream(trusting(pki.ca.cert_file()));
  const ClientHandshake good = connect(*client, "127.0.0.1", server->default_context());
  ASSERT_TRUE(good.ok) << good.failure;
  EXPECT_EQ(connection_facts(good.server.get()).server_name, "");
  const ClientHandshake wrong = connect(*client, "127.0.0.2", server->default_context());
  EXPECT_FALSE(wrong.ok);
  EXPECT_EQ(wrong.failure, "IP address mismatch (X509 verify error 64)");
}

TEST(UpstreamContext, VerifyFalseAcceptsAnyCertificateWithAWarning) {
  const TestPki& pki = TestPki::get();
  const auto server = build(listener(pki.api), {"http/1.1"});
  config::UpstreamTlsConfig config;
  config.verify = false;
  std::vector<std::string> warnings;
  const auto client = upstream(config, &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("upstream 'orders': tls verify = false"), std::string::npos);
  const ClientHandshake result = connect(*client, "unrelated.name", server->default_context());
  EXPECT_TRUE(result.ok) << result.failure;
}

TEST(UpstreamContext, PresentsTheClientCertificate) {
  const TestPki& pki = TestPki::get();
  config::ListenerTlsConfig requiring = listener(pki.api);
  requiring.client_auth = config::ListenerTlsConfig::ClientAuth::require;
  requiring.client_ca_file = pki.ca.cert_file();
  const auto server = build(requiring, {"http/1.1"});

  config::UpstreamTlsConfig config = trusting(pki.ca.cert_file());
  config.client_cert = pki.alice.cert_file;
  config.client_key = pki.alice.key_file;
  const ClientHandshake with =
      connect(*upstream(config), "api.example.com", server->default_context());
  ASSERT_TRUE(with.ok) << with.failure;
  EXPECT_TRUE(connection_facts(with.server.get()).client_verified);
  EXPECT_EQ(connection_facts(with.server.get()).client_subject, "CN=alice");

  // Without one, TLS 1.3 servers refuse after the client's side is done: the alert is read.
  const ClientHandshake without = connect(*upstream(trusting(pki.ca.cert_file())),
                                          "api.example.com", server->default_context());
  EXPECT_FALSE(without.ok);
  EXPECT_NE(without.failure.find("certificate required"), std::string::npos) << without.failure;
}

TEST(UpstreamContext, TheNextConnectionResumesTheCachedSession) {
  const TestPki& pki = TestPki::get();
  const auto server = build(listener(pki.api), {"http/1.1"});
  const auto client = upstream(trusting(pki.ca.cert_file()));
  SessionCache sessions;
  const ClientHandshake first =
      connect(*client, "api.example.com", server->default_context(), &sessions);
  ASSERT_TRUE(first.ok) << first.failure;
  EXPECT_EQ(SSL_session_reused(first.client.get()), 0);
  ASSERT_NE(sessions.get(), nullptr) << "the ticket reached the cache";
  const ClientHandshake second =
      connect(*client, "api.example.com", server->default_context(), &sessions);
  ASSERT_TRUE(second.ok) << second.failure;
  EXPECT_EQ(SSL_session_reused(second.client.get()), 1);
  // Without a cache (health checks), every handshake is a full one.
  const ClientHandshake probe = connect(*client, "api.example.com", server->default_context());
  ASSERT_TRUE(probe.ok) << probe.failure;
  EXPECT_EQ(SSL_session_reused(probe.client.get()), 0);
}

TEST(UpstreamContext, AnUnchangedContextIsReusedAndAChangedFileMakesANewOne) {
  const TestPki& pki = TestPki::get();
  ScratchDir dir;
  const std::string ca_file = dir.file("ca.pem");
  std::filesystem::copy_file(pki.ca.cert_file(), ca_file);
  const auto first = upstream(trusting(ca_file));
  const auto again = upstream(trusting(ca_file), nullptr, first);
  EXPECT_EQ(again, first) << "same settings, same bytes: the same context";

  config::UpstreamTlsConfig renamed = trusting(ca_file);
  renamed.server_name = "api.example.com";
  const auto other_settings = upstream(renamed, nullptr, first);
  EXPECT_NE(other_settings, first);
  EXPECT_NE(other_settings->id(), first->id());

  std::filesystem::copy_file(pki.other_ca.cert_file(), ca_file,
                             std::filesystem::copy_options::overwrite_existing);
  const auto rewritten = upstream(trusting(ca_file), nullptr, first);
  EXPECT_NE(rewritten, first);
  EXPECT_NE(rewritten->id(), first->id()) << "the pool key changes with the CA's bytes";
}

TEST(UpstreamContext, AFileThatDoesNotLoadGivesAnUnusableContextNamingIt) {
  const TestPki& pki = TestPki::get();
  ScratchDir dir;
  const std::string garbage = dir.file("garbage.pem");
  std::ofstream(garbage) << "not a certificate\n";
  std::vector<std::string> warnings;
  const auto broken = upstream(trusting(garbage), &warnings);
  EXPECT_EQ(broken->context(), nullptr);
  EXPECT_NE(broken->error().find(garbage), std::string::npos) << broken->error();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("answered 502 upstream_tls_failed"), std::string::npos);
  EXPECT_EQ(broken->new_connection("api.example.com", nullptr), nullptr);

  const auto missing = upstream(trusting(dir.file("gone.pem")));
  EXPECT_EQ(missing->context(), nullptr);
  EXPECT_NE(missing->error().find("gone.pem: cannot read"), std::string::npos) << missing->error();

  config::UpstreamTlsConfig mismatched = trusting(pki.ca.cert_file());
  mismatched.client_cert = pki.alice.cert_file;
  mismatched.client_key = pki.api.key_file;
  const auto wrong_key = upstream(mismatched);
  EXPECT_EQ(wrong_key->context(), nullptr);
  EXPECT_NE(wrong_key->error().find("does not match the certificate"), std::string::npos)
      << wrong_key->error();
}

}  // namespace
}  // namespace apigw::tls
