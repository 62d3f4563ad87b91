#include "tls/certificate_files.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>

namespace apigw::tls {
namespace {

using Clock = std::chrono::system_clock;

// PEM readers ask a password callback for encrypted keys; OpenSSL's default one prompts on the
// terminal, which would hang a reload. This one has no password to give, so decryption fails.
int no_password(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*user*/) { return 0; }

BioPtr memory_bio(const std::string& bytes) {
  return BioPtr(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

Clock::time_point to_time_point(const ASN1_TIME* time) {
  std::tm parts{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) return {};
  return Clock::from_time_t(timegm(&parts));
}

std::string format_time(Clock::time_point when) {
  const std::time_t seconds = Clock::to_time_t(when);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &parts);
  return text;
}

// True when the queue's last error says the PEM input simply ended (no further BEGIN line),
// which is how reading a chain stops.
bool at_end_of_pem() {
  const unsigned long code = ERR_peek_last_error();
  return ERR_GET_LIB(code) == ERR_LIB_PEM && ERR_GET_REASON(code) == PEM_R_NO_START_LINE;
}

std::string asn1_text(const ASN1_STRING* text) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                     static_cast<std::size_t>(ASN1_STRING_length(text)));
}

}  // namespace

bool read_file(const std::string& path, std::string& bytes, std::string& error) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    error = path + ": cannot read (" + std::strerror(errno) + ")";
    return false;
  }
  bytes.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  if (file.bad()) {
    error = path + ": cannot read (" + std::strerror(errno) + ")";
    return false;
  }
  return true;
}

std::string sha256(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string parse_certificate(const std::string& cert_bytes, const std::string& cert_path,
                              const std::string& key_bytes, const std::string& key_path,
                              CertificateMaterial& out) {
  ERR_clear_error();
  BioPtr certs = memory_bio(cert_bytes);
  out.leaf.reset(PEM_read_bio_X509_AUX(certs.get(), nullptr, &no_password, nullptr));
  if (out.leaf == nullptr) {
    return cert_path + ": no PEM certificate (" + take_openssl_reasons() + ")";
  }
  while (X509* next = PEM_read_bio_X509(certs.get(), nullptr, &no_password, nullptr)) {
    out.chain.emplace_back(next);
  }
  if (!at_end_of_pem()) {
    return cert_path + ": unreadable certificate in the chain (" + take_openssl_reasons() + ")";
  }
  ERR_clear_error();
  BioPtr key = memory_bio(key_bytes);
  out.key.reset(PEM_read_bio_PrivateKey(key.get(), nullptr, &no_password, nullptr));
  if (out.key == nullptr) {
    // "-----BEGIN ENCRYPTED PRIVATE KEY-----" (PKCS#8) or "Proc-Type: 4,ENCRYPTED" (legacy).
    const bool encrypted = key_bytes.find("ENCRYPTED") != std::string::npos;
    return key_path + ": no usable PEM private key (" + take_openssl_reasons() +
           (encrypted ? "; the key is encrypted: decrypt it first, e.g. with `openssl pkey`)"
                      : ")");
  }
  out.not_before = to_time_point(X509_get0_notBefore(out.leaf.get()));
  out.not_after = to_time_point(X509_get0_notAfter(out.leaf.get()));
  return "";
}

std::string install_certificate(SSL_CTX* context, const CertificateMaterial& material,
                                const std::string& cert_path, const std::string& key_path) {
  ERR_clear_error();
  if (SSL_CTX_use_certificate(context, material.leaf.get()) != 1) {
    return cert_path + ": certificate refused (" + take_openssl_reasons() + ")";
  }
  for (const X509Ptr& link : material.chain) {
    if (SSL_CTX_add1_chain_cert(context, link.get()) != 1) {
      return cert_path + ": chain certificate refused (" + take_openssl_reasons() + ")";
    }
  }
  // OpenSSL keeps one slot per key type, so a key of another type would not even be compared
  // ("no certificate assigned"): say what is wrong instead.
  const EVP_PKEY* public_key = X509_get0_pubkey(material.leaf.get());
  if (public_key != nullptr &&
      EVP_PKEY_get_base_id(public_key) != EVP_PKEY_get_base_id(material.key.get())) {
    return key_path + ": does not match the certificate in " + cert_path + " (a " +
           EVP_PKEY_get0_type_name(material.key.get()) + " key for a " +
           EVP_PKEY_get0_type_name(public_key) + " certificate)";
  }
  if (SSL_CTX_use_PrivateKey(context, material.key.get()) != 1 ||
      SSL_CTX_check_private_key(context) != 1) {
    return key_path + ": does not match the certificate in " + cert_path + " (" +
           take_openssl_reasons() + ")";
  }
  return "";
}

std::string check_validity(Clock::time_point not_before, Clock::time_point not_after,
                           const std::string& cert_path) {
  const Clock::time_point now = Clock::now();
  if (now < not_before) {
    return cert_path + ": the certificate is not valid before " + format_time(not_before);
  }
  if (now > not_after) {
    return cert_path + ": the certificate expired on " + format_time(not_after);
  }
  return "";
}

std::vector<std::string> certificate_dns_names(X509* certificate) {
  std::vector<std::string> names;
  int critical = 0;
  auto* sans = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, &critical, nullptr));
  if (sans != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
      if (name->type != GEN_DNS) continue;
      std::string text = asn1_text(name->d.dNSName);
      if (text.find('\0') == text.npos) names.push_back(std::move(text));
    }
    GENERAL_NAMES_free(sans);
    return names;
  }
  const X509_NAME* subject = X509_get_subject_name(certificate);
  const int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (at >= 0) {
    unsigned char* utf8 = nullptr;
    const int size =
        ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at)));
    if (size > 0) {
      std::string text(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(size));
      if (text.find('\0') == text.npos) names.push_back(std::move(text));
    }
    OPENSSL_free(utf8);
  }
  return names;
}

std::string parse_certificate_bundle(const std::string& bytes, const std::string& path,
                                     std::vector<X509Ptr>& out) {
  ERR_clear_error();
  BioPtr bio = memory_bio(bytes);
  while (X509* next = PEM_read_bio_X509(bio.get(), nullptr, &no_password, nullptr)) {
    out.emplace_back(next);
  }
  if (!at_end_of_pem()) {
    return path + ": unreadable certificate (" + take_openssl_reasons() + ")";
  }
  ERR_clear_error();
  if (out.empty()) return path + ": no PEM certificate in the CA bundle";
  return "";
}

}  // namespace apigw::tls
