#include "store/http/connector.h"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/this_coro.hpp>
#include <vector>

namespace apigw::store::http {

awaitable<Result<std::unique_ptr<ClientConnection>>> open_connection(const Url& url,
                                                                     net::ssl::context* tls_context,
                                                                     RequestWatchdog& watchdog) {
  const executor executor = co_await net::this_coro::executor;
  const std::string origin =
      url.authority() + (url.default_port ? ":" + std::to_string(url.port) : "");

  std::vector<tcp::endpoint> endpoints;
  if (url.host_is_ip) {
    endpoints.emplace_back(net::ip::make_address(url.host), url.port);
  } else {
    tcp_resolver resolver(executor);
    watchdog.watch(&resolver);
    auto [ec, results] = co_await resolver.async_resolve(
        url.host, std::to_string(url.port), tcp_resolver::numeric_service, use_nothrow);
    watchdog.watch(static_cast<tcp_resolver*>(nullptr));
    if (watchdog.stopped()) co_return *watchdog.stopped();
    if (ec) co_return HttpError{ErrorKind::dns, "resolve " + url.host + ": " + ec.message()};
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
    if (endpoints.empty()) {
      co_return HttpError{ErrorKind::dns, "resolve " + url.host + ": no address"};
    }
  }

  auto connection = std::make_unique<ClientConnection>(tcp_socket(executor));
  watchdog.watch(connection.get());
  error_code ec;
  for (const auto& endpoint : endpoints) {
    ec = co_await connection->connect(endpoint);
    if (watchdog.stopped()) co_return *watchdog.stopped();
    if (!ec) break;
  }
  if (ec) co_return HttpError{ErrorKind::connect, "connect " + origin + ": " + ec.message()};

  if (tls_context != nullptr) {
    if (auto started = connection->start_tls(*tls_context, url); !started) {
      co_return started.error();
    }
    ec = co_await connection->handshake();
    if (watchdog.stopped()) co_return *watchdog.stopped();
    if (ec) {
      std::string message = "TLS handshake with " + origin + ": " + ec.message();
      if (const std::string reason = connection->verify_failure(); !reason.empty()) {
        message += " (" + reason + ")";
      }
      co_return HttpError{ErrorKind::tls, std::move(message)};
    }
  }
  co_return std::move(connection);
}

}  // namespace apigw::store::http
