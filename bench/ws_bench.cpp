// The WebSocket peers of bench/websocket.sh, on Boost.Beast (one thread each, so that the machine's
// second core is shared between them predictably while the proxy has the first):
//   ws_bench serve PORT                      an echo backend
//   ws_bench hold PORT COUNT READY_FILE      COUNT idle connections through the proxy on PORT;
//                                            READY_FILE is written once all are open; runs until
//                                            killed
//   ws_bench load PORT CONNECTIONS SECONDS SIZE
//                                            CONNECTIONS connections that each send a SIZE-byte
//                                            binary message and wait for its echo, again and
//                                            again for SECONDS; prints
//                                            "messages N seconds S p50_us A p99_us B errors E"
// Bench code, not part of the gateway.
#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using Stream = websocket::stream<tcp::socket>;

namespace {

net::awaitable<void> echo(tcp::socket socket) {
  Stream ws(std::move(socket));
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  auto [accept_ec] = co_await ws.async_accept(net::as_tuple(net::use_awaitable));
  if (accept_ec) co_return;
  beast::flat_buffer buffer;
  for (;;) {
    auto [ec, n] = co_await ws.async_read(buffer, net::as_tuple(net::use_awaitable));
    if (ec) co_return;
    ws.binary(ws.got_binary());
    auto [write_ec, written] =
        co_await ws.async_write(buffer.data(), net::as_tuple(net::use_awaitable));
    if (write_ec) co_return;
    buffer.consume(buffer.size());
  }
}

net::awaitable<void> serve(unsigned short port) {
  auto executor = co_await net::this_coro::executor;
  tcp::acceptor acceptor(executor, {net::ip::make_address("127.0.0.1"), port});
  for (;;) {
    tcp::socket socket = co_await acceptor.async_accept(net::use_awaitable);
    socket.set_option(tcp::no_delay(true));
    net::co_spawn(executor, echo(std::move(socket)), net::detached);
  }
}

net::awaitable<std::unique_ptr<Stream>> open(unsigned short port) {
  auto executor = co_await net::this_coro::executor;
  auto ws = std::make_unique<Stream>(executor);
  co_await ws->next_layer().async_connect({net::ip::make_address("127.0.0.1"), port},
                                          net::use_awaitable);
  ws->next_layer().set_option(tcp::no_delay(true));
  co_await ws->async_handshake("127.0.0.1", "/ws", net::use_awaitable);
  co_return ws;
}

// Holds one connection: a read that never completes unless the proxy closes it.
net::awaitable<void> hold_one(unsigned short port, int& open_count, int& failed) {
  std::unique_ptr<Stream> ws;
  try {
    ws = co_await open(port);
  } catch (const std::exception&) {
    ++failed;
    co_return;
  }
  ++open_count;
  beast::flat_buffer buffer;
  co_await ws->async_read(buffer, net::as_tuple(net::use_awaitable));  // until the proxy closes
  --open_count;
}

net::awaitable<void> hold(unsigned short port, int count, std::string ready_file) {
  auto executor = co_await net::this_coro::executor;
  int open_count = 0;
  int failed = 0;
  net::steady_timer pause(executor);
  // In steps of 200 so that the proxies' accept queues never overflow.
  for (int started = 0; started < count;) {
    const int step = std::min(200, count - started);
    for (int i = 0; i < step; ++i) {
      net::co_spawn(executor, hold_one(port, open_count, failed), net::detached);
    }
    started += step;
    while (open_count + failed < started) {
      pause.expires_after(std::chrono::milliseconds(5));
      co_await pause.async_wait(net::use_awaitable);
    }
  }
  std::ofstream(ready_file) << open_count << " " << failed << "\n";
  std::cout << "open " << open_count << " failed " << failed << std::endl;
}

struct LoadTotals {
  std::uint64_t messages = 0;
  std::uint64_t errors = 0;
  std::vector<std::uint32_t> latencies_us;
};

net::awaitable<void> load_one(unsigned short port, Clock::time_point measure_from,
                              Clock::time_point until, std::size_t size, LoadTotals& totals) {
  std::unique_ptr<Stream> ws;
  try {
    ws = co_await open(port);
  } catch (const std::exception&) {
    ++totals.errors;
    co_return;
  }
  ws->binary(true);
  const std::string message(size, 'm');
  beast::flat_buffer buffer;
  while (Clock::now() < until) {
    const auto sent = Clock::now();
    auto [write_ec, written] =
        co_await ws->async_write(net::buffer(message), net::as_tuple(net::use_awaitable));
    if (write_ec) break;
    auto [read_ec, n] = co_await ws->async_read(buffer, net::as_tuple(net::use_awaitable));
    if (read_ec) break;
    buffer.consume(buffer.size());
    const auto received = Clock::now();
    if (sent >= measure_from) {
      ++totals.messages;
      totals.latencies_us.push_back(static_cast<std::uint32_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(received - sent).count()));
    }
  }
  co_await ws->async_close(websocket::close_code::normal, net::as_tuple(net::use_awaitable));
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  net::io_context context(1);
  if (mode == "serve" && argc == 3) {
    net::co_spawn(context, serve(static_cast<unsigned short>(std::stoi(argv[2]))), net::detached);
    context.run();
    return 0;
  }
  if (mode == "hold" && argc == 5) {
    net::co_spawn(context,
                  hold(static_cast<unsigned short>(std::stoi(argv[2])), std::stoi(argv[3]),
                       argv[4]),
                  net::detached);
    context.run();
    return 0;
  }
  if (mode == "load" && argc == 6) {
    const auto port = static_cast<unsigned short>(std::stoi(argv[2]));
    const int connections = std::stoi(argv[3]);
    const double seconds = std::stod(argv[4]);
    const auto size = static_cast<std::size_t>(std::stoul(argv[5]));
    // One second to open the connections and warm up, then the measured window.
    const auto measure_from = Clock::now() + std::chrono::seconds(1);
    const auto until = measure_from + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(seconds));
    LoadTotals totals;
    for (int i = 0; i < connections; ++i) {
      net::co_spawn(context, load_one(port, measure_from, until, size, totals), net::detached);
    }
    context.run();
    std::sort(totals.latencies_us.begin(), totals.latencies_us.end());
    const auto at = [&](double q) -> std::uint32_t {
      if (totals.latencies_us.empty()) return 0;
      return totals.latencies_us[std::min(totals.latencies_us.size() - 1,
                                          static_cast<std::size_t>(
                                              q * static_cast<double>(totals.latencies_us.size())))];
    };
    std::printf("messages %llu seconds %.3f p50_us %u p99_us %u errors %llu\n",
                static_cast<unsigned long long>(totals.messages), seconds, at(0.50), at(0.99),
                static_cast<unsigned long long>(totals.errors));
    return 0;
  }
  std::cerr << "usage: ws_bench serve PORT | hold PORT COUNT READY_FILE | "
               "load PORT CONNECTIONS SECONDS SIZE\n";
  return 2;
}
