// A certificate entry's files, read once into memory and loaded from there: the bytes that are
// hashed (to decide reuse on the next build) are exactly the bytes that are parsed, whatever
// happens to the files meanwhile. Every error names the file and OpenSSL's reason.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <string>
#include <vector>

#include "tls/openssl_ptr.h"

namespace apigw::tls {

// The whole file, or "" with `error` set ("<path>: cannot read (No such file or directory)").
bool read_file(const std::string& path, std::string& bytes, std::string& error);

// SHA-256 of `bytes` (32 raw bytes).
std::string sha256(std::string_view bytes);

// A leaf certificate, its chain and its key, checked against each other and the clock.
struct CertificateMaterial {
  X509Ptr leaf;
  std::vector<X509Ptr> chain;
  EvpPkeyPtr key;
  std::chrono::system_clock::time_point not_before, not_after;
};

// Parses `cert_bytes` (PEM: the leaf, then its chain) and `key_bytes` (PEM private key; an
// encrypted key is refused rather than prompting for a password). "" on success.
std::string parse_certificate(const std::string& cert_bytes, const std::string& cert_path,
                              const std::string& key_bytes, const std::string& key_path,
                              CertificateMaterial& out);

// Installs the material into `context` and checks that the key matches the certificate.
std::string install_certificate(SSL_CTX* context, const CertificateMaterial& material,
                                const std::string& cert_path, const std::string& key_path);

// "" while [not_before, not_after] covers now, else why not ("<path>: the certificate expired
// on 2024-05-01 12:00:00 UTC").
std::string check_validity(std::chrono::system_clock::time_point not_before,
                           std::chrono::system_clock::time_point not_after,
                           const std::string& cert_path);

// The DNS names a certificate is for: its subjectAltName DNS entries, or its subject CN when it
// has no subjectAltName extension at all (RFC 6125 §6.4.4).
std::vector<std::string> certificate_dns_names(X509* certificate);

// Every certificate in a PEM bundle (a CA file); an error when there is none.
std::string parse_certificate_bundle(const std::string& bytes, const std::string& path,
                                     std::vector<X509Ptr>& out);

}  // namespace apigw::tls
