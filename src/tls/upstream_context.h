// The OpenSSL client context of one upstream with TLS ([upstreams.tls]): built with the snapshot
// on the main thread, then shared read-only by every worker, the health checker and the mirror
// sender. It makes the SSL of each connection to a target, with the name that target is checked
// against, and the session the connection may resume. I/O-free: the handshake itself is driven
// by server/upstream_connect.h.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/schema.h"
#include "tls/openssl_ptr.h"

namespace apigw::tls {

// The last session a target gave one worker, for the worker's next connection to it to resume
// (an abbreviated handshake: no certificate exchange, no verification again). One per target pool
// of a worker, so touched by one thread only. OpenSSL hands sessions over after the handshake
// (TLS 1.3 sends them with the first records that follow it), through the context's new-session
// callback, which finds the cache in the connection's ex_data.
class SessionCache {
 public:
  SSL_SESSION* get() const { return session_.get(); }
  void put(SSL_SESSION* session) { session_.reset(session); }
  void clear() { session_.reset(); }

 private:
  SslSessionPtr session_;
};

class UpstreamContext {
 public:
  // Null when the context could not be built; error() then says why (naming the file), and
  // every connection attempt fails with that reason.
  SSL_CTX* context() const { return context_.get(); }
  const std::string& error() const { return error_; }
  // Settings and the SHA-256 of every file's bytes, hex: equal ids mean connections made under
  // one context are as good as the other's. Part of the worker's pool key, so that a change of
  // CA or client certificate never hands out a connection verified under the old rules.
  const std::string& id() const { return id_; }
  bool verify() const { return verify_; }

  // The name a connection to a target with host `target_host` (a DNS name or an IP literal, no
  // brackets) is checked against: server_name, else the host itself.
  std::string_view expected_name(std::string_view target_host) const {
    return server_name_.empty() ? target_host : std::string_view(server_name_);
  }
  // A client SSL for one connection to a target with host `target_host`: SNI (for a DNS name),
  // the name or IP check, and the session from `sessions` (may be null) to resume. New sessions
  // go back to `sessions`, which must outlive the SSL. Null when SSL_new fails.
  SslPtr new_connection(std::string_view target_host, SessionCache* sessions) const;

 private:
  friend class UpstreamContextBuilder;
  SslCtxPtr context_;
  std::string error_;
  std::string id_;
  std::string server_name_;
  bool verify_ = true;
};

// Builds the context of an upstream's `tls` settings. `previous` (may be null) is the same
// upstream's context in the served snapshot: when the settings and every file's bytes are
// unchanged it is returned as is. A failure (unreadable file, no PEM, key not matching the
// certificate) gives a context without SSL_CTX whose error() names the file; `warnings` gets
// that error and, for a freshly built context, verify = false and an expired client certificate.
std::shared_ptr<const UpstreamContext> build_upstream_context(
    const config::UpstreamTlsConfig& config, std::string_view upstream,
    const std::shared_ptr<const UpstreamContext>& previous, std::vector<std::string>& warnings);

// What a failed client handshake tells an operator: OpenSSL's verification reason with its code
// ("certificate has expired (X509 verify error 10)") when the certificate was refused, else the
// reasons in the thread's error queue, which this clears ("tlsv13 alert certificate required"),
// or `ssl_error` (SSL_get_error's answer) described ("the connection closed during the
// handshake"). `verify_failed` is set when the certificate was what failed.
std::string describe_client_handshake_failure(const SSL* ssl, int ssl_error, bool& verify_failed);

}  // namespace apigw::tls
