#include "tls/context_settings.h"

#include <algorithm>
#include <chrono>

#include <openssl/err.h>

#include <cstring>
#include <ctime>

namespace apigw::tls {
namespace {

using Config = config::ListenerTlsConfig;

// What a context's callbacks reach, owned by the context (ex_data) so that it lives exactly as
// long as the context does, including in connections that outlive the ServerContexts.
struct ContextState {
  std::vector<unsigned char> alpn;
  std::shared_ptr<TicketKeyRing> ticket_keys;
  OcspStaple staple;
  std::shared_ptr<const SniTable> sni;
};

void free_state(void* /*parent*/, void* state, CRYPTO_EX_DATA* /*data*/, int /*index*/,
                long /*argl*/, void* /*argp*/) {
  // Adopts the pointer handed over by attach_state.
  std::unique_ptr<ContextState> owned(static_cast<ContextState*>(state));
}

// One ex_data slot for the process, registered on first use (thread-safe static init).
int state_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, &free_state);
  return index;
}

const ContextState* state_of(const SSL_CTX* context) {
  return static_cast<const ContextState*>(SSL_CTX_get_ex_data(context, state_index()));
}

// Server preference: the first of our protocols the client also offers; no overlap leaves ALPN
// out of the answer (the client then speaks HTTP/1.1) instead of failing the handshake.
int on_alpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* out_size,
            const unsigned char* offered, unsigned int offered_size, void* arg) {
  const auto* state = static_cast<const ContextState*>(arg);
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, out_size, state->alpn.data(),
                            static_cast<unsigned int>(state->alpn.size()), offered,
                            offered_size) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

// OpenSSL calls this on the connection's first context (its session context), but the state
// of every context holds the same ring, so the current one is as good.
int on_ticket_key(SSL* ssl, unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cipher,
                  EVP_MAC_CTX* mac, int enc) {
  const ContextState* state = state_of(SSL_get_SSL_CTX(ssl));
  if (state == nullptr || state->ticket_keys == nullptr) return enc == 1 ? -1 : 0;
  return state->ticket_keys->on_ticket(ssl, name, iv, cipher, mac, enc);
}

// Called (after the certificate is chosen) when the client asked for a stapled response.
int on_status_request(SSL* ssl, void* arg) {
  const auto* state = static_cast<const ContextState*>(arg);
  if (!state->staple.current(std::time(nullptr))) return SSL_TLSEXT_ERR_NOACK;
  // OpenSSL takes ownership of an OPENSSL_malloc'd copy and frees it with the connection.
  const std::vector<unsigned char>& der = state->staple.der;
  auto* copy = static_cast<unsigned char*>(OPENSSL_malloc(der.size()));
  if (copy == nullptr) return SSL_TLSEXT_ERR_NOACK;
  std::memcpy(copy, der.data(), der.size());
  SSL_set_tlsext_status_ocsp_resp(ssl, copy, static_cast<long>(der.size()));
  return SSL_TLSEXT_ERR_OK;
}

// Moves the connection to the context of the certificate its server name selects. Called for
// every ClientHello, with or without SNI. SSL_set_SSL_CTX swaps the certificate and the
// context pointer but leaves the connection's own copies of the verify mode, verify depth and
// options as the first context set them, so those are applied again from the new context.
int on_server_name(SSL* ssl, int* alert, void* arg) {
  const auto* sni = static_cast<const SniTable*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  SSL_CTX* chosen = sni->contexts[sni->index->find(name != nullptr ? name : "")].get();
  if (SSL_set_SSL_CTX(ssl, chosen) != chosen) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  SSL_set_verify(ssl, SSL_CTX_get_verify_mode(chosen), SSL_CTX_get_verify_callback(chosen));
  SSL_set_verify_depth(ssl, SSL_CTX_get_verify_depth(chosen));
  SSL_clear_options(ssl, SSL_get_options(ssl) & ~SSL_CTX_get_options(chosen));
  SSL_set_options(ssl, SSL_CTX_get_options(chosen));
  return SSL_TLSEXT_ERR_OK;
}

std::string setting_error(std::string_view key, const std::string& value) {
  return "'" + std::string(key) + "' = \"" + value + "\" is not usable (" + take_openssl_reasons() +
         ")";
}

std::string set_protocols(SSL_CTX* context, const Config& config) {
  const int min = config.min_version == Config::Version::tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION;
  if (SSL_CTX_set_min_proto_version(context, min) != 1 ||
      SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION) != 1) {
    return "cannot set the TLS versions (" + take_openssl_reasons() + ")";
  }
  // The TLS 1.2 list matters only when 1.2 may be negotiated (validation insists on it then).
  if (!config.ciphers.empty() && SSL_CTX_set_cipher_list(context, config.ciphers.c_str()) != 1) {
    return setting_error("ciphers", config.ciphers);
  }
  if (SSL_CTX_set_ciphersuites(context, config.ciphersuites.c_str()) != 1) {
    return setting_error("ciphersuites", config.ciphersuites);
  }
  if (SSL_CTX_set1_groups_list(context, config.groups.c_str()) != 1) {
    return setting_error("groups", config.groups);
  }
  return "";
}

