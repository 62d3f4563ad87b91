#include "tls/upstream_context.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>

#include "tls/certificate_files.h"
#include "util/cidr.h"

namespace apigw::tls {
namespace {

using Config = config::UpstreamTlsConfig;

// The connection's SessionCache (may be null), for the new-session callback. One ex_data slot for
// the process, registered on first use (thread-safe static init).
int session_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// OpenSSL offers each session the server gives (after a full handshake, and again after a
// resumption in TLS 1.3). Returning 1 keeps the reference it hands over.
int on_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* cache = static_cast<SessionCache*>(SSL_get_ex_data(ssl, session_index()));
  if (cache == nullptr || SSL_SESSION_is_resumable(session) != 1) return 0;
  cache->put(session);
  return 1;
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0x0f]);
  }
  return out;
}

// The protocol-list wire format of {"http/1.1"}.
constexpr unsigned char kAlpnHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

}  // namespace

// Builds one UpstreamContext; a class only so that the steps share their inputs.
class UpstreamContextBuilder {
 public:
  UpstreamContextBuilder(const Config& config, std::string_view upstream,
                         std::vector<std::string>& warnings)
      : config_(config), upstream_(upstream), warnings_(warnings) {}

  std::shared_ptr<const UpstreamContext> build(
      const std::shared_ptr<const UpstreamContext>& previous);

 private:
  // Reads every file into memory and computes the id; "" or the read error.
  std::string read_files();
  std::string configure(SSL_CTX* context);
  std::shared_ptr<const UpstreamContext> failed(std::string error);

  const Config& config_;
  std::string_view upstream_;
  std::vector<std::string>& warnings_;
  std::string ca_bytes_, cert_bytes_, key_bytes_;
  std::shared_ptr<UpstreamContext> result_ = std::make_shared<UpstreamContext>();
};

std::string UpstreamContextBuilder::read_files() {
  std::string error;
  // Without verification the CA is not read: validation refuses ca_file with verify = false.
  if ((config_.verify && !config_.ca_file.empty() &&
       !read_file(config_.ca_file, ca_bytes_, error)) ||
      (!config_.client_cert.empty() && !read_file(config_.client_cert, cert_bytes_, error)) ||
      (!config_.client_key.empty() && !read_file(config_.client_key, key_bytes_, error))) {
    return error;
  }
  const std::string settings = std::string(config_.verify ? "verify" : "no-verify") + "\n" +
                               std::to_string(static_cast<int>(config_.min_version)) + "\n" +
                               config_.server_name + "\n" + config_.ca_file + "\n" +
                               config_.client_cert + "\n" + config_.client_key + "\n" +
                               sha256(ca_bytes_) + sha256(cert_bytes_) + sha256(key_bytes_);
  result_->id_ = hex(sha256(settings)).substr(0, 32);
  return "";
}

std::shared_ptr<const UpstreamContext> UpstreamContextBuilder::failed(std::string error) {
  // The id still changes with the error, so that fixing the file later makes a new pool.
  result_->id_ = "failed-" + hex(sha256(error)).substr(0, 16);
  result_->error_ = std::move(error);
  warnings_.push_back("upstream '" + std::string(upstream_) +
                      "': TLS to the targets is unusable (" + result_->error_ +
                      "); its requests are answered 502 upstream_tls_failed");
  return result_;
}

std::shared_ptr<const UpstreamContext> UpstreamContextBuilder::build(
    const std::shared_ptr<const UpstreamContext>& previous) {
  // The client key's bytes do not stay in freed memory, whichever way this returns.
  const auto wipe = [](std::string* bytes) { OPENSSL_cleanse(bytes->data(), bytes->size()); };
  const std::unique_ptr<std::string, decltype(wipe)> key_wiper(&key_bytes_, wipe);
  result_->server_name_ = config_.server_name;
  result_->verify_ = config_.verify;
  if (std::string error = read_files(); !error.empty()) return failed(std::move(error));
  if (previous != nullptr && previous->context_ != nullptr && previous->id_ == result_->id_) {
    return previous;
  }
  result_->context_.reset(SSL_CTX_new(TLS_client_method()));
  if (result_->context_ == nullptr) return failed("SSL_CTX_new: " + take_openssl_errors());
  if (std::string error = configure(result_->context_.get()); !error.empty()) {
    result_->context_.reset();
    return failed(std::move(error));
  }
  if (!config_.verify) {
    warnings_.push_back("upstream '" + std::string(upstream_) +
                        "': tls verify = false: the targets' certificates are not checked "
                        "(anyone on the path can read and change the traffic; for tests only)");
  }
  return result_;
}

