// What build_server_contexts refuses, each with a message that names the file (or the setting)
// and OpenSSL's reason, so that a failed reload can say what to fix.
#include <gtest/gtest.h>
#include <openssl/pem.h>

#include <fstream>

#include "tls/server_contexts.h"
#include "tls/test_handshake.h"

namespace apigw::tls {
namespace {

using testing::certificate;
using testing::ScratchDir;
using testing::TestPki;

config::ListenerTlsConfig one_certificate(const test::CertificateFiles& files) {
  config::ListenerTlsConfig config;
  config.certificates = {certificate(files)};
  return config;
}

std::string refusal(const config::ListenerTlsConfig& config) {
  const ServerContextsResult result = build_server_contexts(config, {"http/1.1"}, nullptr, nullptr);
  EXPECT_FALSE(result) << "built, but should have been refused";
  return result.error;
}

void write(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

::testing::AssertionResult names(const std::string& message, std::string_view file,
                                 std::string_view reason) {
  if (message.find(file) != message.npos && message.find(reason) != message.npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "\"" << message << "\" should name \"" << file << "\" and say \"" << reason << "\"";
}

TEST(ServerContextsRefusal, UnreadableCertificateOrKeyFile) {
  const TestPki& pki = TestPki::get();
  config::ListenerTlsConfig config = one_certificate(pki.api);
  config.certificates[0].cert = "/nonexistent/api.pem";
  EXPECT_TRUE(names(refusal(config), "/nonexistent/api.pem", "cannot read (No such file"));
  config = one_certificate(pki.api);
  config.certificates[0].key = "/nonexistent/api.key";
  EXPECT_TRUE(names(refusal(config), "/nonexistent/api.key", "cannot read"));
}

TEST(ServerContextsRefusal, FilesThatAreNotPem) {
  const ScratchDir dir;
  const TestPki& pki = TestPki::get();
  write(dir.file("garbage.pem"), "not a certificate\n");
  config::ListenerTlsConfig config = one_certificate(pki.api);
  config.certificates[0].cert = dir.file("garbage.pem");
  EXPECT_TRUE(names(refusal(config), dir.file("garbage.pem"), "no PEM certificate"));
  config = one_certificate(pki.api);
  config.certificates[0].key = dir.file("garbage.pem");
  const std::string not_a_key = refusal(config);
  EXPECT_TRUE(names(not_a_key, dir.file("garbage.pem"), "no usable PEM private key"));
  EXPECT_EQ(not_a_key.find("encrypted"), std::string::npos) << not_a_key;
  // The certificate's key file in place of the certificate: PEM, but not a certificate.
  config = one_certificate(pki.api);
  config.certificates[0].cert = pki.api.key_file;
  EXPECT_TRUE(names(refusal(config), pki.api.key_file, "no PEM certificate"));
}

TEST(ServerContextsRefusal, KeyThatDoesNotMatchTheCertificate) {
  const TestPki& pki = TestPki::get();
  config::ListenerTlsConfig config = one_certificate(pki.api);
  config.certificates[0].key = pki.wildcard.key_file;  // another P-256 key
  const std::string same_type = refusal(config);
  EXPECT_TRUE(names(same_type, pki.wildcard.key_file, "key values mismatch"));
  EXPECT_NE(same_type.find(pki.api.cert_file), std::string::npos) << same_type;
  config.certificates[0].key = pki.rsa.key_file;  // an RSA key for an ECDSA certificate
  const std::string other_type = refusal(config);
  EXPECT_TRUE(names(other_type, pki.rsa.key_file, "does not match the certificate in"));
  EXPECT_TRUE(names(other_type, "a RSA key", "for a EC certificate"));
}

TEST(ServerContextsRefusal, EncryptedKeyIsRefusedWithoutAskingForAPassword) {
  const ScratchDir dir;
  const TestPki& pki = TestPki::get();
  BIO* in = BIO_new_file(pki.api.key_file.c_str(), "r");
  EVP_PKEY* key = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
  BIO* out = BIO_new_file(dir.file("encrypted.key").c_str(), "w");
  char password[] = "secret";
  ASSERT_EQ(PEM_write_bio_PrivateKey(out, key, EVP_aes_128_cbc(), nullptr, 0, nullptr, password),
            1);
  BIO_free(out);
  BIO_free(in);
  EVP_PKEY_free(key);
  config::ListenerTlsConfig config = one_certificate(pki.api);
  config.certificates[0].key = dir.file("encrypted.key");
  EXPECT_TRUE(
      names(refusal(config), dir.file("encrypted.key"), "the key is encrypted: decrypt it first"));
}

TEST(ServerContextsRefusal, ExpiredOrNotYetValidCertificate) {
  const ScratchDir dir;
  const test::TestCa ca(dir.path());
  const auto expired = ca.issue(
      "expired", {.dns_names = {"old.test"}, .validity = test::CertificateSpec::Validity::expired});
  const auto future = ca.issue(
      "future",
      {.dns_names = {"new.test"}, .validity = test::CertificateSpec::Validity::not_yet_valid});
  EXPECT_TRUE(
      names(refusal(one_certificate(expired)), expired.cert_file, "the certificate expired on"));
  EXPECT_TRUE(names(refusal(one_certificate(future)), future.cert_file,
                    "the certificate is not valid before"));
}

TEST(ServerContextsRefusal, UnreadableOrEmptyClientCaFile) {
  const ScratchDir dir;
  config::ListenerTlsConfig config = one_certificate(TestPki::get().api);
  config.client_auth = config::ListenerTlsConfig::ClientAuth::require;
  config.client_ca_file = dir.file("missing-ca.pem");
  EXPECT_TRUE(names(refusal(config), dir.file("missing-ca.pem"), "cannot read"));
  write(dir.file("empty-ca.pem"), "");
  config.client_ca_file = dir.file("empty-ca.pem");
  EXPECT_TRUE(names(refusal(config), dir.file("empty-ca.pem"), "no PEM certificate"));
}

TEST(ServerContextsRefusal, CipherSuiteAndGroupStringsOpenSslCannotUse) {
  config::ListenerTlsConfig config = one_certificate(TestPki::get().api);
  config.ciphers = "NO-SUCH-CIPHER";
  EXPECT_TRUE(names(refusal(config), "'ciphers' = \"NO-SUCH-CIPHER\"", "no cipher match"));
  config = one_certificate(TestPki::get().api);
  config.ciphersuites = "TLS_NO_SUCH_SUITE";
  EXPECT_TRUE(names(refusal(config), "'ciphersuites'", "TLS_NO_SUCH_SUITE"));
  config = one_certificate(TestPki::get().api);
  config.groups = "X25519:no-such-group";
  EXPECT_TRUE(names(refusal(config), "'groups'", "no-such-group"));
}

TEST(ServerContextsRefusal, TicketKeyFileOfTheWrongSize) {
  const ScratchDir dir;
  write(dir.file("tickets.key"), std::string(48, 'k'));  // NGINX's older AES-128 size
  config::ListenerTlsConfig config = one_certificate(TestPki::get().api);
  config.ticket_key_file = dir.file("tickets.key");
  EXPECT_TRUE(names(refusal(config), dir.file("tickets.key"), "80-byte keys"));
}

TEST(ServerContextsRefusal, OcspFileThatIsNoResponseForTheCertificate) {
  const ScratchDir dir;
  const TestPki& pki = TestPki::get();
  write(dir.file("garbage.der"), "not DER");
  config::ListenerTlsConfig config = one_certificate(pki.api);
  config.certificates[0].ocsp_response = dir.file("garbage.der");
  EXPECT_TRUE(names(refusal(config), dir.file("garbage.der"), "not a DER OCSP response"));
  // A good response, but for another certificate of the same CA.
  config.certificates[0].ocsp_response = pki.ca.ocsp_response(
      "wildcard.ocsp", pki.wildcard, std::chrono::seconds(-60), std::chrono::hours(24));
  EXPECT_TRUE(names(refusal(config), "wildcard.ocsp", "is for another certificate"));
}

TEST(ServerContextsRefusal, NoCertificateAtAll) {
  EXPECT_TRUE(names(refusal(config::ListenerTlsConfig{}), "TLS listener", "needs a certificate"));
}

}  // namespace
}  // namespace apigw::tls
