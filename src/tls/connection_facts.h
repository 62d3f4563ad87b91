// What a finished handshake established, read once per connection for logs, metrics and filters
// (an RBAC rule on the client certificate's subject); and why a failed handshake failed, as one
// of a few reasons that a metric label can carry.
#pragma once

#include <openssl/ssl.h>

#include <string>
#include <string_view>

namespace apigw::tls {

struct ConnectionFacts {
  std::string_view version;  // "TLSv1.3"; OpenSSL's static text
  std::string_view cipher;   // "TLS_AES_128_GCM_SHA256"; OpenSSL's static text
  std::string server_name;   // SNI; "" when the client sent none
  std::string alpn;          // the negotiated protocol; "" when none was
  bool resumed = false;      // a ticket was accepted (no certificate exchange)
  // A client certificate was presented and verified against client_ca_file (also true after a
  // resumption of such a session: the session carries the certificate).
  bool client_verified = false;
  std::string client_subject;  // RFC 2253 ("CN=alice,O=Example"); "" unless client_verified
};

ConnectionFacts connection_facts(const SSL* ssl);

// The client certificate's subject in RFC 2253 form, "" when there is none.
std::string client_subject(const SSL* ssl);

enum class HandshakeFailure {
  protocol_version,  // the client offered no TLS version we accept (TLS 1.1, or 1.2 under 1.3)
  no_shared_cipher,  // nor a cipher suite, or a group, we accept
  unknown_ca,        // mTLS: the client's certificate does not chain to client_ca_file
  bad_certificate,   // mTLS: it chains, but is expired, not yet valid, or otherwise refused
  no_certificate,    // mTLS: client_auth = "require" and the client sent none
  alert,             // the client aborted with an alert (often: it distrusts our certificate)
  eof,               // the connection ended mid-handshake
  timeout,           // not from classify_handshake_failure: the caller's handshake_timeout
  other,
};

// The metric label: "protocol_version", "no_shared_cipher", ...
std::string_view to_string(HandshakeFailure failure);

// Why SSL_do_handshake failed on a server connection, from `ssl_error` (SSL_get_error's answer)
// and this thread's OpenSSL error queue, which it then clears. Call it right after the failing
// call, before any other OpenSSL call on this thread can add to the queue.
HandshakeFailure classify_handshake_failure(const SSL* ssl, int ssl_error);

}  // namespace apigw::tls
