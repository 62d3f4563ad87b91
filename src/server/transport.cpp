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

}  // namespace apigw::server