std::string UpstreamContextBuilder::configure(SSL_CTX* context) {
  ERR_clear_error();
  const int min_version = config_.min_version == config::ListenerTlsConfig::Version::tls1_3
                              ? TLS1_3_VERSION
                              : TLS1_2_VERSION;
  if (SSL_CTX_set_min_proto_version(context, min_version) != 1 ||
      SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION) != 1) {
    return "TLS versions refused (" + take_openssl_reasons() + ")";
  }
  SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  // SSL_CTX_set_alpn_protos returns 0 on success.
  if (SSL_CTX_set_alpn_protos(context, kAlpnHttp11, sizeof kAlpnHttp11) != 0) {
    return "ALPN refused (" + take_openssl_reasons() + ")";
  }
  if (config_.verify) {
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
    if (config_.ca_file.empty()) {
      if (SSL_CTX_set_default_verify_paths(context) != 1) {
        return "the system CA store cannot be loaded (" + take_openssl_reasons() + ")";
      }
    } else {
      std::vector<X509Ptr> cas;
      if (std::string error = parse_certificate_bundle(ca_bytes_, config_.ca_file, cas);
          !error.empty()) {
        return error;
      }
      X509_STORE* store = SSL_CTX_get_cert_store(context);
      for (const X509Ptr& ca : cas) {
        if (X509_STORE_add_cert(store, ca.get()) != 1) {
          return config_.ca_file + ": certificate refused (" + take_openssl_reasons() + ")";
        }
      }
    }
  } else {
    SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
  }
  if (!config_.client_cert.empty()) {
    CertificateMaterial material;
    std::string error = parse_certificate(cert_bytes_, config_.client_cert, key_bytes_,
                                          config_.client_key, material);
    if (error.empty()) {
      error = install_certificate(context, material, config_.client_cert, config_.client_key);
    }
    if (!error.empty()) return error;
    // The upstream decides what it accepts; an expired certificate is only worth a warning here.
    if (std::string expired =
            check_validity(material.not_before, material.not_after, config_.client_cert);
        !expired.empty()) {
      warnings_.push_back("upstream '" + std::string(upstream_) + "': client_cert " + expired);
    }
  }
  // Sessions go to the connection's SessionCache only, never to a cache inside the context
  // (shared by every worker, it would need its lock).
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(context, &on_new_session);
  return "";
}

SslPtr UpstreamContext::new_connection(std::string_view target_host, SessionCache* sessions) const {
  if (context_ == nullptr) return nullptr;
  SslPtr ssl(SSL_new(context_.get()));
  if (ssl == nullptr) return nullptr;
  const std::string name(expected_name(target_host));
  const bool is_ip = util::parse_ip(name).has_value();
  // SNI carries DNS names only (RFC 6066 §3).
  if (!is_ip && SSL_set_tlsext_host_name(ssl.get(), name.c_str()) != 1) return nullptr;
  if (verify_) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int set = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                          : X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
    if (set != 1) return nullptr;
  }
  SSL_set_ex_data(ssl.get(), session_index(), sessions);
  if (sessions != nullptr && sessions->get() != nullptr) {
    SSL_set_session(ssl.get(), sessions->get());
  }
  ERR_clear_error();
  return ssl;
}

std::shared_ptr<const UpstreamContext> build_upstream_context(
    const config::UpstreamTlsConfig& config, std::string_view upstream,
    const std::shared_ptr<const UpstreamContext>& previous, std::vector<std::string>& warnings) {
  ERR_clear_error();
  return UpstreamContextBuilder(config, upstream, warnings).build(previous);
}

std::string describe_client_handshake_failure(const SSL* ssl, int ssl_error, bool& verify_failed) {
  verify_failed = false;
  const long verify = SSL_get_verify_result(ssl);
  if ((SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) != 0 && verify != X509_V_OK) {
    verify_failed = true;
    ERR_clear_error();
    return std::string(X509_verify_cert_error_string(verify)) + " (X509 verify error " +
           std::to_string(verify) + ")";
  }
  const int saved_errno = errno;
  std::string reasons = take_openssl_reasons("");
  if (!reasons.empty()) return reasons;
  switch (ssl_error) {
    case SSL_ERROR_ZERO_RETURN:
      return "the target closed the connection during the handshake";
    case SSL_ERROR_SYSCALL:
      if (saved_errno != 0 && saved_errno != EAGAIN) {
        return std::string("the connection failed during the handshake (") +
               std::strerror(saved_errno) + ")";
      }
      return "the target closed the connection during the handshake";
    default:
      return "handshake failed (SSL error " + std::to_string(ssl_error) + ")";
  }
}

}  // namespace apigw::tls
