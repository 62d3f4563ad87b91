#include "support/test_certificates.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <stdexcept>

#include "tls/openssl_ptr.h"

namespace apigw::test {
namespace {

using tls::BioPtr;
using CertPtr = tls::X509Ptr;
using KeyPtr = tls::EvpPkeyPtr;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, tls::OpenSslFree<&X509_EXTENSION_free>>;

constexpr long kHour = 3600;
constexpr long kDay = 24 * kHour;

[[noreturn]] void fail(const std::string& what) {
  char reason[256] = "no OpenSSL error queued";
  if (const unsigned long code = ERR_get_error()) ERR_error_string_n(code, reason, sizeof reason);
  ERR_clear_error();
  throw std::runtime_error("test certificates: " + what + ": " + reason);
}

void check(bool ok, const std::string& what) {
  if (!ok) fail(what);
}

KeyPtr make_key(KeyType type) {
  KeyPtr key(type == KeyType::rsa_2048 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})
                                       : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  check(key != nullptr, "key generation");
  return key;
}

void set_random_serial(X509* cert) {
  unsigned char bytes[12];
  check(RAND_bytes(bytes, sizeof bytes) == 1, "RAND_bytes");
  bytes[0] &= 0x7f;  // positive
  BIGNUM* number = BN_bin2bn(bytes, sizeof bytes, nullptr);
  check(number != nullptr && BN_to_ASN1_INTEGER(number, X509_get_serialNumber(cert)) != nullptr,
        "serial number");
  BN_free(number);
}

void set_name(X509_NAME* name, const std::string& common_name) {
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                   -1, 0) == 1,
        "subject CN");
}

// Adds an extension the way an openssl.cnf line would write it ("critical,CA:TRUE").
void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
  check(extension != nullptr && X509_add_ext(cert, extension.get(), -1) == 1,
        "extension " + std::string(OBJ_nid2sn(nid)) + "=" + value);
}

void write_pem(const std::string& path, X509* cert) {
  BioPtr file(BIO_new_file(path.c_str(), "w"));
  check(file != nullptr && PEM_write_bio_X509(file.get(), cert) == 1, "write " + path);
}

void write_pem(const std::string& path, EVP_PKEY* key) {
  BioPtr file(BIO_new_file(path.c_str(), "w"));
  check(file != nullptr &&
            PEM_write_bio_PrivateKey(file.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "write " + path);
}

CertPtr read_pem(const std::string& path) {
  BioPtr file(BIO_new_file(path.c_str(), "r"));
  CertPtr cert(file ? PEM_read_bio_X509(file.get(), nullptr, nullptr, nullptr) : nullptr);
  check(cert != nullptr, "read " + path);
  return cert;
}

}  // namespace

struct TestCa::Authority {
  KeyPtr key;
  CertPtr cert;
};

