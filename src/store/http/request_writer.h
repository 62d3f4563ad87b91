// Writes an outbound request head: the client's own few lines (Host, Content-Length, Connection)
// plus the caller's headers, each checked so that nothing the caller passes can split the head.
#pragma once

#include <string>

#include "store/http/error.h"
#include "store/http/message.h"
#include "store/http/url.h"

namespace apigw::store::http {

struct RequestHead {
  std::string bytes;        // "GET /path HTTP/1.1\r\n...\r\n\r\n"
  bool idempotent = false;  // RFC 9110 §9.2.2: may be sent again after a lost connection
  bool keep_alive = true;   // false when the caller sent Connection: close
};

// Refuses (invalid_request) a method that is not a token, a header name that is not a token, a
// value with CR, LF or NUL, and Content-Length / Transfer-Encoding headers (the client frames the
// body itself).
Result<RequestHead> write_request_head(const HttpRequest& request, const Url& url);

}  // namespace apigw::store::http
