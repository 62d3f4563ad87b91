// The Asio vocabulary of the I/O layers, in one place: the io_context's own executor type (naming
// it instead of any_io_executor spares each completion a virtual dispatch, docs/performance.md),
// and as_tuple(use_awaitable), so that a closed connection is an error code to look at, not an
// exception (DESIGN.md §6). store/ is the lowest layer with Asio; server/asio.h adds the
// server's own pieces to these names.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

namespace apigw::store {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using executor = net::io_context::executor_type;
template <typename T = void>
using awaitable = net::awaitable<T, executor>;

inline constexpr net::use_awaitable_t<executor> use_awaitable{};
inline constexpr auto use_nothrow = net::as_tuple(use_awaitable);
using tcp_socket = net::basic_stream_socket<tcp, executor>;
using tcp_resolver = net::ip::basic_resolver<tcp, executor>;
using steady_timer =
    net::basic_waitable_timer<std::chrono::steady_clock,
                              net::wait_traits<std::chrono::steady_clock>, executor>;
using Clock = std::chrono::steady_clock;

}  // namespace apigw::store
