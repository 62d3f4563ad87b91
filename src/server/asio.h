// The Asio vocabulary of the I/O layer, in one place. Completion token: as_tuple(use_awaitable),
// so a closed connection is an error code to look at, not an exception (DESIGN.md §6).
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>

namespace apigw::server {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

// Every coroutine, socket and timer runs on an io_context; naming its executor type instead of
// the type-erased any_io_executor spares each completion a virtual dispatch and executor copies
// (docs/performance.md).
using executor = net::io_context::executor_type;
template <typename T = void>
using awaitable = net::awaitable<T, executor>;
inline constexpr net::use_awaitable_t<executor> use_awaitable{};
inline constexpr auto use_nothrow = net::as_tuple(use_awaitable);
using tcp_socket = net::basic_stream_socket<tcp, executor>;
using tcp_acceptor = net::basic_socket_acceptor<tcp, executor>;
using steady_timer =
    net::basic_waitable_timer<std::chrono::steady_clock,
                              net::wait_traits<std::chrono::steady_clock>, executor>;

}  // namespace apigw::server
