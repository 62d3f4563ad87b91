#include "server/transport.h"

namespace apigw::server {

awaitable<std::tuple<error_code, std::size_t>> Transport::tls_write_rest(net::const_buffer first,
                                                                         net::const_buffer second,
                                                                         std::size_t written) {
  for (;;) {
    const ImmediateWrite now = tls_->write_now(first, second, written);
    if (now.done) co_return std::tuple{now.ec, now.written};
    written = now.written;
    const auto wait = tls_->write_waits_for() == TlsStep::want_read ? tcp_socket::wait_read
                                                                    : tcp_socket::wait_write;
    auto [ec] = co_await socket_.async_wait(wait, use_nothrow);
    if (ec) co_return std::tuple{ec, written};
  }
}

bool Transport::shut_write_side() {
  send_close_notify();
  error_code ec;
  socket_.shutdown(tcp_socket::shutdown_send, ec);
  return !ec;
}

awaitable<void> Transport::discard_input(ByteBuffer& buffer, std::size_t limit) {
  for (std::size_t discarded = 0; discarded < limit;) {
    buffer.consume(buffer.size());
    if (buffer.writable() == 0) buffer.compact();
    auto [ec, n] = co_await async_read_some(net::buffer(buffer.write_position(), buffer.writable()),
                                            use_nothrow);
    if (ec) break;
    discarded += n;
  }
  buffer.consume(buffer.size());
}

}  // namespace apigw::server
