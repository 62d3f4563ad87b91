// Everything a filter may read or change about one request. Lives on the worker for the request's
// duration; views point into the connection's buffers and never outlive the request.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace apigw::pipeline {

// A header a filter wants set (replacing any of the same name) on the upstream request or on the
// response to the client.
struct HeaderSet {
  std::string name;
  std::string value;
};

// Header changes gathered from filters, applied once when the head is written.
struct HeaderEdits {
  std::vector<HeaderSet> set;
  std::vector<std::string> remove;
  bool empty() const { return set.empty() && remove.empty(); }
  // True if `name` is set or removed here (so the original header must not be copied).
  bool overrides(std::string_view name) const;
};

// An answer made by the gateway itself, in the unified error format.
struct LocalReply {
  int status = 500;
  std::string code;
  std::string message;
  std::vector<HeaderSet> headers;  // e.g. Retry-After, WWW-Authenticate
};

struct RequestContext {
  const http::RequestHead& request;
  std::string_view path;  // normalized request path
  std::string_view route_name;
  std::string_view request_id;
  std::string_view client_address;

  HeaderEdits upstream_request_headers;
  HeaderEdits response_headers;
  std::optional<LocalReply> local_reply;  // set by a filter that answers directly
  int response_status = 0;                // known in the response phase
};

}  // namespace apigw::pipeline
