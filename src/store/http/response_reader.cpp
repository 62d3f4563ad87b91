#include "store/http/response_reader.h"

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <optional>

namespace apigw::store::http {
namespace wire = ::apigw::http;
namespace {

constexpr std::size_t kReadChunk = 16 * 1024;

// End of stream, told apart from a reset for the message. A TLS peer that closes without
// close_notify (stream_truncated) has ended the stream as far as HTTP framing can tell.
bool is_end_of_stream(const error_code& ec) {
  return ec == net::error::eof || ec == net::ssl::error::stream_truncated;
}

HttpError closed_error(const error_code& ec, std::string_view during) {
  return HttpError{ErrorKind::closed,
                   std::string(is_end_of_stream(ec) ? "connection closed by the server"
                                                    : "connection failed: " + ec.message()) +
                       " " + std::string(during)};
}

HttpError too_large(std::size_t limit) {
  return HttpError{ErrorKind::body_too_large,
                   "response body larger than " + std::to_string(limit) + " bytes"};
}

// Appends what the next read returns to connection.input.
awaitable<error_code> read_more(ClientConnection& connection) {
  std::string& input = connection.input;
  const std::size_t had = input.size();
  input.resize(had + kReadChunk);
  auto [ec, n] = co_await connection.read_some(input.data() + had, kReadChunk);
  input.resize(had + n);
  if (!ec && n == 0) ec = net::error::eof;
  co_return ec;
}

// Reads until a final (non-1xx) head is parsed; copies it into `response`.
awaitable<Result<wire::ResponseHead>> read_head(ClientConnection& connection, wire::Method method,
                                                const wire::HeadLimits& limits,
                                                HttpResponse& response, bool& received_any) {
  wire::ResponseHead head;
  for (;;) {
    const wire::ParseResult parsed =
        wire::parse_response_head(connection.input, limits, method, head);
    if (parsed.status == wire::ParseStatus::error) {
      co_return HttpError{ErrorKind::invalid_response, std::string(parsed.error.message)};
    }
    if (parsed.status == wire::ParseStatus::complete) {
      if (head.status == 101) {
        co_return HttpError{ErrorKind::invalid_response, "unexpected 101 Switching Protocols"};
      }
      if (head.status >= 200) {
        response.status = head.status;
        response.reason = head.reason;
        response.headers.reserve(head.headers.size());
        for (const auto& header : head.headers) {
          response.headers.emplace_back(header.name, header.value);
        }
        // The views in `head` point into input; its framing fields are what the caller needs.
        head.headers.clear();
        head.reason = {};
        connection.input.erase(0, head.head_bytes);
        co_return head;
      }
      connection.input.erase(0, head.head_bytes);  // 100 Continue, 103 Early Hints: skip
      continue;
    }
    const error_code ec = co_await read_more(connection);
    if (!connection.input.empty()) received_any = true;
    if (ec) co_return closed_error(ec, "before the response head");
  }
}

awaitable<std::optional<HttpError>> read_sized_body(ClientConnection& connection,
                                                    std::uint64_t length, std::string& body) {
  std::string& input = connection.input;
  const std::size_t buffered =
      static_cast<std::size_t>(std::min<std::uint64_t>(length, input.size()));
  body.resize(static_cast<std::size_t>(length));
  std::copy_n(input.data(), buffered, body.data());
  input.erase(0, buffered);
  std::size_t have = buffered;
  while (have < length) {
    auto [ec, n] = co_await connection.read_some(body.data() + have, body.size() - have);
    have += n;
    if (ec || n == 0) {
      body.resize(have);
      co_return closed_error(ec ? ec : net::error::eof, "inside the response body");
    }
  }
  co_return std::nullopt;
}

awaitable<std::optional<HttpError>> read_chunked_body(ClientConnection& connection,
                                                      std::size_t max_body, std::string& body) {
  wire::ChunkedScanner scanner;
  for (;;) {
    const wire::ChunkedScanner::Step step = scanner.scan(connection.input, &body);
    connection.input.erase(0, step.consumed);
    if (step.error) co_return HttpError{ErrorKind::invalid_response, "invalid chunked encoding"};
    if (body.size() > max_body) co_return too_large(max_body);
    if (step.done) co_return std::nullopt;
    const error_code ec = co_await read_more(connection);
    if (ec) co_return closed_error(ec, "inside the chunked response body");
  }
}

awaitable<std::optional<HttpError>> read_body_until_close(ClientConnection& connection,
                                                          std::size_t max_body, std::string& body) {
  for (;;) {
    body.append(connection.input);
    connection.input.clear();
    if (body.size() > max_body) co_return too_large(max_body);
    const error_code ec = co_await read_more(connection);
    if (is_end_of_stream(ec)) {
      body.append(connection.input);
      connection.input.clear();
      if (body.size() > max_body) co_return too_large(max_body);
      co_return std::nullopt;
    }
    if (ec) co_return closed_error(ec, "inside the response body");
  }
}

}  // namespace

awaitable<ReadOutcome> read_response(ClientConnection& connection, wire::Method method,
                                     std::size_t max_body_bytes, const wire::HeadLimits& limits) {
  ReadOutcome outcome;
  outcome.received_any = !connection.input.empty();
  HttpResponse response;
  Result<wire::ResponseHead> head =
      co_await read_head(connection, method, limits, response, outcome.received_any);
  if (!head) {
    outcome.response = head.error();
    co_return outcome;
  }
  outcome.received_any = true;
  std::optional<HttpError> failed;
  switch (head->framing) {
    case wire::BodyFraming::none:
      break;
    case wire::BodyFraming::content_length:
      if (head->content_length > max_body_bytes) {
        failed = too_large(max_body_bytes);
      } else {
        failed = co_await read_sized_body(connection, head->content_length, response.body);
      }
      break;
    case wire::BodyFraming::chunked:
      failed = co_await read_chunked_body(connection, max_body_bytes, response.body);
      break;
    case wire::BodyFraming::until_close:
    case wire::BodyFraming::stream_end:  // never a response's: not parsed from HTTP/1
      failed = co_await read_body_until_close(connection, max_body_bytes, response.body);
      break;
  }
  if (failed) {
    outcome.response = std::move(*failed);
    co_return outcome;
  }
  // Bytes after the response that no request asked for: the connection is out of step.
  outcome.reusable = head->keep_alive && head->framing != wire::BodyFraming::until_close &&
                     connection.input.empty();
  outcome.response = std::move(response);
  co_return outcome;
}

}  // namespace apigw::store::http
