// Writing to a socket without a needless trip through the scheduler.
//
// net::async_write completes through the io_context's queue even when the kernel took every byte
// at once, which is nearly always the case for a response head and a small body. Under load that
// queue holds every other ready connection, so each such write adds a full round of the queue to
// the request's latency (it showed as a P99 twice NGINX's at 1000 connections). write_all first
// writes what the socket takes now — the socket is in non-blocking mode — and only waits for the
// rest.
#pragma once

#include <tuple>

#include "server/asio.h"

namespace apigw::server {

// Writes `first` then `second` entirely, or fails. Returns the error (none on success) and the
// bytes written.
awaitable<std::tuple<error_code, std::size_t>> write_all(tcp_socket& socket,
                                                         net::const_buffer first,
                                                         net::const_buffer second = {});

// write_all in two steps, for the two writes every proxied request makes (request head upstream,
// response head to the client): calling a coroutine costs a frame and a trip through Asio's
// awaitable machinery even when it finishes at once, as these writes nearly always do.
//   ImmediateWrite now = write_now(socket, a, b);
//   if (!now.done) { auto [ec, n] = co_await write_rest(socket, a, b, now.written); ... }
struct ImmediateWrite {
  error_code ec;
  std::size_t written = 0;
  bool done = false;  // all written, or failed; otherwise write_rest() finishes it
};
ImmediateWrite write_now(tcp_socket& socket, net::const_buffer first, net::const_buffer second);
awaitable<std::tuple<error_code, std::size_t>> write_rest(tcp_socket& socket,
                                                          net::const_buffer first,
                                                          net::const_buffer second,
                                                          std::size_t written);

}  // namespace apigw::server
