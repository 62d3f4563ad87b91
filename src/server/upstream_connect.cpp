#include "server/upstream_connect.h"

#include <boost/asio/connect.hpp>

namespace apigw::server {

awaitable<ConnectStatus> start_upstream_tls(
    Transport& transport, const std::shared_ptr<const tls::UpstreamContext>& context,
    const proxy::Target& target, tls::SessionCache* sessions, UpstreamTlsFailure& failure,
    UpstreamAlpn alpn) {
  if (context->context() == nullptr) {
    failure.reason = context->error();
    co_return ConnectStatus::tls_failed;
  }
  tls::SslPtr ssl = context->new_connection(target.host, sessions);
  if (ssl == nullptr) {
    failure.reason = "cannot set up the connection (" + tls::take_openssl_reasons() + ")";
    co_return ConnectStatus::tls_failed;
  }
  SSL* handle = ssl.get();
  static constexpr unsigned char kAlpnH2[] = {2, 'h', '2'};
  // SSL_set_alpn_protos returns 0 on success.
  if (alpn == UpstreamAlpn::h2 && SSL_set_alpn_protos(handle, kAlpnH2, sizeof kAlpnH2) != 0) {
    failure.reason = "cannot offer h2 by ALPN";
    co_return ConnectStatus::tls_failed;
  }
  transport.use_tls(
      std::make_unique<TlsSocket>(ssl.release(), transport.socket(), context, TlsRole::client));
  for (;;) {
    int error = 0;
    const TlsStep step = transport.tls()->handshake(error);
    if (step == TlsStep::done) {
      if (alpn == UpstreamAlpn::h2) {
        const unsigned char* chosen = nullptr;
        unsigned int length = 0;
        SSL_get0_alpn_selected(handle, &chosen, &length);
        if (std::string_view(reinterpret_cast<const char*>(chosen), chosen ? length : 0) != "h2") {
          failure.reason = "the target did not choose h2 by ALPN (protocol = \"h2\")";
          co_return ConnectStatus::tls_failed;
        }
      }
      co_return ConnectStatus::ok;
    }
    if (step == TlsStep::failed) {
      // A deadline or a shutdown closed the socket under the handshake: not the target's fault.
      if (!transport.socket().is_open()) co_return ConnectStatus::failed;
      failure.reason = tls::describe_client_handshake_failure(handle, error, failure.verify_failed);
      co_return ConnectStatus::tls_failed;
    }
    auto [ec] = co_await transport.socket().async_wait(
        step == TlsStep::want_read ? tcp_socket::wait_read : tcp_socket::wait_write, use_nothrow);
    if (ec) co_return ConnectStatus::failed;
  }
}

awaitable<ConnectStatus> connect_upstream(
    Transport& transport, const proxy::Target& target,
    const std::shared_ptr<const tls::UpstreamContext>& context, tls::SessionCache* sessions,
    UpstreamTlsFailure& failure, UpstreamAlpn alpn) {
  if (context != nullptr && context->context() == nullptr) {
    failure.reason = context->error();  // connecting would only bother the target
    co_return ConnectStatus::tls_failed;
  }
  auto [ec, endpoint] =
      co_await net::async_connect(transport.socket(), target.endpoints, use_nothrow);
  if (ec) co_return ConnectStatus::failed;
  error_code ignored;
  transport.socket().set_option(tcp::no_delay(true), ignored);
  transport.socket().non_blocking(true, ignored);  // OpenSSL and write_now write on the spot
  if (context == nullptr) co_return ConnectStatus::ok;
  co_return co_await start_upstream_tls(transport, context, target, sessions, failure, alpn);
}

std::string describe_tls_failure(std::string_view upstream, const proxy::Target& target,
                                 const tls::UpstreamContext& context,
                                 const UpstreamTlsFailure& failure) {
  std::string line = "upstream '" + std::string(upstream) + "' target " + target.address + ": ";
  if (context.context() == nullptr) {
    return line + "TLS context unusable: " + failure.reason;
  }
  line += failure.verify_failed ? "TLS verification failed: " : "TLS handshake failed: ";
  line += failure.reason;
  line += "; expected name ";
  line += context.expected_name(target.host);
  return line;
}

}  // namespace apigw::server
