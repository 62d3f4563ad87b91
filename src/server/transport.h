// The bytes of one connection, a client's or an upstream's: a plain socket, or TLS on that socket
// (tls_socket.h).
//
// Everything above reads and writes through this, so HTTP/1.1 over TLS is the same request path
// as plain HTTP/1.1, on both sides of the proxy. The plain branch of each call is inline and is
// what the socket call was before; the socket itself stays reachable for what TLS does not change
// (readiness waits, cancel, close, SIOCOUTQ, MSG_PEEK: a peek only asks whether the peer is gone).
#pragma once

#include <boost/asio/compose.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <tuple>

#include "server/asio.h"
#include "server/byte_buffer.h"
#include "server/read_now.h"
#include "server/tls_socket.h"
#include "server/write_all.h"

namespace apigw::server {

class Transport {
 public:
  explicit Transport(tcp_socket socket) : socket_(std::move(socket)) {}
  // Moves the connection (an HTTP/1 connection becoming HTTP/2); no operation may be pending.
  Transport(Transport&& other) noexcept
      : socket_(std::move(other.socket_)), tls_(std::move(other.tls_)) {
    if (tls_) tls_->rebind(socket_);
  }
  Transport& operator=(Transport&&) = delete;

  tcp_socket& socket() { return socket_; }
  TlsSocket* tls() const { return tls_.get(); }
  void use_tls(std::unique_ptr<TlsSocket> tls) { tls_ = std::move(tls); }

  ReadNow read_now(ByteBuffer& buffer) {
    return tls_ ? tls_->read_now(buffer) : server::read_now(socket_, buffer);
  }
  ImmediateWrite write_now(net::const_buffer first, net::const_buffer second = {}) {
    return tls_ ? tls_->write_now(first, second) : server::write_now(socket_, first, second);
  }
  awaitable<std::tuple<error_code, std::size_t>> write_rest(net::const_buffer first,
                                                            net::const_buffer second,
                                                            std::size_t written) {
    return tls_ ? tls_write_rest(first, second, written)
                : server::write_rest(socket_, first, second, written);
  }
  awaitable<std::tuple<error_code, std::size_t>> write_all(net::const_buffer first,
                                                           net::const_buffer second = {}) {
    return tls_ ? tls_write_rest(first, second, 0) : server::write_all(socket_, first, second);
  }
  // Reads some bytes (at least one) into `buffer`. The same operation for both: a plain
  // socket's async_read_some, or a composed TLS read that waits for readiness as OpenSSL asks
  // (no coroutine frame either way).
  template <typename Token>
  auto async_read_some(net::mutable_buffer buffer, Token&& token) {
    if (!tls_) return socket_.async_read_some(buffer, std::forward<Token>(token));
    return net::async_compose<Token, void(error_code, std::size_t)>(TlsRead{*tls_, socket_, buffer},
                                                                    token, socket_);
  }
  // Writes all of `buffer`: a plain socket's net::async_write, or a composed TLS write that waits
  // for readiness as OpenSSL asks (no coroutine frame either way).
  template <typename Token>
  auto async_write(net::const_buffer buffer, Token&& token) {
    if (!tls_) return net::async_write(socket_, buffer, std::forward<Token>(token));
    return net::async_compose<Token, void(error_code, std::size_t)>(
        TlsWrite{*tls_, socket_, buffer}, token, socket_);
  }
  // Closes the socket; TLS first lets go of the descriptor, whose number the next socket may get.
  void close(error_code& ec) {
    if (tls_) tls_->detach();
    socket_.close(ec);
  }
  // Bytes a readiness wait on the socket would not see (TLS records already read).
  bool has_buffered_input() const { return tls_ && tls_->has_buffered_input(); }
  // Before a graceful close: TLS says close_notify (once, without waiting).
  void send_close_notify() {
    if (tls_) tls_->send_close_notify();
  }
  // Lingering close (NGINX's): closing with unread input makes the kernel answer RST, which can
  // destroy what was written last (an error answer, a GOAWAY) before the peer reads it. First:
  // close_notify and FIN; false if the write side could not be shut (nothing to linger for).
  bool shut_write_side();
  // Then: reads into `buffer` and drops what comes, up to `limit` bytes, until the peer closes or
  // a read fails (the caller's deadline closes the socket to end it).
  awaitable<void> discard_input(ByteBuffer& buffer, std::size_t limit);

 private:
  struct TlsRead {
    TlsSocket& tls;
    tcp_socket& socket;
    net::mutable_buffer buffer;
    bool started = false;

    template <typename Self>
    void operator()(Self& self, error_code ec = {}) {
      const bool first_call = !started;
      started = true;
      if (ec) return self.complete(ec, 0);
      std::size_t n = 0;
      switch (tls.read(buffer, n, ec)) {
        case TlsStep::want_read:
          return socket.async_wait(tcp_socket::wait_read, std::move(self));
        case TlsStep::want_write:
          return socket.async_wait(tcp_socket::wait_write, std::move(self));
        case TlsStep::done:
        case TlsStep::failed:
          break;
      }
      // Like a socket's read, never complete inside the call that started the operation.
      if (first_call) {
        return net::post(socket.get_executor(),
                         [self = std::move(self), ec, n]() mutable { self.complete(ec, n); });
      }
      self.complete(ec, n);
    }
  };

  struct TlsWrite {
    TlsSocket& tls;
    tcp_socket& socket;
    net::const_buffer buffer;
    std::size_t written = 0;
    bool started = false;

    template <typename Self>
    void operator()(Self& self, error_code ec = {}) {
      const bool first_call = !started;
      started = true;
      if (ec) return self.complete(ec, written);
      const ImmediateWrite now = tls.write_now(buffer, {}, written);
      written = now.written;
      if (!now.done) {
        return socket.async_wait(tls.write_waits_for() == TlsStep::want_read
                                     ? tcp_socket::wait_read
                                     : tcp_socket::wait_write,
                                 std::move(self));
      }
      if (first_call) {
        const std::size_t n = written;
        return net::post(socket.get_executor(), [ec = now.ec, n, self = std::move(self)]() mutable {
          self.complete(ec, n);
        });
      }
      self.complete(now.ec, written);
    }
  };

  awaitable<std::tuple<error_code, std::size_t>> tls_write_rest(net::const_buffer first,
                                                                net::const_buffer second,
                                                                std::size_t written);

  tcp_socket socket_;
  std::unique_ptr<TlsSocket> tls_;
};

}  // namespace apigw::server
