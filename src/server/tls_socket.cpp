#include "server/tls_socket.h"

#include <openssl/err.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace apigw::server {
namespace {

// A response head and a small body go out as one TLS record (one write(2) and one MAC) when
// together they fit in a record: they are copied into this staging buffer first. One per thread:
// the copy is remade from the caller's buffers on every call, so nothing in it outlives a call.
constexpr std::size_t kRecordPayload = 16 * 1024;
thread_local char staging[kRecordPayload];

}  // namespace

error_code tls_error(int ssl_error) {
  switch (ssl_error) {
    case SSL_ERROR_ZERO_RETURN:
      return net::error::eof;
    case SSL_ERROR_SYSCALL:
      if (errno != 0 && errno != EAGAIN) return error_code(errno, boost::system::system_category());
      return net::error::eof;
    default:
      return boost::system::errc::make_error_code(boost::system::errc::protocol_error);
  }
}

TlsSocket::TlsSocket(SSL* ssl, tcp_socket& socket, std::shared_ptr<const void> keep_alive,
                     TlsRole role)
    : ssl_(ssl), socket_(&socket), keep_alive_(std::move(keep_alive)) {
  SSL_set_fd(ssl_, socket.native_handle());
  // Without a role SSL_do_handshake fails: "connection type not set".
  if (role == TlsRole::server) {
    SSL_set_accept_state(ssl_);
  } else {
    SSL_set_connect_state(ssl_);
  }
  SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                         SSL_MODE_RELEASE_BUFFERS);
  // A peer that closes without close_notify ends the stream like one that sends it: HTTP's own
  // framing tells a whole message from a cut one.
  SSL_set_options(ssl_, SSL_OP_IGNORE_UNEXPECTED_EOF);
  // Read whole records, and what follows them, in one read(2) rather than a header read and a
  // body read per record (has_buffered_input() covers what this keeps).
  SSL_set_read_ahead(ssl_, 1);
}

TlsSocket::~TlsSocket() { SSL_free(ssl_); }

TlsStep TlsSocket::step_after(int result, error_code& ec) {
  const int error = SSL_get_error(ssl_, result);
  switch (error) {
    case SSL_ERROR_WANT_READ:
      return TlsStep::want_read;
    case SSL_ERROR_WANT_WRITE:
      return TlsStep::want_write;
    default:
      ec = tls_error(error);
      last_error_ = ERR_peek_last_error();
      ERR_clear_error();
      // After a fatal error OpenSSL must not send close_notify (SSL_shutdown would fail anyway).
      closed_ = true;
      return TlsStep::failed;
  }
}

TlsStep TlsSocket::handshake(int& error) {
  if (!usable()) {
    error = SSL_ERROR_SYSCALL;
    errno = EBADF;
    return TlsStep::failed;
  }
  ERR_clear_error();
  const int result = SSL_do_handshake(ssl_);
  if (result == 1) return TlsStep::done;
  error = SSL_get_error(ssl_, result);
  if (error == SSL_ERROR_WANT_READ) return TlsStep::want_read;
  if (error == SSL_ERROR_WANT_WRITE) return TlsStep::want_write;
  closed_ = true;
  return TlsStep::failed;
}

TlsStep TlsSocket::read(net::mutable_buffer buffer, std::size_t& n, error_code& ec) {
  n = 0;
  if (!usable()) {
    ec = net::error::bad_descriptor;
    return TlsStep::failed;
  }
  ERR_clear_error();
  if (SSL_read_ex(ssl_, buffer.data(), buffer.size(), &n) == 1) return TlsStep::done;
  return step_after(0, ec);
}

ReadNow TlsSocket::read_now(ByteBuffer& buffer) {
  std::size_t n = 0;
  error_code ec;
  switch (read(net::buffer(buffer.write_position(), buffer.writable()), n, ec)) {
    case TlsStep::done:
      buffer.commit(n);
      return ReadNow::read;
    case TlsStep::want_read:
    case TlsStep::want_write:
      return ReadNow::nothing;
    case TlsStep::failed:
      break;
  }
  return ReadNow::failed;
}

ImmediateWrite TlsSocket::write_now(net::const_buffer first, net::const_buffer second,
                                    std::size_t written) {
  ImmediateWrite result;
  result.written = written;
  if (!usable() || write_shut_) {
    result.ec = net::error::bad_descriptor;
    result.done = true;
    return result;
  }
  const std::size_t total = first.size() + second.size();
  while (result.written < total) {
    const char* data;
    std::size_t size;
    if (result.written < first.size()) {
      const std::size_t rest_of_first = first.size() - result.written;
      data = static_cast<const char*>(first.data()) + result.written;
      size = rest_of_first;
      if (second.size() > 0 && rest_of_first + second.size() <= kRecordPayload) {
        std::memcpy(staging, data, rest_of_first);
        std::memcpy(staging + rest_of_first, second.data(), second.size());
        data = staging;
        size = rest_of_first + second.size();
      }
    } else {
      const std::size_t into_second = result.written - first.size();
      data = static_cast<const char*>(second.data()) + into_second;
      size = second.size() - into_second;
    }
    ERR_clear_error();
    std::size_t n = 0;
    if (SSL_write_ex(ssl_, data, size, &n) == 1) {
      result.written += n;
      continue;
    }
    const TlsStep step = step_after(0, result.ec);
    if (step == TlsStep::failed) {
      result.done = true;
      return result;
    }
    write_waits_for_ = step;
    return result;
  }
  result.done = true;
  return result;
}

void TlsSocket::send_close_notify() {
  if (!usable() || write_shut_) return;
  // Only the write side ends: what the peer still sends (its close_notify, a WebSocket peer's
  // close frame, a lingering close's leftovers) stays readable.
  write_shut_ = true;
  ERR_clear_error();
  // Non-blocking: one try; a close_notify the socket cannot take now is not worth waiting for.
  SSL_shutdown(ssl_);
  ERR_clear_error();
}

}  // namespace apigw::server
