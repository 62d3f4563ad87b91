#include "server/write_all.h"

#include <array>

namespace apigw::server {

ImmediateWrite write_now(tcp_socket& socket, net::const_buffer first, net::const_buffer second) {
  ImmediateWrite result;
  if (!socket.non_blocking()) return result;
  // One buffer goes out with send(2), two with sendmsg(2), whose iovec the kernel must copy in
  // and walk (a GET's head upstream, every relayed WebSocket read: the common writes).
  result.written = second.size() == 0
                       ? socket.write_some(first, result.ec)
                       : socket.write_some(std::array<net::const_buffer, 2>{first, second},
                                           result.ec);
  if (result.ec == net::error::would_block || result.ec == net::error::try_again) result.ec = {};
  result.done = result.ec || result.written == first.size() + second.size();
  return result;
}

awaitable<std::tuple<error_code, std::size_t>> write_rest(tcp_socket& socket,
                                                          net::const_buffer first,
                                                          net::const_buffer second,
                                                          std::size_t written) {
  // Skip what the kernel already took, then wait for the rest.
  const std::size_t from_first = std::min(written, first.size());
  const std::array<net::const_buffer, 2> rest{first + from_first, second + (written - from_first)};
  auto [ec, more] = co_await net::async_write(socket, rest, use_nothrow);
  co_return std::tuple{ec, written + more};
}

awaitable<std::tuple<error_code, std::size_t>> write_all(tcp_socket& socket,
                                                         net::const_buffer first,
                                                         net::const_buffer second) {
  const ImmediateWrite now = write_now(socket, first, second);
  if (now.done) co_return std::tuple{now.ec, now.written};
  co_return co_await write_rest(socket, first, second, now.written);
}

}  // namespace apigw::server
