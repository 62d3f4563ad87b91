#include "store/http/client_connection.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/write.hpp>
#include <cerrno>

namespace apigw::store::http {

awaitable<error_code> ClientConnection::connect(const tcp::endpoint& endpoint) {
  auto [ec] = co_await socket_.async_connect(endpoint, use_nothrow);
  if (ec) {
    close();
    co_return ec;
  }
  // Requests go out in one write and the answer is awaited: nothing to gain from Nagle.
  error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  co_return ec;
}

Result<void> ClientConnection::start_tls(net::ssl::context& context, const Url& url) {
  tls_ = std::make_unique<TlsStream>(std::move(socket_), context);
  SSL* ssl = tls_->native_handle();
  // SNI carries names only (RFC 6066 §3); an IP literal is checked against the certificate's
  // IP SANs instead.
  if (!url.host_is_ip && SSL_set_tlsext_host_name(ssl, url.host.c_str()) != 1) {
    return HttpError{ErrorKind::tls, "cannot set SNI " + url.host};
  }
  if (SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) {
    // Checked inside OpenSSL's chain verification, so a mismatch fails the handshake with
    // X509_V_ERR_HOSTNAME_MISMATCH / X509_V_ERR_IP_ADDRESS_MISMATCH as its reason.
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int set = url.host_is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str())
                                   : X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), 0);
    if (set != 1) return HttpError{ErrorKind::tls, "cannot verify host " + url.host};
  }
  return {};
}

awaitable<error_code> ClientConnection::handshake() {
  auto [ec] = co_await tls_->async_handshake(net::ssl::stream_base::client, use_nothrow);
  co_return ec;
}

std::string ClientConnection::verify_failure() const {
  if (!tls_) return {};
  const long result = SSL_get_verify_result(tls_->native_handle());
  if (result == X509_V_OK) return {};
  return X509_verify_cert_error_string(result);
}

awaitable<std::pair<error_code, std::size_t>> ClientConnection::write(std::string_view head,
                                                                      std::string_view body) {
  const std::array<net::const_buffer, 2> buffers{net::buffer(head), net::buffer(body)};
  auto [ec, n] = tls_ ? co_await net::async_write(*tls_, buffers, use_nothrow)
                      : co_await net::async_write(socket_, buffers, use_nothrow);
  co_return std::pair{ec, n};
}

awaitable<std::pair<error_code, std::size_t>> ClientConnection::read_some(char* data,
                                                                          std::size_t size) {
  auto [ec, n] = tls_ ? co_await tls_->async_read_some(net::buffer(data, size), use_nothrow)
                      : co_await socket_.async_read_some(net::buffer(data, size), use_nothrow);
  co_return std::pair{ec, n};
}

void ClientConnection::close() {
  error_code ignored;
  lowest_layer().close(ignored);
}

bool ClientConnection::unusable_while_idle() {
  if (!is_open() || !input.empty()) return true;
  char byte;
  const auto fd = lowest_layer().native_handle();
  const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return true;                                                      // FIN: closed
  if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;  // reset
  // Bytes on an idle TLS connection may be a TLS 1.3 session ticket, read by the next request's
  // first SSL_read; a close_notify among them shows up there as end of stream, and a request
  // that gets nothing back on a reused connection is retried. On plain HTTP they are garbage.
  return !is_tls();
}

}  // namespace apigw::store::http