std::string set_client_auth(SSL_CTX* context, const CommonSettings& settings) {
  const Config& config = *settings.config;
  int mode = SSL_VERIFY_NONE;
  if (config.client_auth == Config::ClientAuth::optional) mode = SSL_VERIFY_PEER;
  if (config.client_auth == Config::ClientAuth::require) {
    mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  }
  SSL_CTX_set_verify(context, mode, nullptr);
  SSL_CTX_set_verify_depth(context, static_cast<int>(config.client_verify_depth));
  if (mode == SSL_VERIFY_NONE) return "";
  X509_STORE* store = SSL_CTX_get_cert_store(context);
  for (const X509Ptr& ca : settings.client_cas) {
    // The store verifies; the CA list tells the client which certificates to offer.
    if (X509_STORE_add_cert(store, ca.get()) != 1 ||
        SSL_CTX_add_client_CA(context, ca.get()) != 1) {
      return config.client_ca_file + ": CA certificate refused (" + take_openssl_reasons() + ")";
    }
  }
  return "";
}

}  // namespace

std::vector<unsigned char> alpn_wire(const std::vector<std::string>& protocols,
                                     std::string& error) {
  std::vector<unsigned char> wire;
  for (const std::string& protocol : protocols) {
    if (protocol.empty() || protocol.size() > 255) {
      error = "ALPN protocol '" + protocol + "' must be 1 to 255 bytes";
      return {};
    }
    wire.push_back(static_cast<unsigned char>(protocol.size()));
    wire.insert(wire.end(), protocol.begin(), protocol.end());
  }
  return wire;
}

std::string configure_common(SSL_CTX* context, const CommonSettings& settings, OcspStaple staple,
                             std::shared_ptr<const SniTable> sni) {
  ERR_clear_error();
  const Config& config = *settings.config;
  if (std::string error = set_protocols(context, config); !error.empty()) return error;
  const bool tickets = settings.ticket_keys != nullptr;
  // IGNORE_UNEXPECTED_EOF: a client that closes without close_notify ends the stream like one
  // that sends it (HTTP's framing tells a whole message from a cut one). Set on every context:
  // the servername callback copies the chosen context's options over the connection's.
  SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                                   SSL_OP_IGNORE_UNEXPECTED_EOF | (tickets ? 0 : SSL_OP_NO_TICKET));
  // Tickets only: a session cache would be state shared (and locked) across workers.
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(context, tickets ? 1 : 0);
  // A ticket is good for two key rotations (its key decrypts that long); OpenSSL's own session
  // lifetime (2 h by default) would cut that short. TLS 1.3 caps a ticket's lifetime at 7 days.
  const auto rotation =
      std::chrono::duration_cast<std::chrono::seconds>(config.ticket_key_rotation);
  SSL_CTX_set_timeout(
      context, static_cast<long>(std::clamp<std::int64_t>(2 * rotation.count(), 1, 7 * 24 * 3600)));
  SSL_CTX_set_mode(context, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                                SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_dh_auto(context, 1);
  SSL_CTX_set_session_id_context(context, settings.session_id_context.data(),
                                 settings.session_id_context.size());
  if (std::string error = set_client_auth(context, settings); !error.empty()) return error;

  auto state = std::make_unique<ContextState>();
  state->alpn = settings.alpn;
  state->ticket_keys = settings.ticket_keys;
  state->staple = std::move(staple);
  state->sni = std::move(sni);
  ContextState* callbacks_arg = state.get();
  if (SSL_CTX_set_ex_data(context, state_index(), callbacks_arg) != 1) {
    return "cannot attach state to an SSL_CTX (" + take_openssl_reasons() + ")";
  }
  state.release();  // owned by the context now; free_state deletes it

  if (tickets) SSL_CTX_set_tlsext_ticket_key_evp_cb(context, &on_ticket_key);
  if (!callbacks_arg->alpn.empty()) SSL_CTX_set_alpn_select_cb(context, &on_alpn, callbacks_arg);
  SSL_CTX_set_tlsext_status_cb(context, &on_status_request);
  SSL_CTX_set_tlsext_status_arg(context, callbacks_arg);
  if (callbacks_arg->sni != nullptr) {
    SSL_CTX_set_tlsext_servername_callback(context, &on_server_name);
    SSL_CTX_set_tlsext_servername_arg(context, const_cast<SniTable*>(callbacks_arg->sni.get()));
  }
  return "";
}

}  // namespace apigw::tls
