// Shared by src/tls/*_test.cpp: real TLS handshakes in memory (a client SSL and a server SSL
// joined by a BIO pair, driven in turns; no sockets), a test PKI, and config helpers.
#pragma once

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/schema.h"
#include "support/test_certificates.h"
#include "tls/connection_facts.h"
#include "tls/openssl_ptr.h"
#include "tls/server_contexts.h"

namespace apigw::tls::testing {

// A directory removed with its contents at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "apigw_tls_XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct ClientOptions {
  std::string server_name;        // SNI; "" sends none
  std::vector<std::string> alpn;  // offered, in the client's order
  int min_version = TLS1_2_VERSION;
  int max_version = TLS1_3_VERSION;
  std::string ciphers;              // TLS 1.2 list; "" keeps OpenSSL's default
  SSL_SESSION* session = nullptr;   // offered for resumption
  std::string cert_file, key_file;  // a client certificate
  std::string trusted_ca_file;      // the client verifies the server against it ("": no check)
  bool request_ocsp = false;
};

struct Handshake {
  bool ok = false;  // both sides finished
  SslPtr client, server;
  std::optional<HandshakeFailure> server_failure;
  SslSessionPtr session;  // the client's session once the handshake and its tickets are read

  // The CN of the certificate the server presented ("" when none).
  std::string server_certificate_name() const {
    X509* certificate = SSL_get0_peer_certificate(client.get());
    if (certificate == nullptr) return "";
    char name[256] = "";
    X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, name,
                              sizeof name);
    return name;
  }
  ConnectionFacts facts() const { return connection_facts(server.get()); }
};

// Joins a client and a server SSL by a BIO pair (no sockets), each in its role.
inline void join_in_memory(SSL* client, SSL* server) {
  BIO* client_end = nullptr;
  BIO* server_end = nullptr;
  BIO_new_bio_pair(&client_end, 0, &server_end, 0);
  SSL_set_bio(client, client_end, client_end);
  SSL_set_bio(server, server_end, server_end);
  SSL_set_connect_state(client);
  SSL_set_accept_state(server);
}

inline Handshake handshake(SSL_CTX* server_context, const ClientOptions& options = {}) {
  Handshake result;
  SslCtxPtr client_context(SSL_CTX_new(TLS_client_method()));
  SSL_CTX* client = client_context.get();
  SSL_CTX_set_min_proto_version(client, options.min_version);
  SSL_CTX_set_max_proto_version(client, options.max_version);
  if (options.min_version < TLS1_2_VERSION) {
    // OpenSSL 3 needs security level 0 to speak TLS 1.0/1.1 at all (SHA-1 signatures).
    SSL_CTX_set_security_level(client, 0);
    SSL_CTX_set_cipher_list(client, "DEFAULT:@SECLEVEL=0");
  }
  if (!options.ciphers.empty()) SSL_CTX_set_cipher_list(client, options.ciphers.c_str());
  if (!options.cert_file.empty()) {
    EXPECT_EQ(SSL_CTX_use_certificate_file(client, options.cert_file.c_str(), SSL_FILETYPE_PEM), 1);
    EXPECT_EQ(SSL_CTX_use_PrivateKey_file(client, options.key_file.c_str(), SSL_FILETYPE_PEM), 1);
  }
  if (!options.trusted_ca_file.empty()) {
    EXPECT_EQ(SSL_CTX_load_verify_locations(client, options.trusted_ca_file.c_str(), nullptr), 1);
    SSL_CTX_set_verify(client, SSL_VERIFY_PEER, nullptr);
  }
  SSL_CTX_set_session_cache_mode(client, SSL_SESS_CACHE_CLIENT);
  result.client.reset(SSL_new(client));
  result.server.reset(SSL_new(server_context));
  join_in_memory(result.client.get(), result.server.get());
  if (!options.server_name.empty()) {
    SSL_set_tlsext_host_name(result.client.get(), options.server_name.c_str());
  }
  if (!options.alpn.empty()) {
    std::string wire;
    for (const auto& protocol : options.alpn) wire += static_cast<char>(protocol.size()) + protocol;
    SSL_set_alpn_protos(result.client.get(), reinterpret_cast<const unsigned char*>(wire.data()),
                        static_cast<unsigned int>(wire.size()));
  }
  if (options.session != nullptr) SSL_set_session(result.client.get(), options.session);
  if (options.request_ocsp) {
    SSL_set_tlsext_status_type(result.client.get(), TLSEXT_STATUSTYPE_ocsp);
  }

  bool client_done = false, server_done = false, client_failed = false;
  for (int round = 0; round < 32 && !(client_done && server_done); ++round) {
    if (!client_done && !client_failed) {
      const int rc = SSL_do_handshake(result.client.get());
      const int error = SSL_get_error(result.client.get(), rc);
      client_done = rc == 1;
      client_failed = rc != 1 && error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE;
      ERR_clear_error();  // the client's errors must not be read as the server's
    }
    if (!server_done && !result.server_failure) {
      const int rc = SSL_do_handshake(result.server.get());
      const int error = SSL_get_error(result.server.get(), rc);
      server_done = rc == 1;
      if (rc != 1 && error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
        result.server_failure = classify_handshake_failure(result.server.get(), error);
      }
    }
    // A failed client has sent its alert; the server's next turn reads it and fails too.
    if (result.server_failure || (client_failed && server_done)) break;
  }
  result.ok = client_done && server_done && !result.server_failure;
  if (result.ok) {
    // TLS 1.3 sends tickets after the handshake: the client takes them in on its next read.
    char byte;
    std::size_t read = 0;
    SSL_read_ex(result.client.get(), &byte, 1, &read);
    ERR_clear_error();
    result.session.reset(SSL_get1_session(result.client.get()));
  }
  return result;
}

