#include "store/http/http_client.h"

#include <algorithm>

#include "store/http/connector.h"
#include "store/http/request_watchdog.h"
#include "store/http/request_writer.h"
#include "store/http/response_reader.h"
#include "store/http/url.h"

namespace apigw::store::http {
namespace {

// Connections are pooled per origin and TLS options: a connection verified against one CA file
// is never handed to a request that trusts another.
std::string origin_key(const Url& url, const TlsOptions& tls) {
  std::string key = (url.tls ? "https://" : "http://") + url.host + ":" + std::to_string(url.port);
  if (url.tls) key += (tls.verify ? " verify " : " noverify ") + tls.ca_file;
  return key;
}

std::string timed_out(std::string_view what, std::chrono::milliseconds after) {
  return std::string(what) + " timed out after " + std::to_string(after.count()) + " ms";
}

}  // namespace

HttpClient::HttpClient(boost::asio::io_context& context, HttpClientOptions options)
    : executor_(context.get_executor()),
      options_(options),
      pool_(executor_, options.max_idle_per_origin, options.idle_timeout) {}

awaitable<HttpResult> HttpClient::request(HttpRequest request, util::Cancellation* cancellation) {
  ++counters_.requests;
  HttpResult result = co_await run(request, cancellation);
  if (!result) ++counters_.errors;
  co_return result;
}

awaitable<HttpResult> HttpClient::run(const HttpRequest& request,
                                      util::Cancellation* cancellation) {
  const Result<Url> url = parse_url(request.url);
  if (!url) co_return url.error();
  const Result<RequestHead> head = write_request_head(request, *url);
  if (!head) co_return head.error();
  net::ssl::context* tls_context = nullptr;
  if (url->tls) {
    const Result<net::ssl::context*> context = tls_contexts_.get(request.tls);
    if (!context) co_return context.error();
    tls_context = *context;
  }
  const std::string origin = origin_key(*url, request.tls);
  const ::apigw::http::Method method = ::apigw::http::parse_method(request.method);
  const std::size_t max_body = request.max_body_bytes.value_or(options_.max_body_bytes);
  const std::chrono::milliseconds timeout = request.timeout.value_or(options_.request_timeout);
  const std::chrono::milliseconds connect_timeout =
      request.connect_timeout.value_or(options_.connect_timeout);
  const Clock::time_point deadline = Clock::now() + timeout;

  RequestWatchdog watchdog(executor_, cancellation);
  if (watchdog.stopped()) co_return *watchdog.stopped();

  for (int attempt = 0;; ++attempt) {
    // A retry goes to a new connection: the pool's others may be just as stale.
    std::unique_ptr<ClientConnection> connection = attempt == 0 ? pool_.take(origin) : nullptr;
    const bool reused = connection != nullptr;
    if (reused) {
      ++counters_.connections_reused;
    } else {
      const Clock::time_point connect_deadline = Clock::now() + connect_timeout;
      if (connect_deadline < deadline) {
        watchdog.arm(connect_deadline,
                     timed_out("connect to " + url->authority(), connect_timeout));
      } else {
        watchdog.arm(deadline, timed_out("request", timeout));
      }
      Result<std::unique_ptr<ClientConnection>> opened =
          co_await open_connection(*url, tls_context, watchdog);
      if (!opened) co_return opened.error();
      connection = std::move(*opened);
      ++counters_.connections_opened;
    }
    watchdog.arm(deadline, timed_out("request", timeout));
    watchdog.watch(connection.get());

    ++connection->requests;
    const auto [write_error, written] = co_await connection->write(head->bytes, request.body);
    ReadOutcome read;
    if (!write_error) {
      read = co_await read_response(*connection, method, max_body, options_.head_limits);
    }
    watchdog.watch(static_cast<ClientConnection*>(nullptr));
    // Stopped wins even over a complete response: the caller asked for the request to end.
    if (watchdog.stopped()) co_return *watchdog.stopped();

    // A reused connection the server had closed: nothing of a response came back, and sending
    // again cannot apply the request twice.
    const bool may_retry = reused && attempt == 0;
    if (write_error) {
      if (may_retry && (head->idempotent || written == 0)) {
        ++counters_.retries;
        continue;
      }
      co_return HttpError{ErrorKind::closed, "sending the request: " + write_error.message()};
    }
    if (!read.response) {
      if (may_retry && head->idempotent && !read.received_any &&
          read.response.error().kind == ErrorKind::closed) {
        ++counters_.retries;
        continue;
      }
      co_return read.response.error();
    }
    if (read.reusable && head->keep_alive) pool_.put(origin, std::move(connection));
    co_return std::move(*read.response);
  }
}

}  // namespace apigw::store::http
