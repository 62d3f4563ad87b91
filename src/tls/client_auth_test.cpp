// Client certificates (mTLS): required, optional, from the wrong CA, expired; the subject a
// verified certificate gives; and that SNI to another certificate context still asks for one.
#include <gtest/gtest.h>

#include <fstream>

#include "tls/server_contexts.h"
#include "tls/test_handshake.h"

namespace apigw::tls {
namespace {

using ClientAuth = config::ListenerTlsConfig::ClientAuth;
using testing::build;
using testing::certificate;
using testing::ClientOptions;
using testing::handshake;
using testing::ScratchDir;
using testing::TestPki;

config::ListenerTlsConfig with_client_auth(ClientAuth mode) {
  const TestPki& pki = TestPki::get();
  config::ListenerTlsConfig config;
  config.certificates = {certificate(pki.fallback, true), certificate(pki.api)};
  config.client_auth = mode;
  config.client_ca_file = mode == ClientAuth::none ? "" : pki.ca.cert_file();
  return config;
}

ClientOptions alice(ClientOptions options = {}) {
  options.cert_file = TestPki::get().alice.cert_file;
  options.key_file = TestPki::get().alice.key_file;
  return options;
}

ClientOptions mallory(ClientOptions options = {}) {
  options.cert_file = TestPki::get().mallory.cert_file;
  options.key_file = TestPki::get().mallory.key_file;
  return options;
}

void expect_failure(const testing::Handshake& result, HandshakeFailure reason) {
  EXPECT_FALSE(result.ok);
  ASSERT_TRUE(result.server_failure.has_value());
  EXPECT_EQ(to_string(*result.server_failure), to_string(reason));
}

TEST(ClientAuth, RequireWithoutACertificateFailsWithNoCertificate) {
  const auto contexts = build(with_client_auth(ClientAuth::require));
  ASSERT_TRUE(contexts);
  for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    SCOPED_TRACE(version);
    expect_failure(handshake(contexts->default_context(), {.max_version = version}),
                   HandshakeFailure::no_certificate);
  }
}

TEST(ClientAuth, ACertificateFromAnotherCaFailsWithUnknownCa) {
  for (const ClientAuth mode : {ClientAuth::require, ClientAuth::optional}) {
    const auto contexts = build(with_client_auth(mode));
    ASSERT_TRUE(contexts);
    for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
      SCOPED_TRACE(version);
      expect_failure(handshake(contexts->default_context(), mallory({.max_version = version})),
                     HandshakeFailure::unknown_ca);
    }
  }
}

TEST(ClientAuth, AnExpiredCertificateFromTheRightCaFailsWithBadCertificate) {
  const ScratchDir dir;
  const test::TestCa ca(dir.path());
  const auto expired =
      ca.issue("expired-client", {.common_name = "bob",
                                  .validity = test::CertificateSpec::Validity::expired,
                                  .usage = test::CertificateSpec::Usage::client});
  config::ListenerTlsConfig config = with_client_auth(ClientAuth::require);
  config.client_ca_file = ca.cert_file();
  const auto contexts = build(config);
  ASSERT_TRUE(contexts);
  expect_failure(handshake(contexts->default_context(),
                           {.cert_file = expired.cert_file, .key_file = expired.key_file}),
                 HandshakeFailure::bad_certificate);
}

TEST(ClientAuth, AGoodCertificateGivesItsSubject) {
  const auto contexts = build(with_client_auth(ClientAuth::require));
  ASSERT_TRUE(contexts);
  for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    SCOPED_TRACE(version);
    const auto result = handshake(contexts->default_context(), alice({.max_version = version}));
    ASSERT_TRUE(result.ok);
    EXPECT_TRUE(result.facts().client_verified);
    EXPECT_EQ(result.facts().client_subject, "CN=alice");
  }
}

TEST(ClientAuth, TheServerNamesTheAcceptedCasToTheClient) {
  const auto contexts = build(with_client_auth(ClientAuth::optional));
  ASSERT_TRUE(contexts);
  const auto result =
      handshake(contexts->default_context(), alice({.max_version = TLS1_2_VERSION}));
  ASSERT_TRUE(result.ok);
  const STACK_OF(X509_NAME)* names = SSL_get_client_CA_list(result.client.get());
  ASSERT_NE(names, nullptr);
  ASSERT_EQ(sk_X509_NAME_num(names), 1);
  char text[256] = "";
  X509_NAME_get_text_by_NID(sk_X509_NAME_value(names, 0), NID_commonName, text, sizeof text);
  EXPECT_STREQ(text, "apigw test CA");
}