// A ready-made set of certificates (made once per test program): four server certificates
// under one CA, and client certificates from it and from an unrelated CA.
struct TestPki {
  ScratchDir dir;
  test::TestCa ca{dir.path(), "ca", "apigw test CA"};
  test::TestCa other_ca{dir.path(), "other-ca", "unrelated CA"};
  test::CertificateFiles api =
      ca.issue("api", {.common_name = "api", .dns_names = {"api.example.com"}});
  test::CertificateFiles wildcard =
      ca.issue("wildcard", {.common_name = "wildcard", .dns_names = {"*.example.com"}});
  test::CertificateFiles fallback =
      ca.issue("fallback", {.common_name = "fallback", .dns_names = {"fallback.test"}});
  test::CertificateFiles rsa = ca.issue("rsa", {.common_name = "rsa",
                                                .dns_names = {"rsa.example.org"},
                                                .key_type = test::KeyType::rsa_2048});
  test::CertificateFiles alice =
      ca.issue("alice", {.common_name = "alice", .usage = test::CertificateSpec::Usage::client});
  test::CertificateFiles mallory = other_ca.issue(
      "mallory", {.common_name = "mallory", .usage = test::CertificateSpec::Usage::client});

  static const TestPki& get() {
    static const TestPki pki;
    return pki;
  }
};

inline config::TlsCertificateConfig certificate(const test::CertificateFiles& files,
                                                bool is_default = false,
                                                std::vector<std::string> names = {}) {
  config::TlsCertificateConfig entry;
  entry.cert = files.cert_file;
  entry.key = files.key_file;
  entry.is_default = is_default;
  entry.names = std::move(names);
  return entry;
}

// Builds and fails the test on an error.
inline std::shared_ptr<const ServerContexts> build(
    const config::ListenerTlsConfig& config, std::vector<std::string> alpn = {"h2", "http/1.1"},
    std::shared_ptr<TicketKeyRing> ring = nullptr, const ServerContexts* previous = nullptr) {
  ServerContextsResult result =
      build_server_contexts(config, std::move(alpn), std::move(ring), previous);
  EXPECT_TRUE(result) << result.error;
  return result.contexts;
}

}  // namespace apigw::tls::testing
