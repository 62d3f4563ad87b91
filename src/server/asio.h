// The Asio vocabulary of the server: store/net.h's names (one definition for every I/O layer)
// plus what only the server uses (acceptors, spawning, posting).
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "store/net.h"

namespace apigw::server {

namespace net = boost::asio;
using store::awaitable;
using store::error_code;
using store::executor;
using store::steady_timer;
using store::tcp;
using store::tcp_socket;
using store::use_awaitable;
using store::use_nothrow;
using tcp_acceptor = net::basic_socket_acceptor<tcp, executor>;

}  // namespace apigw::server
