#include "server/write_all.h"

#include <array>

namespace apigw::server {

awaitable<std::tuple<error_code, std::size_t>> write_all(tcp_socket& socket,
                                                         net::const_buffer first,
                                                         net::const_buffer second) {
  const std::size_t total = first.size() + second.size();
  error_code ec;
  std::size_t written = 0;
  if (socket.non_blocking()) {
    written = socket.write_some(std::array<net::const_buffer, 2>{first, second}, ec);
    if (ec == net::error::would_block || ec == net::error::try_again) ec = {};
    if (ec || written == total) co_return std::tuple{ec, written};
  }
  // What the kernel did not take now: skip the written bytes, then wait for the rest.
  const std::size_t from_first = std::min(written, first.size());
  const std::array<net::const_buffer, 2> rest{first + from_first, second + (written - from_first)};
  auto [async_ec, more] = co_await net::async_write(socket, rest, use_nothrow);
  co_return std::tuple{async_ec, written + more};
}

}  // namespace apigw::server
