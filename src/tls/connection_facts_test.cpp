// What a handshake established, and why one failed, as the server sees it.
#include "tls/connection_facts.h"

#include <gtest/gtest.h>

#include "tls/test_handshake.h"

namespace apigw::tls {
namespace {

using testing::build;
using testing::certificate;
using testing::handshake;
using testing::TestPki;

std::shared_ptr<const ServerContexts> api_listener() {
  config::ListenerTlsConfig config;
  config.certificates = {certificate(TestPki::get().api)};
  return build(config);
}

TEST(ConnectionFacts, DescribeAFullHandshake) {
  const auto contexts = api_listener();
  ASSERT_TRUE(contexts);
  const auto result =
      handshake(contexts->default_context(), {.server_name = "api.example.com",
                                              .alpn = {"http/1.1"},
                                              .trusted_ca_file = TestPki::get().ca.cert_file()});
  ASSERT_TRUE(result.ok);
  const ConnectionFacts facts = result.facts();
  EXPECT_EQ(facts.version, "TLSv1.3");
  EXPECT_TRUE(facts.cipher.starts_with("TLS_")) << facts.cipher;
  EXPECT_EQ(facts.server_name, "api.example.com");
  EXPECT_EQ(facts.alpn, "http/1.1");
  EXPECT_FALSE(facts.resumed);
  EXPECT_FALSE(facts.client_verified);
  EXPECT_EQ(facts.client_subject, "");
}

TEST(ConnectionFacts, AClientThatDistrustsTheCertificateIsAnAlert) {
  const auto contexts = api_listener();
  ASSERT_TRUE(contexts);
  // The client trusts only the unrelated CA, so it aborts with an unknown_ca alert of its own.
  for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    const auto result =
        handshake(contexts->default_context(),
                  {.max_version = version, .trusted_ca_file = TestPki::get().other_ca.cert_file()});
    EXPECT_FALSE(result.ok);
    ASSERT_TRUE(result.server_failure) << version;
    EXPECT_EQ(to_string(*result.server_failure), "alert") << version;
  }
}

TEST(ConnectionFacts, AConnectionEndingMidHandshakeIsEof) {
  const auto contexts = api_listener();
  ASSERT_TRUE(contexts);
  SslPtr server(SSL_new(contexts->default_context()));
  BIO* server_end = nullptr;
  BIO* client_end = nullptr;
  BIO_new_bio_pair(&server_end, 0, &client_end, 0);
  SSL_set_bio(server.get(), server_end, server_end);
  SSL_set_accept_state(server.get());
  const char partial[] = "\x16\x03\x01\x00\x40";  // a record header, then nothing
  ASSERT_EQ(BIO_write(client_end, partial, 5), 5);
  BIO_shutdown_wr(client_end);
  const int rc = SSL_do_handshake(server.get());
  ASSERT_NE(rc, 1);
  EXPECT_EQ(to_string(classify_handshake_failure(server.get(), SSL_get_error(server.get(), rc))),
            "eof");
  EXPECT_EQ(ERR_peek_error(), 0u) << "the queue is left empty";
  BIO_free(client_end);
}

TEST(ConnectionFacts, PlainHttpOnATlsPortIsOther) {
  const auto contexts = api_listener();
  ASSERT_TRUE(contexts);
  SslPtr server(SSL_new(contexts->default_context()));
  BIO* server_end = nullptr;
  BIO* client_end = nullptr;
  BIO_new_bio_pair(&server_end, 0, &client_end, 0);
  SSL_set_bio(server.get(), server_end, server_end);
  SSL_set_accept_state(server.get());
  const std::string request = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  ASSERT_EQ(BIO_write(client_end, request.data(), static_cast<int>(request.size())),
            static_cast<int>(request.size()));
  const int rc = SSL_do_handshake(server.get());
  ASSERT_NE(rc, 1);
  EXPECT_EQ(to_string(classify_handshake_failure(server.get(), SSL_get_error(server.get(), rc))),
            "other");
  BIO_free(client_end);
}

TEST(ConnectionFacts, EveryReasonHasItsLabel) {
  using F = HandshakeFailure;
  const std::vector<std::pair<F, std::string_view>> labels = {
      {F::protocol_version, "protocol_version"},
      {F::no_shared_cipher, "no_shared_cipher"},
      {F::unknown_ca, "unknown_ca"},
      {F::bad_certificate, "bad_certificate"},
      {F::no_certificate, "no_certificate"},
      {F::alert, "alert"},
      {F::eof, "eof"},
      {F::timeout, "timeout"},
      {F::other, "other"},
  };
  for (const auto& [failure, label] : labels) EXPECT_EQ(to_string(failure), label);
}

}  // namespace
}  // namespace apigw::tls
