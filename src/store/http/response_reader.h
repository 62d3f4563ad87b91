// Reads one HTTP/1.1 response from a client connection with the project's own parser
// (http::parse_response_head, http::ChunkedScanner): Content-Length, chunked and until-close
// bodies, none for HEAD, 1xx, 204 and 304. Interim 1xx responses are skipped.
#pragma once

#include <cstddef>

#include "http/message.h"
#include "http/parser.h"
#include "store/http/client_connection.h"
#include "store/http/message.h"
#include "store/net.h"

namespace apigw::store::http {

struct ReadOutcome {
  Result<HttpResponse> response = HttpError{ErrorKind::closed, "no response"};
  bool received_any = false;  // some byte of a response arrived: sending again is not safe
  bool reusable = false;      // the response ended cleanly and the server keeps the connection
};

// Errors: closed (end of stream or reset before the response was complete), invalid_response,
// body_too_large (a body over `max_body_bytes`, refused as soon as it is known: from
// Content-Length, or once the decoded bytes pass the limit).
awaitable<ReadOutcome> read_response(ClientConnection& connection, ::apigw::http::Method method,
                                     std::size_t max_body_bytes,
                                     const ::apigw::http::HeadLimits& limits);

}  // namespace apigw::store::http