TEST(ClientAuth, OptionalAcceptsAClientWithoutACertificate) {
  const auto contexts = build(with_client_auth(ClientAuth::optional));
  ASSERT_TRUE(contexts);
  const auto anonymous = handshake(contexts->default_context());
  ASSERT_TRUE(anonymous.ok);
  EXPECT_FALSE(anonymous.facts().client_verified);
  EXPECT_EQ(anonymous.facts().client_subject, "");
  const auto known = handshake(contexts->default_context(), alice());
  ASSERT_TRUE(known.ok);
  EXPECT_TRUE(known.facts().client_verified);
  EXPECT_EQ(known.facts().client_subject, "CN=alice");
}

TEST(ClientAuth, NoneNeverAsksForACertificate) {
  const auto contexts = build(with_client_auth(ClientAuth::none));
  ASSERT_TRUE(contexts);
  const auto result = handshake(contexts->default_context(), alice());
  ASSERT_TRUE(result.ok);
  EXPECT_FALSE(result.facts().client_verified);
  EXPECT_EQ(SSL_get0_peer_certificate(result.server.get()), nullptr);
}

// The SSL_set_SSL_CTX trap: the servername callback moves the connection to the second
// certificate's context; the verify mode the connection copied from its first context must be
// applied again, or mTLS would silently turn off for every certificate but the first.
TEST(ClientAuth, SniToAnotherCertificateStillAsksForTheClientCertificate) {
  const auto contexts = build(with_client_auth(ClientAuth::require));
  ASSERT_TRUE(contexts);
  ASSERT_NE(contexts->select("api.example.com"), contexts->default_certificate());
  for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    SCOPED_TRACE(version);
    expect_failure(handshake(contexts->default_context(),
                             {.server_name = "api.example.com", .max_version = version}),
                   HandshakeFailure::no_certificate);
    const auto result =
        handshake(contexts->default_context(), alice({.server_name = "api.example.com",
                                                      .alpn = {"h2", "http/1.1"},
                                                      .max_version = version}));
    ASSERT_TRUE(result.ok);
    EXPECT_EQ(result.server_certificate_name(), "api");
    EXPECT_EQ(result.facts().client_subject, "CN=alice");
    EXPECT_EQ(result.facts().alpn, "h2");
  }
}

TEST(ClientAuth, AResumedSessionKeepsTheClientsSubject) {
  const auto contexts = build(with_client_auth(ClientAuth::require), {}, TicketKeyRing::generate());
  ASSERT_TRUE(contexts);
  for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    SCOPED_TRACE(version);
    const auto full = handshake(contexts->default_context(), alice({.max_version = version}));
    ASSERT_TRUE(full.ok);
    const auto resumed = handshake(contexts->default_context(),
                                   alice({.max_version = version, .session = full.session.get()}));
    ASSERT_TRUE(resumed.ok);
    EXPECT_TRUE(resumed.facts().resumed);
    EXPECT_TRUE(resumed.facts().client_verified);
    EXPECT_EQ(resumed.facts().client_subject, "CN=alice");
  }
}

// Listeners that share ticket keys (one ticket_key_file) but not client-auth settings: a ticket
// made where no certificate was asked for must not skip the certificate where one is required.
TEST(ClientAuth, ATicketFromAListenerWithoutClientAuthDoesNotResumeWhereItIsRequired) {
  const ScratchDir dir;
  std::ofstream(dir.file("tickets.key"), std::ios::binary) << std::string(80, 't');
  config::ListenerTlsConfig open = with_client_auth(ClientAuth::none);
  config::ListenerTlsConfig strict = with_client_auth(ClientAuth::require);
  open.ticket_key_file = strict.ticket_key_file = dir.file("tickets.key");
  const auto open_contexts = build(open);
  const auto strict_contexts = build(strict);
  ASSERT_TRUE(open_contexts && strict_contexts);
  for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    SCOPED_TRACE(version);
    const auto full = handshake(open_contexts->default_context(), {.max_version = version});
    ASSERT_TRUE(full.ok);
    const auto same = handshake(open_contexts->default_context(),
                                {.max_version = version, .session = full.session.get()});
    ASSERT_TRUE(same.ok);
    ASSERT_TRUE(same.facts().resumed) << "the ticket itself is good";
    expect_failure(handshake(strict_contexts->default_context(),
                             {.max_version = version, .session = full.session.get()}),
                   HandshakeFailure::no_certificate);
  }
}

}  // namespace
}  // namespace apigw::tls
