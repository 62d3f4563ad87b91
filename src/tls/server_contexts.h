// The OpenSSL server contexts of one TLS listener, built from its config on the main thread and
// then shared read-only by every worker (held by the snapshot): one SSL_CTX per certificate
// entry, all configured alike, plus the context every connection starts from, whose servername
// callback moves the connection to its certificate's context.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "config/schema.h"
#include "tls/cert_index.h"
#include "tls/ocsp_staple.h"
#include "tls/openssl_ptr.h"
#include "tls/ticket_keys.h"

namespace apigw::tls {

// What a built certificate entry is, for metrics (expiry gauge), logs and the next build.
struct CertificateInfo {
  std::string cert_file;
  std::vector<std::string> names;  // as configured, or the certificate's own (SAN DNS, else CN)
  bool is_default = false;
  std::chrono::system_clock::time_point not_before, not_after;
  SSL_CTX* context = nullptr;  // owned by the ServerContexts
  bool reused = false;         // taken unchanged from the previous build
};

class ServerContexts {
 public:
  // What SSL_new takes for each accepted connection. It has no certificate of its own: the
  // servername callback (which OpenSSL calls whether or not the client sent SNI) switches every
  // connection to its certificate's context, the default one when the name matches none. Its
  // settings equal every certificate context's, and it owns (through ex_data) the index and
  // references to those contexts, so a connection keeps what its callbacks reach for as long as
  // it lives, even after this object is gone.
  SSL_CTX* default_context() const { return entry_.get(); }

  std::span<const CertificateInfo> certificates() const { return certificates_; }
  // The certificate entry a client's server name selects (the callback's own lookup).
  std::size_t select(std::string_view server_name) const { return index_->find(server_name); }
  // Where the default certificate sits in certificates().
  std::size_t default_certificate() const { return index_->default_certificate(); }
  const std::shared_ptr<TicketKeyRing>& ticket_keys() const { return ticket_keys_; }
  // Non-fatal findings of the build (a certificate name another certificate already serves).
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  friend class ContextsBuilder;
  // Per certificate entry: what decides whether the next build may reuse its context.
  struct Reusable {
    std::string key;  // settings + paths + SHA-256 of every file's bytes
    SslCtxPtr context;
    std::vector<std::string> own_names;  // read from the certificate
    std::chrono::system_clock::time_point not_before, not_after;
    OcspStaple staple;  // a copy of what the context staples, to warn when it goes stale
  };

  SslCtxPtr entry_;
  std::vector<CertificateInfo> certificates_;
  std::vector<Reusable> reusable_;
  std::shared_ptr<const CertIndex> index_;
  std::shared_ptr<TicketKeyRing> ticket_keys_;  // null: tickets off
  std::string ticket_key_file_digest_;          // the file's path + SHA-256, when it has one
  std::vector<std::string> warnings_;
};

// The contexts, or why they could not be built: a message naming the file and OpenSSL's
// reason ("/etc/apigw/api.key: does not match the certificate in /etc/apigw/api.pem (key values
// mismatch)").
struct ServerContextsResult {
  std::shared_ptr<const ServerContexts> contexts;
  std::string error;
  explicit operator bool() const { return contexts != nullptr; }
};

// Builds the contexts of a TLS listener. `alpn_protocols` is the server's preference order
// ({"h2", "http/1.1"}; empty: no ALPN). `shared_ring` encrypts tickets unless the config names a
// ticket_key_file; the caller owns and rotates it (null: the previous build's in-memory ring, or
// a new one, that nobody rotates). A certificate entry whose paths,
// file contents (SHA-256) and settings equal one of `previous` (may be null) reuses that entry's
// SSL_CTX instead of parsing its key again.
ServerContextsResult build_server_contexts(const config::ListenerTlsConfig& config,
                                           std::vector<std::string> alpn_protocols,
                                           std::shared_ptr<TicketKeyRing> shared_ring,
                                           const ServerContexts* previous);

}  // namespace apigw::tls
