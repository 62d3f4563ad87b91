// TLS on a connection's own non-blocking socket: OpenSSL reads and writes the file descriptor
// itself (SSL_set_fd), and the worker only waits for readiness when OpenSSL asks for it.
//
// Why not asio::ssl::stream: its engine owns two fixed 17 KB buffers per connection and completes
// every operation through the io_context's queue, so the plain path's read_now/write_now (a read
// or write on the spot, read_now.h and write_all.h) could not be kept for TLS. Here a TLS
// connection reads and writes exactly like a plain one, with one branch in between (transport.h),
// and OpenSSL frees its record buffers while the connection is idle (SSL_MODE_RELEASE_BUFFERS).
//
// OpenSSL's rule for non-blocking writes: a write that asked to be retried (WANT_WRITE) must be
// retried with the same bytes. write_now() is stateless over the caller's two buffers and always
// restarts from the first byte not yet reported written, so a retry presents the same bytes
// (possibly from another address: SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER).
#pragma once

#include <openssl/ssl.h>

#include <memory>

#include "server/asio.h"
#include "server/byte_buffer.h"
#include "server/read_now.h"
#include "server/write_all.h"

namespace apigw::server {

// What an OpenSSL call needs before it can go on.
enum class TlsStep : std::uint8_t { done, want_read, want_write, failed };

// Which end of the handshake this side is: a client connection accepted on a TLS listener
// (server), or a connection to an upstream with TLS (client).
enum class TlsRole : std::uint8_t { server, client };

class TlsSocket {
 public:
  // Takes ownership of `ssl` and binds it to `socket`'s descriptor. `keep_alive` holds what the
  // SSL's callbacks reach (its listener's contexts) for as long as the connection lives.
  TlsSocket(SSL* ssl, tcp_socket& socket, std::shared_ptr<const void> keep_alive,
            TlsRole role = TlsRole::server);
  TlsSocket(const TlsSocket&) = delete;
  TlsSocket& operator=(const TlsSocket&) = delete;
  ~TlsSocket();

  SSL* native_handle() const { return ssl_; }

  // One step of the handshake (of the role given at construction). failed: `error` is
  // SSL_get_error's code (for the failure's reason, read before anything else touches OpenSSL's
  // error queue).
  TlsStep handshake(int& error);
  // Decrypted bytes into the buffer's free space (which must not be empty).
  ReadNow read_now(ByteBuffer& buffer);
  TlsStep read(net::mutable_buffer buffer, std::size_t& n, error_code& ec);
  // Writes `first` then `second` from byte `written` on, as much as the socket takes now.
  ImmediateWrite write_now(net::const_buffer first, net::const_buffer second,
                           std::size_t written = 0);
  // What the last write_now() that was not done waits for (want_read or want_write).
  TlsStep write_waits_for() const { return write_waits_for_; }
  // Bytes already taken from the socket and decrypted or buffered by OpenSSL: a readiness wait
  // on the descriptor would not see them.
  bool has_buffered_input() const { return SSL_has_pending(ssl_) == 1; }
  // Sends close_notify once, without waiting: the write side ends (later writes fail), reads go
  // on until the peer's own close_notify or end of stream.
  void send_close_notify();
  // OpenSSL's error code of the last read or write that failed (0: none yet): an alert the peer
  // sent shows here (ERR_GET_REASON >= SSL_AD_REASON_OFFSET).
  unsigned long last_error() const { return last_error_; }
  // The socket is closed (or about to be): OpenSSL must not touch its descriptor again, whose
  // number the next accepted or connected socket may get. Every later call fails.
  // The socket object moved (its descriptor is the same): Transport's move.
  void rebind(tcp_socket& socket) { socket_ = &socket; }
  void detach() {
    detached_ = true;
    closed_ = true;
  }

 private:
  TlsStep step_after(int result, error_code& ec);

  // Checked before every OpenSSL call: a deadline or abort() may have closed the socket, and
  // the descriptor number OpenSSL holds may then already belong to another connection.
  bool usable() const { return !closed_ && !detached_ && socket_->is_open(); }

  SSL* ssl_;
  tcp_socket* socket_;
  std::shared_ptr<const void> keep_alive_;
  TlsStep write_waits_for_ = TlsStep::want_write;
  bool closed_ = false;
  bool write_shut_ = false;  // close_notify sent
  bool detached_ = false;
  unsigned long last_error_ = 0;
};

// The error a failed TLS operation reports to the code above it: the peer's close (with or without
// close_notify) is end of stream, anything else a protocol error.
error_code tls_error(int ssl_error);

}  // namespace apigw::server
