// apigw's outbound HTTP/1.1 client, for features that call other services: forward auth, JWKS
// fetches, token introspection, webhooks, trace export. One per worker thread, on that worker's
// io_context; single-threaded, no locks (like the worker's upstream pools).
//
//   HttpClient client(worker_context);
//   HttpResult result = co_await client.request({.method = "POST", .url = "https://idp/introspect",
//                                                .headers = {{"Content-Type", "application/json"}},
//                                                .body = payload, .tls = {.ca_file = ca}});
//   if (!result) log(to_string(result.error().kind), result.error().message);
//   else if (result->status == 200) use(result->body);
//
// - Keep-alive: idle connections are pooled per origin (scheme, host, port, TLS options), LIFO,
//   at most max_idle_per_origin each, closed after idle_timeout. A pooled connection that the
//   server closed is noticed before reuse (a non-blocking peek); if a reused connection still
//   turns out dead (nothing of a response arrived), the request is sent once more on a new
//   connection, provided the method is idempotent or nothing of the request was written.
// - TLS (boost::asio::ssl, OpenSSL 3): TLS 1.2 at least; the peer's chain is verified against the
//   system CA store or TlsOptions::ca_file, and its certificate must name the URL's host (DNS name
//   or IP address); SNI is sent for names. TlsOptions::verify = false turns all checking off, for
//   tests and development only.
// - Timeouts: connect (DNS + TCP + TLS handshake) and total; either gives ErrorKind::timeout.
// - Errors are values (HttpResult), never exceptions. Timeouts and cancellation close the
//   connection in use; it is never pooled again.
//
// Why not Beast: the request head is a dozen lines to write, and responses are parsed by the
// project's own strict parser (http/parser.h), which the proxy already relies on for its
// smuggling checks and its error messages; Beast's parser would be a second set of rules for the
// same wire format, and its headers add seconds of compile time per file (DESIGN.md §5).
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "http/parser.h"
#include "store/http/connection_pool.h"
#include "store/http/message.h"
#include "store/net.h"
#include "store/http/tls_contexts.h"
#include "util/cancellation.h"

namespace apigw::store::http {

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{5'000};   // DNS, TCP connect and TLS handshake
  std::chrono::milliseconds request_timeout{30'000};  // the whole request, when it sets none
  std::size_t max_body_bytes = 4 * 1024 * 1024;       // when the request sets none
  std::size_t max_idle_per_origin = 8;                // 0: no keep-alive
  std::chrono::milliseconds idle_timeout{60'000};
  ::apigw::http::HeadLimits head_limits{};  // response head size and header count
};

// What the client did, for metrics. Read on the owning thread.
struct HttpClientCounters {
  std::uint64_t requests = 0;            // request() calls
  std::uint64_t errors = 0;              // of those, ending in an HttpError
  std::uint64_t connections_opened = 0;  // new connections that completed connect (and TLS)
  std::uint64_t connections_reused = 0;  // requests sent on a pooled connection
  std::uint64_t retries = 0;             // requests sent again after a dead pooled connection
};

class HttpClient {
 public:
  explicit HttpClient(boost::asio::io_context& context, HttpClientOptions options = {});
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request` and reads the whole response. Call on the io_context's thread; the client
  // must outlive the request. `cancellation`, when given, ends the request at once with
  // ErrorKind::cancelled when it fires (it is registered for the request's duration only).
  awaitable<HttpResult> request(HttpRequest request, util::Cancellation* cancellation = nullptr);

  const HttpClientCounters& counters() const { return counters_; }
  std::size_t idle_connections() const { return pool_.idle_count(); }
  // Closes every idle connection (shutdown, or a reload that changed the client's peers).
  void close_idle() { pool_.clear(); }

 private:
  awaitable<HttpResult> run(const HttpRequest& request, util::Cancellation* cancellation);

  executor executor_;
  HttpClientOptions options_;
  ConnectionPool pool_;
  TlsContexts tls_contexts_;
  HttpClientCounters counters_;
};

}  // namespace apigw::store::http
