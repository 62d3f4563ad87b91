// The one place that configures a listener's SSL_CTX objects. Every context of a listener goes
// through configure_common with the same settings, because after SSL_set_SSL_CTX OpenSSL reads
// some settings from the context a connection started with and others from the one it switched
// to; when they are all equal, which one it reads never matters.
#pragma once

#include <openssl/ssl.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "config/schema.h"
#include "tls/cert_index.h"
#include "tls/ocsp_staple.h"
#include "tls/openssl_ptr.h"
#include "tls/ticket_keys.h"

namespace apigw::tls {

// What every context of one listener shares.
struct CommonSettings {
  const config::ListenerTlsConfig* config = nullptr;
  std::vector<unsigned char> alpn;             // protocol-list wire format, server preference first
  std::shared_ptr<TicketKeyRing> ticket_keys;  // null: tickets off (SSL_OP_NO_TICKET)
  std::vector<X509Ptr> client_cas;             // client_ca_file, when client_auth != none
  // Ties sessions (tickets) to the client-auth settings they were made under, so a ticket from
  // a listener without client certificates never resumes on one that requires them.
  std::array<unsigned char, 32> session_id_context{};
};

// The servername callback's view of the listener: name -> certificate context.
struct SniTable {
  std::shared_ptr<const CertIndex> index;
  std::vector<SslCtxPtr> contexts;  // by certificate entry
};

// Protocol names in ALPN wire format; "" in `error` unless a name is empty or over 255 bytes.
std::vector<unsigned char> alpn_wire(const std::vector<std::string>& protocols, std::string& error);

// Applies the listener's settings to `context` and attaches what its callbacks read (owned by
// the context through ex_data, freed with it): the ticket keys, the ALPN list, `staple` and, for
// the context connections start from, `sni`. Returns "" or an error naming the setting.
std::string configure_common(SSL_CTX* context, const CommonSettings& settings, OcspStaple staple,
                             std::shared_ptr<const SniTable> sni);

}  // namespace apigw::tls
