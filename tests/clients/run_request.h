// Runs an outbound HTTP request on a test's own io_context until it finishes, within a bound:
// a request that hangs fails the test instead of hanging it.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <string>

#include "store/http/http_client.h"
#include "util/cancellation.h"

namespace apigw::test {

namespace client = apigw::store::http;

// Runs `request` on `io`; `while_running`, if given, is called between handler runs (every
// 10 ms at least) with the time since the start, e.g. to cancel the request midway.
inline client::HttpResult run_request(
    boost::asio::io_context& io, client::HttpClient& http, client::HttpRequest request,
    util::Cancellation* cancellation = nullptr,
    const std::function<void(std::chrono::milliseconds)>& while_running = {},
    std::chrono::seconds limit = std::chrono::seconds(20)) {
  std::optional<client::HttpResult> result;
  boost::asio::co_spawn(io.get_executor(), http.request(std::move(request), cancellation),
                        [&](std::exception_ptr error, client::HttpResult outcome) {
                          if (error) std::rethrow_exception(error);
                          result = std::move(outcome);
                        });
  const auto start = std::chrono::steady_clock::now();
  while (!result) {
    if (io.stopped()) io.restart();  // an earlier run ran out of work
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    if (elapsed > limit) {
      ADD_FAILURE() << "the request did not finish within " << limit.count() << " s";
      return client::HttpError{client::ErrorKind::timeout, "test limit"};
    }
    if (while_running) while_running(elapsed);
    io.run_one_for(std::chrono::milliseconds(10));
  }
  return std::move(*result);
}

// "kind: message" of a failed result, or "status N" of a response: for assertion messages.
inline std::string describe(const client::HttpResult& result) {
  if (result) return "status " + std::to_string(result->status);
  return std::string(client::to_string(result.error().kind)) + ": " + result.error().message;
}

}  // namespace apigw::test
