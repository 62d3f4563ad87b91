#include "tls/server_contexts.h"

#include <openssl/err.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "tls/certificate_files.h"
#include "tls/context_settings.h"

namespace apigw::tls {

using Config = config::ListenerTlsConfig;

// Builds one ServerContexts; a class only so that the steps share their inputs.
class ContextsBuilder {
 public:
  ContextsBuilder(const Config& config, std::vector<std::string> alpn_protocols,
                  std::shared_ptr<TicketKeyRing> shared_ring, const ServerContexts* previous)
      : config_(config),
        alpn_protocols_(std::move(alpn_protocols)),
        shared_ring_(std::move(shared_ring)),
        previous_(previous),
        result_(std::make_shared<ServerContexts>()) {
    settings_.config = &config_;
  }

  ServerContextsResult build();

 private:
  std::string prepare_settings();
  std::string prepare_ticket_keys();
  std::string add_certificate(const config::TlsCertificateConfig& certificate);
  void build_index();

  const Config& config_;
  std::vector<std::string> alpn_protocols_;
  std::shared_ptr<TicketKeyRing> shared_ring_;
  const ServerContexts* previous_;
  std::shared_ptr<ServerContexts> result_;
  CommonSettings settings_;
  // Everything besides a certificate's own files that shapes its context; part of reuse keys.
  std::string settings_key_;
};

ServerContextsResult ContextsBuilder::build() {
  if (config_.certificates.empty()) return {nullptr, "a TLS listener needs a certificate"};
  if (std::string error = prepare_settings(); !error.empty()) return {nullptr, error};
  for (const auto& certificate : config_.certificates) {
    if (std::string error = add_certificate(certificate); !error.empty()) return {nullptr, error};
  }
  build_index();
  // The context connections start from: no certificate, same settings, and the SNI table.
  auto table = std::make_shared<SniTable>();
  table->index = result_->index_;
  for (const auto& reusable : result_->reusable_)
    table->contexts.push_back(share(reusable.context.get()));
  result_->entry_.reset(SSL_CTX_new(TLS_server_method()));
  if (result_->entry_ == nullptr) return {nullptr, "SSL_CTX_new: " + take_openssl_errors()};
  if (std::string error = configure_common(result_->entry_.get(), settings_, {}, std::move(table));
      !error.empty()) {
    return {nullptr, error};
  }
  return {std::move(result_), ""};
}

std::string ContextsBuilder::prepare_settings() {
  std::string error;
  settings_.alpn = alpn_wire(alpn_protocols_, error);
  if (!error.empty()) return error;
  std::string ca_digest;
  if (config_.client_auth != Config::ClientAuth::none) {
    std::string bytes;
    if (!read_file(config_.client_ca_file, bytes, error)) return error;
    if (error = parse_certificate_bundle(bytes, config_.client_ca_file, settings_.client_cas);
        !error.empty()) {
      return error;
    }
    ca_digest = sha256(bytes);
  }
  if (error = prepare_ticket_keys(); !error.empty()) return error;

  const std::string client_auth = std::to_string(static_cast<int>(config_.client_auth)) + "/" +
                                  std::to_string(config_.client_verify_depth) + "/" + ca_digest;
  const std::string context_id = sha256(client_auth);
  std::copy_n(context_id.begin(), settings_.session_id_context.size(),
              settings_.session_id_context.begin());
  // The ring by address: `previous` holds its ring alive during this build, so an equal
  // address is the same ring, never a new one allocated where a freed one was.
  char ring[32];
  std::snprintf(ring, sizeof ring, "%p", static_cast<const void*>(settings_.ticket_keys.get()));
  settings_key_ = std::to_string(static_cast<int>(config_.min_version)) + "\n" + config_.ciphers +
                  "\n" + config_.ciphersuites + "\n" + config_.groups + "\n" + ring + "\n" +
                  client_auth + "\n" + std::string(settings_.alpn.begin(), settings_.alpn.end()) +
                  "\n";
  return "";
}

std::string ContextsBuilder::prepare_ticket_keys() {
  if (!config_.session_tickets) return "";
  if (config_.ticket_key_file.empty()) {
    // Without a ring from the caller, the previous build's in-memory ring carries over, so that
    // a reload neither forgets the keys (every client's next handshake would be a full one) nor
    // makes every certificate context unreusable.
    const bool previous_in_memory = previous_ != nullptr && previous_->ticket_keys_ != nullptr &&
                                    previous_->ticket_key_file_digest_.empty();
    settings_.ticket_keys = shared_ring_ != nullptr ? shared_ring_
                            : previous_in_memory    ? previous_->ticket_keys_
                                                    : TicketKeyRing::generate();
    result_->ticket_keys_ = settings_.ticket_keys;
    return "";
  }
  std::string bytes, error;
  const auto wipe = [](std::string* text) { OPENSSL_cleanse(text->data(), text->size()); };
  const std::unique_ptr<std::string, decltype(wipe)> wiper(&bytes, wipe);
  if (!read_file(config_.ticket_key_file, bytes, error)) return error;
  const std::string digest = config_.ticket_key_file + "\n" + sha256(bytes);
  // The same file as last time keeps the same ring, so that certificate contexts (whose reuse
  // key names the ring) stay reusable.
  if (previous_ != nullptr && previous_->ticket_key_file_digest_ == digest) {
    settings_.ticket_keys = previous_->ticket_keys_;
  } else {
    TicketKeyRingResult loaded = TicketKeyRing::from_bytes(bytes, config_.ticket_key_file);
    if (loaded.ring == nullptr) return loaded.error;
    settings_.ticket_keys = std::move(loaded.ring);
  }
  result_->ticket_keys_ = settings_.ticket_keys;
  result_->ticket_key_file_digest_ = digest;
  return "";
}

std::string ContextsBuilder::add_certificate(const config::TlsCertificateConfig& certificate) {
  std::string cert_bytes, key_bytes, ocsp_bytes, error;
  // The private key's bytes do not stay in freed memory, whichever way this returns.
  const auto wipe_key = [](std::string* bytes) { OPENSSL_cleanse(bytes->data(), bytes->size()); };
  const std::unique_ptr<std::string, decltype(wipe_key)> key_wiper(&key_bytes, wipe_key);
  if (!read_file(certificate.cert, cert_bytes, error) ||
      !read_file(certificate.key, key_bytes, error) ||
      (!certificate.ocsp_response.empty() &&
       !read_file(certificate.ocsp_response, ocsp_bytes, error))) {
    return error;
  }
  ServerContexts::Reusable entry;
  entry.key = settings_key_ + certificate.cert + "\n" + certificate.key + "\n" +
              certificate.ocsp_response + "\n" + sha256(cert_bytes) + sha256(key_bytes) +
              sha256(ocsp_bytes);
  CertificateInfo info;
  info.cert_file = certificate.cert;
  info.is_default = certificate.is_default;

  const ServerContexts::Reusable* old = nullptr;
  if (previous_ != nullptr) {
    for (const auto& candidate : previous_->reusable_) {
      if (candidate.key == entry.key) old = &candidate;
    }
  }
  if (old != nullptr) {
    entry.context = share(old->context.get());
    entry.own_names = old->own_names;
    entry.not_before = old->not_before;
    entry.not_after = old->not_after;
    entry.staple = old->staple;
    info.reused = true;
  } else {
    CertificateMaterial material;
    error = parse_certificate(cert_bytes, certificate.cert, key_bytes, certificate.key, material);
    if (!error.empty()) return error;
    OcspStaple staple;
    if (!ocsp_bytes.empty()) {
      error = parse_ocsp_staple(ocsp_bytes, certificate.ocsp_response, material.leaf.get(), staple);
      if (!error.empty()) return error;
      entry.staple = staple;
    }
    entry.context.reset(SSL_CTX_new(TLS_server_method()));
    if (entry.context == nullptr) return "SSL_CTX_new: " + take_openssl_errors();
    error = configure_common(entry.context.get(), settings_, std::move(staple), nullptr);
    if (error.empty()) {
      error = install_certificate(entry.context.get(), material, certificate.cert, certificate.key);
    }
    if (!error.empty()) return error;
    entry.own_names = certificate_dns_names(material.leaf.get());
    entry.not_before = material.not_before;
    entry.not_after = material.not_after;
  }
  // Checked on reuse too: an unchanged file still expires.
  if (error = check_validity(entry.not_before, entry.not_after, certificate.cert); !error.empty()) {
    return error;
  }
  if (!entry.staple.der.empty() && !entry.staple.current(std::time(nullptr))) {
    result_->warnings_.push_back(certificate.ocsp_response +
                                 ": the OCSP response is not current; not stapled until it is "
                                 "replaced");
  }
  info.names = certificate.names.empty() ? entry.own_names : certificate.names;
  info.not_before = entry.not_before;
  info.not_after = entry.not_after;
  info.context = entry.context.get();
  result_->certificates_.push_back(std::move(info));
  result_->reusable_.push_back(std::move(entry));
  return "";
}

// Names written in the config first (validation made them unique), then names read from the
// certificates, which may overlap: the first certificate to claim a name keeps it.
void ContextsBuilder::build_index() {
  std::size_t default_certificate = 0;
  for (std::size_t i = 0; i < config_.certificates.size(); ++i) {
    if (config_.certificates[i].is_default) default_certificate = i;
  }
  result_->certificates_[default_certificate].is_default = true;
  auto index = std::make_shared<CertIndex>(default_certificate);
  for (const bool configured : {true, false}) {
    for (std::size_t i = 0; i < result_->certificates_.size(); ++i) {
      const CertificateInfo& info = result_->certificates_[i];
      if (config_.certificates[i].names.empty() == configured) continue;
      for (const std::string& name : info.names) {
        const CertIndex::Added added = index->add(name, i);
        if (added == CertIndex::Added::added) continue;
        result_->warnings_.push_back(
            info.cert_file + ": server name '" + name + "' " +
            (added == CertIndex::Added::duplicate
                 ? "is served by an earlier certificate of this listener; ignored here"
                 : "is not a usable DNS name or wildcard; ignored"));
      }
    }
  }
  result_->index_ = std::move(index);
}

ServerContextsResult build_server_contexts(const Config& config,
                                           std::vector<std::string> alpn_protocols,
                                           std::shared_ptr<TicketKeyRing> shared_ring,
                                           const ServerContexts* previous) {
  ERR_clear_error();
  return ContextsBuilder(config, std::move(alpn_protocols), std::move(shared_ring), previous)
      .build();
}

}  // namespace apigw::tls
