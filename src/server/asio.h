// The Asio vocabulary of the I/O layer, in one place. Completion token: as_tuple(use_awaitable),
// so a closed connection is an error code to look at, not an exception (DESIGN.md §6).
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace apigw::server {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
template <typename T = void>
using awaitable = net::awaitable<T>;

inline constexpr auto use_nothrow = net::as_tuple(net::use_awaitable);

}  // namespace apigw::server
