#include "tls/connection_facts.h"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "tls/openssl_ptr.h"

namespace apigw::tls {
namespace {

// Received alerts are reported with reason SSL_AD_REASON_OFFSET + the alert's code.
bool is_received_alert(int reason) {
  return reason >= SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256;
}

HandshakeFailure from_verify_result(long result) {
  switch (result) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return HandshakeFailure::unknown_ca;
    default:
      return HandshakeFailure::bad_certificate;
  }
}

// The SSL library's reason among the queued errors (the first one: later ones are the layers
// that passed it up), or 0.
int ssl_reason() {
  int reason = 0;
  while (const unsigned long code = ERR_get_error()) {
    if (reason == 0 && ERR_GET_LIB(code) == ERR_LIB_SSL) reason = ERR_GET_REASON(code);
  }
  return reason;
}

}  // namespace

std::string client_subject(const SSL* ssl) {
  X509* certificate = SSL_get0_peer_certificate(ssl);
  if (certificate == nullptr) return "";
  BioPtr text(BIO_new(BIO_s_mem()));
  if (text == nullptr ||
      X509_NAME_print_ex(text.get(), X509_get_subject_name(certificate), 0, XN_FLAG_RFC2253) < 0) {
    ERR_clear_error();
    return "";
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(text.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

ConnectionFacts connection_facts(const SSL* ssl) {
  ConnectionFacts facts;
  facts.version = SSL_get_version(ssl);
  if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl)) {
    facts.cipher = SSL_CIPHER_get_name(cipher);
  }
  if (const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) {
    facts.server_name = name;
  }
  const unsigned char* alpn = nullptr;
  unsigned int alpn_size = 0;
  SSL_get0_alpn_selected(ssl, &alpn, &alpn_size);
  if (alpn != nullptr) facts.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_size);
  facts.resumed = SSL_session_reused(ssl) == 1;
  facts.client_verified =
      SSL_get0_peer_certificate(ssl) != nullptr && SSL_get_verify_result(ssl) == X509_V_OK;
  if (facts.client_verified) facts.client_subject = client_subject(ssl);
  return facts;
}

std::string_view to_string(HandshakeFailure failure) {
  switch (failure) {
    case HandshakeFailure::protocol_version:
      return "protocol_version";
    case HandshakeFailure::no_shared_cipher:
      return "no_shared_cipher";
    case HandshakeFailure::unknown_ca:
      return "unknown_ca";
    case HandshakeFailure::bad_certificate:
      return "bad_certificate";
    case HandshakeFailure::no_certificate:
      return "no_certificate";
    case HandshakeFailure::alert:
      return "alert";
    case HandshakeFailure::eof:
      return "eof";
    case HandshakeFailure::timeout:
      return "timeout";
    case HandshakeFailure::other:
      return "other";
  }
  return "other";
}

HandshakeFailure classify_handshake_failure(const SSL* ssl, int ssl_error) {
  const int reason = ssl_reason();
  if (ssl_error == SSL_ERROR_ZERO_RETURN) return HandshakeFailure::eof;
  if (ssl_error == SSL_ERROR_SYSCALL && reason == 0) return HandshakeFailure::eof;
  switch (reason) {
    case 0:
      return HandshakeFailure::other;
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_VERSION_TOO_LOW:
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_NO_PROTOCOLS_AVAILABLE:
      return HandshakeFailure::protocol_version;
    case SSL_R_NO_SHARED_CIPHER:
    case SSL_R_NO_SHARED_GROUPS:
    case SSL_R_NO_SUITABLE_KEY_SHARE:
    case SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM:
      return HandshakeFailure::no_shared_cipher;
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
      return HandshakeFailure::no_certificate;
    case SSL_R_CERTIFICATE_VERIFY_FAILED:
      return from_verify_result(SSL_get_verify_result(ssl));
    case SSL_R_UNEXPECTED_EOF_WHILE_READING:
      return HandshakeFailure::eof;
    default:
      return is_received_alert(reason) ? HandshakeFailure::alert : HandshakeFailure::other;
  }
}

}  // namespace apigw::tls
