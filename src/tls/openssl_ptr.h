// Owning pointers for OpenSSL objects, so that every early return frees what it made, and the
// error queue as text for messages that name what failed ("key values mismatch").
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace apigw::tls {

// Calls OpenSSL's free function for its type; each is null-safe.
template <auto Free>
struct OpenSslFree {
  template <typename T>
  void operator()(T* object) const {
    Free(object);
  }
};

using SslCtxPtr = std::unique_ptr<SSL_CTX, OpenSslFree<&SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, OpenSslFree<&SSL_free>>;
using SslSessionPtr = std::unique_ptr<SSL_SESSION, OpenSslFree<&SSL_SESSION_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslFree<&X509_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslFree<&EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslFree<&BIO_free_all>>;
using EvpMacPtr = std::unique_ptr<EVP_MAC, OpenSslFree<&EVP_MAC_free>>;
using EvpCipherPtr = std::unique_ptr<EVP_CIPHER, OpenSslFree<&EVP_CIPHER_free>>;
using OcspResponsePtr = std::unique_ptr<OCSP_RESPONSE, OpenSslFree<&OCSP_RESPONSE_free>>;
using OcspBasicResponsePtr = std::unique_ptr<OCSP_BASICRESP, OpenSslFree<&OCSP_BASICRESP_free>>;

// A second owner of a context (SSL_CTX is reference counted): how one build shares an
// unchanged context with the build before it.
inline SslCtxPtr share(SSL_CTX* context) {
  SSL_CTX_up_ref(context);
  return SslCtxPtr(context);
}

// OpenSSL's error queue of this thread as "reason; reason" (ERR_error_string_n's text, e.g.
// "error:05800074:x509 certificate routines::key values mismatch"), or `fallback` when it is
// empty. Clears the queue, so that the next failure is not blamed on an old error.
std::string take_openssl_errors(std::string fallback = "unknown error");

// The reason part of the queue's errors only ("key values mismatch"), for messages an operator
// reads; clears the queue like take_openssl_errors.
std::string take_openssl_reasons(std::string fallback = "unknown error");

}  // namespace apigw::tls
