// A throw-away certificate authority and server certificates for TLS tests, made with the
// openssl CLI (P-256 keys: fast to generate) in a directory the caller owns.
#pragma once

#include <string>

namespace apigw::test {

struct TestCertificates {
  std::string ca_file;  // the CA's certificate (PEM): what a client trusts
  // Signed by the CA, for IP:127.0.0.1 and DNS:localhost.
  std::string cert_file;
  std::string key_file;
  // Signed by the same CA, for DNS:other.invalid only: a valid chain naming another host.
  std::string other_cert_file;
  std::string other_key_file;
};

// Writes the CA and both certificates into `dir`. Throws std::runtime_error when openssl fails.
TestCertificates make_test_certificates(const std::string& dir);

}  // namespace apigw::test
