// Real handshakes against built contexts: which certificate SNI selects, which protocol ALPN
// selects, which TLS versions and ciphers are accepted, and that a connection keeps working
// after its contexts are replaced.
#include "tls/server_contexts.h"

#include <gtest/gtest.h>

#include "tls/test_handshake.h"

namespace apigw::tls {
namespace {

using testing::build;
using testing::certificate;
using testing::ClientOptions;
using testing::handshake;
using testing::TestPki;

config::ListenerTlsConfig three_certificates() {
  const TestPki& pki = TestPki::get();
  config::ListenerTlsConfig config;
  config.certificates = {certificate(pki.api), certificate(pki.wildcard),
                         certificate(pki.fallback, /*is_default=*/true)};
  return config;
}

std::string served_for(const ServerContexts& contexts, const std::string& server_name) {
  const auto result = handshake(contexts.default_context(), {.server_name = server_name});
  EXPECT_TRUE(result.ok) << server_name;
  return result.server_certificate_name();
}

TEST(ServerContexts, SniPicksTheExactNameThenTheWildcardThenTheDefault) {
  const auto contexts = build(three_certificates());
  ASSERT_TRUE(contexts);
  EXPECT_EQ(served_for(*contexts, "api.example.com"), "api");
  EXPECT_EQ(served_for(*contexts, "API.Example.com"), "api");
  EXPECT_EQ(served_for(*contexts, "www.example.com"), "wildcard");
  EXPECT_EQ(served_for(*contexts, "a.b.example.com"), "fallback");
  EXPECT_EQ(served_for(*contexts, "unknown.test"), "fallback");
  EXPECT_EQ(served_for(*contexts, ""), "fallback") << "no SNI at all";
  const auto facts = handshake(contexts->default_context(), {.server_name = "api.example.com"});
  EXPECT_EQ(facts.facts().server_name, "api.example.com");
}

TEST(ServerContexts, WithoutADefaultTheFirstCertificateServesUnknownNames) {
  const TestPki& pki = TestPki::get();
  config::ListenerTlsConfig config;
  config.certificates = {certificate(pki.wildcard), certificate(pki.api)};
  const auto contexts = build(config);
  ASSERT_TRUE(contexts);
  EXPECT_EQ(served_for(*contexts, "unknown.test"), "wildcard");
  EXPECT_EQ(served_for(*contexts, ""), "wildcard");
  EXPECT_EQ(contexts->default_certificate(), 0u);
  EXPECT_TRUE(contexts->certificates()[0].is_default);
}

TEST(ServerContexts, ConfiguredNamesReplaceTheCertificatesOwn) {
  const TestPki& pki = TestPki::get();
  config::ListenerTlsConfig config;
  config.certificates = {certificate(pki.fallback, true),
                         certificate(pki.api, false, {"custom.test", "*.custom.test"})};
  const auto contexts = build(config);
  ASSERT_TRUE(contexts);
  EXPECT_EQ(served_for(*contexts, "custom.test"), "api");
  EXPECT_EQ(served_for(*contexts, "x.custom.test"), "api");
  EXPECT_EQ(served_for(*contexts, "api.example.com"), "fallback");
  EXPECT_EQ(contexts->certificates()[1].names,
            (std::vector<std::string>{"custom.test", "*.custom.test"}));
  EXPECT_EQ(contexts->certificates()[0].names, (std::vector<std::string>{"fallback.test"}));
}

TEST(ServerContexts, NamesComeFromTheCommonNameWhenThereIsNoSubjectAltName) {
  const testing::ScratchDir dir;
  const test::TestCa ca(dir.path());
  const auto cn_only = ca.issue("cn-only", {.common_name = "legacy.example.net"});
  config::ListenerTlsConfig config;
  config.certificates = {certificate(TestPki::get().fallback, true), certificate(cn_only)};
  const auto contexts = build(config);
  ASSERT_TRUE(contexts);
  EXPECT_EQ(contexts->certificates()[1].names, (std::vector<std::string>{"legacy.example.net"}));
  EXPECT_EQ(served_for(*contexts, "legacy.example.net"), "legacy.example.net");
}

TEST(ServerContexts, AnRsaCertificateBesideEcdsaOnesIsServedByName) {
  const TestPki& pki = TestPki::get();
  config::ListenerTlsConfig config;
  config.certificates = {certificate(pki.api), certificate(pki.rsa)};
  const auto contexts = build(config);
  ASSERT_TRUE(contexts);
  for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    const auto result = handshake(contexts->default_context(),
                                  {.server_name = "rsa.example.org", .max_version = version});
    ASSERT_TRUE(result.ok);
    EXPECT_EQ(result.server_certificate_name(), "rsa");
  }
}

TEST(ServerContexts, ExposesEachCertificatesNamesAndExpiry) {
  const auto contexts = build(three_certificates());
  ASSERT_TRUE(contexts);
  ASSERT_EQ(contexts->certificates().size(), 3u);
  const CertificateInfo& api = contexts->certificates()[0];
  EXPECT_EQ(api.cert_file, TestPki::get().api.cert_file);
  EXPECT_EQ(api.names, (std::vector<std::string>{"api.example.com"}));
  const auto now = std::chrono::system_clock::now();
  EXPECT_GT(api.not_after, now + std::chrono::hours(40));
  EXPECT_LT(api.not_after, now + std::chrono::hours(49));
  EXPECT_LT(api.not_before, now);
  EXPECT_NE(api.context, nullptr);
  EXPECT_NE(api.context, contexts->default_context());
  EXPECT_EQ(contexts->select("www.example.com"), 1u);
  EXPECT_TRUE(contexts->warnings().empty());
}

TEST(ServerContexts, AlpnPrefersTheServersOrder) {
  const auto contexts = build(three_certificates(), {"h2", "http/1.1"});
  ASSERT_TRUE(contexts);
  const auto both = handshake(contexts->default_context(), {.alpn = {"http/1.1", "h2"}});
  ASSERT_TRUE(both.ok);
  EXPECT_EQ(both.facts().alpn, "h2");
  const auto h1 = handshake(contexts->default_context(), {.alpn = {"http/1.1"}});
  ASSERT_TRUE(h1.ok);
  EXPECT_EQ(h1.facts().alpn, "http/1.1");
  const auto none = handshake(contexts->default_context());
  ASSERT_TRUE(none.ok);
  EXPECT_EQ(none.facts().alpn, "");
}

TEST(ServerContexts, AlpnWithoutOverlapLeavesAlpnOutInsteadOfFailing) {
  const auto h1_only = build(three_certificates(), {"http/1.1"});
  ASSERT_TRUE(h1_only);
  const auto h2_client = handshake(h1_only->default_context(), {.alpn = {"h2"}});
  ASSERT_TRUE(h2_client.ok);
  EXPECT_EQ(h2_client.facts().alpn, "");
  const auto mixed = handshake(h1_only->default_context(), {.alpn = {"h2", "http/1.1"}});
  ASSERT_TRUE(mixed.ok);
  EXPECT_EQ(mixed.facts().alpn, "http/1.1");
  const auto no_alpn = build(three_certificates(), {});
  ASSERT_TRUE(no_alpn);
  const auto offered = handshake(no_alpn->default_context(), {.alpn = {"h2", "http/1.1"}});
  ASSERT_TRUE(offered.ok);
  EXPECT_EQ(offered.facts().alpn, "");
}

TEST(ServerContexts, TlsOneDotOneIsRefused) {
  const auto contexts = build(three_certificates());
  ASSERT_TRUE(contexts);
  const auto result = handshake(contexts->default_context(),
                                {.min_version = TLS1_1_VERSION, .max_version = TLS1_1_VERSION});
  EXPECT_FALSE(result.ok);
  ASSERT_TRUE(result.server_failure);
  EXPECT_EQ(*result.server_failure, HandshakeFailure::protocol_version);
}

TEST(ServerContexts, MinVersionOneDotThreeRefusesATlsOneDotTwoClient) {
  config::ListenerTlsConfig config = three_certificates();
  config.min_version = config::ListenerTlsConfig::Version::tls1_3;
  const auto contexts = build(config);
  ASSERT_TRUE(contexts);
  const auto old_client = handshake(contexts->default_context(), {.max_version = TLS1_2_VERSION});
  EXPECT_FALSE(old_client.ok);
  ASSERT_TRUE(old_client.server_failure);
  EXPECT_EQ(*old_client.server_failure, HandshakeFailure::protocol_version);
  const auto new_client = handshake(contexts->default_context());
  ASSERT_TRUE(new_client.ok);
  EXPECT_EQ(new_client.facts().version, "TLSv1.3");
}

TEST(ServerContexts, DefaultsNegotiateTls13AndAcceptTls12WithAnAeadCipher) {
  const auto contexts = build(three_certificates());
  ASSERT_TRUE(contexts);
  const auto modern = handshake(contexts->default_context());
  ASSERT_TRUE(modern.ok);
  EXPECT_EQ(modern.facts().version, "TLSv1.3");
  EXPECT_FALSE(modern.facts().cipher.empty());
  EXPECT_FALSE(modern.facts().resumed);
  const auto tls12 = handshake(contexts->default_context(), {.max_version = TLS1_2_VERSION});
  ASSERT_TRUE(tls12.ok);
  EXPECT_EQ(tls12.facts().version, "TLSv1.2");
  const std::string_view cipher = tls12.facts().cipher;
  EXPECT_TRUE(cipher.starts_with("ECDHE-ECDSA-")) << cipher;
  EXPECT_TRUE(cipher.find("GCM") != cipher.npos || cipher.find("CHACHA20") != cipher.npos)
      << cipher;
}

TEST(ServerContexts, ACbcOnlyClientFindsNoSharedCipher) {
  const auto contexts = build(three_certificates());
  ASSERT_TRUE(contexts);
  const auto result = handshake(contexts->default_context(), {.max_version = TLS1_2_VERSION,
                                                              .ciphers = "ECDHE-ECDSA-AES128-SHA"});
  EXPECT_FALSE(result.ok);
  ASSERT_TRUE(result.server_failure);
  EXPECT_EQ(*result.server_failure, HandshakeFailure::no_shared_cipher);
}

TEST(ServerContexts, AConnectionOutlivesTheContextsItStartedFrom) {
  auto contexts = build(three_certificates());
  ASSERT_TRUE(contexts);
  // What a worker holds: a reference to the starting context, taken at SSL_new time.
  SslCtxPtr start = share(contexts->default_context());
  contexts.reset();  // a reload replaced the snapshot; the SNI table must still be reachable
  const auto result = handshake(start.get(), {.server_name = "www.example.com"});
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(result.server_certificate_name(), "wildcard");
}

}  // namespace
}  // namespace apigw::tls
