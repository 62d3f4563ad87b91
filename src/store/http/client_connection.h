// One outbound connection, plain TCP or TLS over it, with the bytes read past the last response.
// Owned by the request using it, or by the pool while idle. close() ends every operation pending
// on it at once (they complete with operation_aborted): that is how timeouts and cancellation
// stop a request.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "store/http/error.h"
#include "store/net.h"
#include "store/http/url.h"

namespace apigw::store::http {

class ClientConnection {
 public:
  explicit ClientConnection(tcp_socket socket) : socket_(std::move(socket)) {}
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  // Connects the (not yet TLS) socket; after a failure the socket is closed and may be connected
  // again to another address.
  awaitable<error_code> connect(const tcp::endpoint& endpoint);
  // Wraps the connected socket in TLS for `url`: SNI when the host is a name, and, when the
  // context verifies peers, the check that the certificate names the host (DNS name or IP).
  Result<void> start_tls(net::ssl::context& context, const Url& url);
  awaitable<error_code> handshake();
  // Why the last handshake's verification failed ("certificate has expired", "hostname
  // mismatch"), or empty when it did not.
  std::string verify_failure() const;

  // Writes `head` then `body` in one gathered write.
  awaitable<std::pair<error_code, std::size_t>> write(std::string_view head, std::string_view body);
  awaitable<std::pair<error_code, std::size_t>> read_some(char* data, std::size_t size);

  void close();
  bool is_open() const { return lowest_layer().is_open(); }
  bool is_tls() const { return tls_ != nullptr; }
  // While idle in the pool: the server closed the connection (or, on plain HTTP, sent bytes no
  // request asked for). A non-blocking peek, no syscall beyond it.
  bool unusable_while_idle();

  std::string input;  // received bytes not consumed yet
  std::uint64_t requests = 0;

 private:
  using TlsStream = net::ssl::stream<tcp_socket>;
  tcp_socket& lowest_layer() { return tls_ ? tls_->next_layer() : socket_; }
  const tcp_socket& lowest_layer() const { return tls_ ? tls_->next_layer() : socket_; }

  tcp_socket socket_;  // moved into tls_ by start_tls
  std::unique_ptr<TlsStream> tls_;
};

}  // namespace apigw::store::http
