// Throw-away certificate authorities and certificates for TLS tests, made with the OpenSSL API
// (P-256 keys by default: fast to generate) in a directory the caller owns. Any name, address,
// key type, validity and purpose a test needs, and OCSP responses for stapling tests.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace apigw::test {

enum class KeyType { ecdsa_p256, rsa_2048 };

// What a certificate says. Without dns_names and ips it has no subjectAltName extension at all
// (only its CN names it).
struct CertificateSpec {
  std::string common_name = "apigw test";
  std::vector<std::string> dns_names;
  std::vector<std::string> ips;
  KeyType key_type = KeyType::ecdsa_p256;
  enum class Validity {
    current,        // from an hour ago, for two days
    expired,        // ended yesterday
    not_yet_valid,  // starts tomorrow
  } validity = Validity::current;
  enum class Usage { server, client } usage = Usage::server;  // extendedKeyUsage
};

struct CertificateFiles {
  std::string cert_file;  // PEM: the certificate alone
  std::string key_file;   // PEM: its private key, unencrypted
};

// The `[[server.listeners.tls.certificates]]` table that serves `files` (after a listener's
// `[[server.listeners]]` lines in a gateway config).
inline std::string listener_certificate_toml(const CertificateFiles& files) {
  return "[[server.listeners.tls.certificates]]\ncert = \"" + files.cert_file + "\"\nkey = \"" +
         files.key_file + "\"\n";
}

// A certificate authority (P-256, self-signed) written to <dir>/<name>.pem and .key.
class TestCa {
 public:
  TestCa(std::string dir, std::string name = "ca", std::string subject = "apigw test CA");
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  const std::string& cert_file() const { return cert_file_; }
  const std::string& key_file() const { return key_file_; }

  // Signs a new certificate; writes <dir>/<name>.pem and <dir>/<name>.key. Throws
  // std::runtime_error when OpenSSL fails.
  CertificateFiles issue(const std::string& name, const CertificateSpec& spec) const;

  // A DER OCSP response signed by this CA saying `certificate` is good, with thisUpdate and
  // nextUpdate at these offsets from now; written to <dir>/<name> and its path returned.
  std::string ocsp_response(const std::string& name, const CertificateFiles& certificate,
                            std::chrono::seconds this_update,
                            std::chrono::seconds next_update) const;

 private:
  struct Authority;
  std::string dir_;
  std::string cert_file_, key_file_;
  std::unique_ptr<Authority> authority_;
};

struct TestCertificates {
  std::string ca_file;  // the CA's certificate (PEM): what a client trusts
  // Signed by the CA, for IP:127.0.0.1 and DNS:localhost.
  std::string cert_file;
  std::string key_file;
  // Signed by the same CA, for DNS:other.invalid only: a valid chain naming another host.
  std::string other_cert_file;
  std::string other_key_file;
};

// Writes the CA (ca.pem) and both certificates (server.pem, other.pem) into `dir`. Throws
// std::runtime_error when OpenSSL fails.
TestCertificates make_test_certificates(const std::string& dir);

}  // namespace apigw::test
