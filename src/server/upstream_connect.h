// Connecting to an upstream's target: the TCP connect and, for an upstream with `tls`, the client
// TLS handshake on the same socket (tls_socket.h in the client role). One place for the three
// that open upstream connections: the exchange (proxy_exchange.cpp, which keeps the TCP connect
// inline so that the plain path enters no extra coroutine), the mirror sender and the health
// checker. Timeouts are the caller's: its deadline closes the transport, which ends whatever is
// pending here.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "proxy/cluster.h"
#include "server/asio.h"
#include "server/transport.h"
#include "tls/upstream_context.h"

namespace apigw::server {

enum class ConnectStatus : std::uint8_t {
  ok,
  failed,      // TCP connect refused or unreachable, or the caller closed the transport
  tls_failed,  // the handshake failed: see UpstreamTlsFailure
};

// Why a handshake with a target failed.
struct UpstreamTlsFailure {
  std::string reason;          // OpenSSL's, or why the upstream's context could not be built
  bool verify_failed = false;  // the target's certificate was refused (chain, expiry or name)
};

// The protocol offered by ALPN: HTTP/1.1, or h2 only (for `protocol = "h2"` upstreams; a
// target that does not choose it fails the handshake).
enum class UpstreamAlpn : std::uint8_t { http1, h2 };

// Puts TLS on a connected, non-blocking transport and runs the client handshake: SNI, the
// certificate check against the expected name, ALPN and resumption of the session kept in
// `sessions` (may be null: no resumption), per `context`.
awaitable<ConnectStatus> start_upstream_tls(
    Transport& transport, const std::shared_ptr<const tls::UpstreamContext>& context,
    const proxy::Target& target, tls::SessionCache* sessions, UpstreamTlsFailure& failure,
    UpstreamAlpn alpn = UpstreamAlpn::http1);

// Connects to the target's addresses in order, sets TCP_NODELAY and non-blocking mode, then, when
// `context` is set, start_upstream_tls.
awaitable<ConnectStatus> connect_upstream(
    Transport& transport, const proxy::Target& target,
    const std::shared_ptr<const tls::UpstreamContext>& context, tls::SessionCache* sessions,
    UpstreamTlsFailure& failure, UpstreamAlpn alpn = UpstreamAlpn::http1);

// The log line of a failed handshake: "upstream 'orders' target 10.0.0.5:443: TLS verification
// failed: certificate has expired (X509 verify error 10); expected name api.internal".
std::string describe_tls_failure(std::string_view upstream, const proxy::Target& target,
                                 const tls::UpstreamContext& context,
                                 const UpstreamTlsFailure& failure);

}  // namespace apigw::server