TestCa::TestCa(std::string dir, std::string name, std::string subject)
    : dir_(std::move(dir)),
      cert_file_(dir_ + "/" + name + ".pem"),
      key_file_(dir_ + "/" + name + ".key"),
      authority_(std::make_unique<Authority>()) {
  authority_->key = make_key(KeyType::ecdsa_p256);
  authority_->cert.reset(X509_new());
  X509* cert = authority_->cert.get();
  check(X509_set_version(cert, 2) == 1, "version");
  set_random_serial(cert);
  set_name(X509_get_subject_name(cert), subject);
  check(X509_set_issuer_name(cert, X509_get_subject_name(cert)) == 1, "issuer");
  check(X509_gmtime_adj(X509_getm_notBefore(cert), -kDay) != nullptr &&
            X509_gmtime_adj(X509_getm_notAfter(cert), 30 * kDay) != nullptr,
        "validity");
  check(X509_set_pubkey(cert, authority_->key.get()) == 1, "public key");
  add_extension(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
  add_extension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(cert, cert, NID_subject_key_identifier, "hash");
  check(X509_sign(cert, authority_->key.get(), EVP_sha256()) > 0, "sign CA");
  write_pem(cert_file_, cert);
  write_pem(key_file_, authority_->key.get());
}

TestCa::~TestCa() = default;

CertificateFiles TestCa::issue(const std::string& name, const CertificateSpec& spec) const {
  KeyPtr key = make_key(spec.key_type);
  CertPtr owned(X509_new());
  X509* cert = owned.get();
  X509* issuer = authority_->cert.get();
  check(X509_set_version(cert, 2) == 1, "version");
  set_random_serial(cert);
  set_name(X509_get_subject_name(cert), spec.common_name);
  check(X509_set_issuer_name(cert, X509_get_subject_name(issuer)) == 1, "issuer");
  long from = -kHour, to = 2 * kDay;
  if (spec.validity == CertificateSpec::Validity::expired) from = -10 * kDay, to = -kDay;
  if (spec.validity == CertificateSpec::Validity::not_yet_valid) from = kDay, to = 10 * kDay;
  check(X509_gmtime_adj(X509_getm_notBefore(cert), from) != nullptr &&
            X509_gmtime_adj(X509_getm_notAfter(cert), to) != nullptr,
        "validity");
  check(X509_set_pubkey(cert, key.get()) == 1, "public key");
  add_extension(cert, issuer, NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert, issuer, NID_key_usage,
                spec.key_type == KeyType::rsa_2048 ? "critical,digitalSignature,keyEncipherment"
                                                   : "critical,digitalSignature");
  add_extension(cert, issuer, NID_ext_key_usage,
                spec.usage == CertificateSpec::Usage::client ? "clientAuth" : "serverAuth");
  add_extension(cert, issuer, NID_subject_key_identifier, "hash");
  add_extension(cert, issuer, NID_authority_key_identifier, "keyid:always");
  std::string alt_names;
  for (const auto& dns : spec.dns_names)
    alt_names += (alt_names.empty() ? "" : ",") + ("DNS:" + dns);
  for (const auto& ip : spec.ips) alt_names += (alt_names.empty() ? "" : ",") + ("IP:" + ip);
  if (!alt_names.empty()) add_extension(cert, issuer, NID_subject_alt_name, alt_names);
  check(X509_sign(cert, authority_->key.get(), EVP_sha256()) > 0, "sign " + name);
  CertificateFiles files{dir_ + "/" + name + ".pem", dir_ + "/" + name + ".key"};
  write_pem(files.cert_file, cert);
  write_pem(files.key_file, key.get());
  return files;
}

std::string TestCa::ocsp_response(const std::string& name, const CertificateFiles& certificate,
                                  std::chrono::seconds this_update,
                                  std::chrono::seconds next_update) const {
  const CertPtr leaf = read_pem(certificate.cert_file);
  X509* issuer = authority_->cert.get();
  OCSP_BASICRESP* basic = OCSP_BASICRESP_new();
  OCSP_CERTID* id = OCSP_cert_to_id(nullptr, leaf.get(), issuer);
  const std::time_t now = std::time(nullptr);
  // OCSP times are GeneralizedTime: X509_gmtime_adj would make UTCTime ones.
  ASN1_GENERALIZEDTIME* from = ASN1_GENERALIZEDTIME_adj(nullptr, now, 0, this_update.count());
  ASN1_GENERALIZEDTIME* to = ASN1_GENERALIZEDTIME_adj(nullptr, now, 0, next_update.count());
  check(basic != nullptr && id != nullptr && from != nullptr && to != nullptr &&
            OCSP_basic_add1_status(basic, id, V_OCSP_CERTSTATUS_GOOD, 0, nullptr, from, to) !=
                nullptr &&
            OCSP_basic_sign(basic, issuer, authority_->key.get(), EVP_sha256(), nullptr, 0) == 1,
        "OCSP response for " + certificate.cert_file);
  OCSP_RESPONSE* response = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic);
  unsigned char* der = nullptr;
  const int size = response != nullptr ? i2d_OCSP_RESPONSE(response, &der) : -1;
  check(size > 0, "encode OCSP response");
  const std::string path = dir_ + "/" + name;
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(der), size);
  OPENSSL_free(der);
  OCSP_RESPONSE_free(response);
  ASN1_GENERALIZEDTIME_free(from);
  ASN1_GENERALIZEDTIME_free(to);
  OCSP_CERTID_free(id);
  OCSP_BASICRESP_free(basic);
  return path;
}

TestCertificates make_test_certificates(const std::string& dir) {
  const TestCa ca(dir);
  const CertificateFiles server = ca.issue(
      "server", {.common_name = "server", .dns_names = {"localhost"}, .ips = {"127.0.0.1"}});
  const CertificateFiles other =
      ca.issue("other", {.common_name = "other", .dns_names = {"other.invalid"}});
  return TestCertificates{ca.cert_file(), server.cert_file, server.key_file, other.cert_file,
                          other.key_file};
}

}  // namespace apigw::test
