#include "app/echo_server.h"

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>

#include "http/error_body.h"
#include "http/parser.h"
#include "proxy/cluster.h"
#include "server/asio.h"

namespace apigw::app {
namespace {

using namespace server;

struct EchoOptions {
  std::string listen;
  std::string name = "echo";
  std::string record_path;
  std::uint64_t delay_ms = 0;  // added to every response: a slow backend
  // After this many requests on a connection, close it right after the response without saying
  // so (no Connection: close), as a backend whose keep-alive limit or idle timeout hit does. 0:
  // never.
  std::uint64_t close_after = 0;
};

// Per-process state of the echo server (single-threaded).
struct EchoState {
  EchoOptions options;
  std::ofstream record;
  std::uint64_t connections = 0;
};

std::uint64_t parse_number(std::string_view text) {
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') break;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

std::string json_headers(const http::RequestHead& head) {
  std::string out = "{";
  bool first = true;
  for (const auto& header : head.headers) {
    if (!first) out.append(",");
    first = false;
    out.append("\"");
    std::string lower(header.name);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    http::append_json_escaped(out, lower);
    out.append("\":\"");
    http::append_json_escaped(out, header.value);
    out.append("\"");
  }
  return out + "}";
}

// Reads the request body; keeps it when `keep` (for /echo), else only counts and hashes it.
awaitable<bool> read_body(tcp_socket& socket, std::string& buffer, std::size_t& filled,
                          const http::RequestHead& head, bool keep, std::string& body,
                          std::uint64_t& body_bytes, std::uint64_t& checksum) {
  body_bytes = 0;
  checksum = 14695981039346656037ull;  // FNV-1a 64 offset basis
  http::ChunkedScanner scanner;
  std::uint64_t remaining =
      head.framing == http::BodyFraming::content_length ? head.content_length : 0;
  std::string payload;
  for (;;) {
    std::size_t take = 0;
    bool done = false;
    payload.clear();
    if (head.framing == http::BodyFraming::content_length) {
      take = std::min<std::uint64_t>(filled, remaining);
      remaining -= take;
      done = remaining == 0;
      payload.assign(buffer.data(), take);
    } else if (head.framing == http::BodyFraming::chunked) {
      const auto step = scanner.scan({buffer.data(), filled}, &payload);
      if (step.error) co_return false;
      take = step.consumed;
      done = step.done;
    } else {
      done = true;
    }
    for (const char c : payload) {
      checksum = (checksum ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    }
    body_bytes += payload.size();
    if (keep) body += payload;
    buffer.erase(0, take);
    filled -= take;
    buffer.resize(std::max<std::size_t>(buffer.size(), 64 * 1024));
    if (done) co_return true;
    auto [ec, n] = co_await socket.async_read_some(
        net::buffer(buffer.data() + filled, buffer.size() - filled), use_nothrow);
    if (ec) co_return false;
    filled += n;
  }
}

awaitable<void> write_bytes(tcp_socket& socket, std::uint64_t count, bool chunked,
                            std::string_view head) {
  auto [ec0, n0] = co_await net::async_write(socket, net::buffer(head), use_nothrow);
  if (ec0) co_return;
  std::string block(64 * 1024, 'x');
  for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>('a' + i % 26);
  while (count > 0) {
    const std::size_t part = std::min<std::uint64_t>(count, block.size());
    std::string framed;
    if (chunked) {
      char size_line[32];
      std::snprintf(size_line, sizeof size_line, "%zx\r\n", part);
      framed = size_line;
    }
    std::array<net::const_buffer, 3> pieces{net::buffer(framed), net::buffer(block.data(), part),
                                            net::buffer(chunked ? "\r\n" : "", chunked ? 2 : 0)};
    auto [ec, n] = co_await net::async_write(socket, pieces, use_nothrow);
    if (ec) co_return;
    count -= part;
  }
  if (chunked) co_await net::async_write(socket, net::buffer("0\r\n\r\n", 5), use_nothrow);
}

awaitable<void> serve_connection(EchoState& state, tcp_socket socket) {
  const std::uint64_t connection_id = ++state.connections;
  std::uint64_t requests_on_connection = 0;
  std::string buffer(64 * 1024, '\0');
  std::size_t filled = 0;
  http::RequestHead head;
  steady_timer delay(socket.get_executor());
  for (;;) {
    http::ParseResult result;
    while ((result = http::parse_request_head({buffer.data(), filled}, {}, head)).status ==
           http::ParseStatus::incomplete) {
      auto [ec, n] = co_await socket.async_read_some(
          net::buffer(buffer.data() + filled, buffer.size() - filled), use_nothrow);
      if (ec) co_return;
      filled += n;
    }
    if (result.status == http::ParseStatus::error) {
      std::string body;
      http::append_error_body(body, result.error.status, result.error.code, result.error.message,
                              "");
      std::string out = "HTTP/1.1 " + std::to_string(result.error.status) + " " +
                        std::string(http::reason_phrase(result.error.status)) +
                        "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) +
                        "\r\n\r\n" + body;
      co_await net::async_write(socket, net::buffer(out), use_nothrow);
      co_return;
    }
    ++requests_on_connection;
    const std::string method(head.method_text);
    const std::string target(head.target);
    const std::string path(head.path);
    const std::string query(head.query);
    const std::string headers_json = json_headers(head);
    const bool keep_alive = head.keep_alive;
    const bool head_request = head.method == http::Method::head;
    // Copied now: the head's views die when its bytes leave the buffer below.
    const std::string sent_type(http::find_header(head.headers, "content-type"));
    if (state.record.is_open()) {
      state.record << method << ' ' << target << '\n' << std::flush;
    }
    buffer.erase(0, head.head_bytes);
    filled -= head.head_bytes;
    buffer.resize(64 * 1024);

    const bool echo_body = path == "/echo";
    std::string body;
    std::uint64_t body_bytes = 0, checksum = 0;
    if (!co_await read_body(socket, buffer, filled, head, echo_body, body, body_bytes, checksum))
      co_return;

    int status = 200;
    std::string content_type = "application/json";
    std::string response_body;
    std::string extra =
        "X-Echo-Server: " + state.options.name +
        "\r\nX-Echo-Connection: " + std::to_string(connection_id) +
        "\r\nX-Echo-Connection-Requests: " + std::to_string(requests_on_connection) + "\r\n";
    std::uint64_t delay_ms = state.options.delay_ms;
    if (path.rfind("/delay/", 0) == 0) delay_ms += parse_number(path.substr(7));
    if (delay_ms > 0) {
      delay.expires_after(std::chrono::milliseconds(delay_ms));
      co_await delay.async_wait(use_nothrow);
    }
    if (path.rfind("/status/", 0) == 0) {
      status = static_cast<int>(parse_number(path.substr(8)));
      if (status < 100 || status > 599) status = 400;  // "/status/abc": not a status code
    }
    if (path.rfind("/bytes/", 0) == 0) {
      const std::uint64_t count = parse_number(path.substr(7));
      const bool chunked = ("&" + query + "&").find("&chunked=1&") != std::string::npos;
      std::string out = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n" + extra;
      out += chunked ? "Transfer-Encoding: chunked\r\n"
                     : "Content-Length: " + std::to_string(count) + "\r\n";
      if (!keep_alive) out += "Connection: close\r\n";
      out += "\r\n";
      if (head_request) {
        co_await net::async_write(socket, net::buffer(out), use_nothrow);
      } else {
        co_await write_bytes(socket, count, chunked, out);
      }
      if (!keep_alive) co_return;
      continue;
    }
    if (path == "/close") {
      // A response delimited by closing the connection (no Content-Length, no chunking).
      std::string out = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" + extra +
                        "Connection: close\r\n\r\n" + (head_request ? "" : "body until close\n");
      co_await net::async_write(socket, net::buffer(out), use_nothrow);
      co_return;
    }
    if (echo_body) {
      content_type = sent_type.empty() ? "application/octet-stream" : sent_type;
      response_body = std::move(body);
    } else {
      response_body = "{\"server\":\"";
      http::append_json_escaped(response_body, state.options.name);
      response_body += "\",\"method\":\"" + method + "\",\"path\":\"";
      http::append_json_escaped(response_body, target);
      response_body += "\",\"headers\":" + headers_json +
                       ",\"body_bytes\":" + std::to_string(body_bytes) + ",\"body_fnv1a\":\"" +
                       std::to_string(checksum) + "\"}\n";
    }
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " +
                      std::string(http::reason_phrase(status)) +
                      "\r\nContent-Type: " + content_type + "\r\n" + extra;
    const bool bodyless_status = status == 204 || status == 304 || (status >= 100 && status < 200);
    if (!bodyless_status) out += "Content-Length: " + std::to_string(response_body.size()) + "\r\n";
    if (!keep_alive) out += "Connection: close\r\n";
    out += "\r\n";
    if (!bodyless_status && head.method != http::Method::head) out += response_body;
    auto [ec, n] = co_await net::async_write(socket, net::buffer(out), use_nothrow);
    if (ec || !keep_alive) co_return;
    if (state.options.close_after != 0 && requests_on_connection >= state.options.close_after)
      co_return;
  }
}

awaitable<void> accept_loop(EchoState& state, tcp_acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(use_nothrow);
    if (ec) co_return;
    socket.set_option(tcp::no_delay(true), ec);
    net::co_spawn(acceptor.get_executor(), serve_connection(state, std::move(socket)),
                  net::detached);
  }
}

}  // namespace

int echo_server_command(const std::vector<std::string>& args) {
  EchoState state;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    if (args[i] == "--listen" && has_value) {
      state.options.listen = args[++i];
    } else if (args[i] == "--name" && has_value) {
      state.options.name = args[++i];
    } else if (args[i] == "--record" && has_value) {
      state.options.record_path = args[++i];
    } else if (args[i] == "--delay" && has_value) {
      state.options.delay_ms = parse_number(args[++i]);
    } else if (args[i] == "--close-after" && has_value) {
      state.options.close_after = parse_number(args[++i]);
    } else {
      std::fprintf(stderr, "apigw echo-server: unknown option '%s'\n", args[i].c_str());
      return 2;
    }
  }
  tcp::endpoint endpoint;
  if (!proxy::parse_listen_address(state.options.listen, endpoint)) {
    std::fprintf(stderr, "apigw echo-server: --listen HOST:PORT is required\n");
    return 2;
  }
  if (!state.options.record_path.empty()) {
    state.record.open(state.options.record_path, std::ios::app);
    if (!state.record.is_open()) {
      std::fprintf(stderr, "apigw echo-server: cannot open --record file %s\n",
                   state.options.record_path.c_str());
      return 2;
    }
  }
  std::signal(SIGPIPE, SIG_IGN);
  net::io_context context(1);
  tcp_acceptor acceptor(context);
  try {
    acceptor.open(endpoint.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(1024);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "apigw echo-server: cannot listen on %s: %s\n",
                 state.options.listen.c_str(), error.what());
    return 1;
  }
  net::signal_set signals(context, SIGTERM, SIGINT);
  signals.async_wait([&](error_code, int) { context.stop(); });
  net::co_spawn(context, accept_loop(state, acceptor), net::detached);
  std::fprintf(stderr, "echo-server '%s' listening on %s\n", state.options.name.c_str(),
               state.options.listen.c_str());
  context.run();
  return 0;
}

}  // namespace apigw::app
