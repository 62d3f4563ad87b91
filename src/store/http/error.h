// Why an outbound HTTP request failed, as a value: the client never throws on the request path.
#pragma once

#include <boost/system/result.hpp>
#include <string>
#include <string_view>

namespace apigw::store::http {

enum class ErrorKind {
  invalid_request,   // the URL, method or a header cannot be sent as given
  dns,               // the host name did not resolve
  connect,           // no TCP connection (refused, unreachable)
  tls,               // handshake failed; the message carries OpenSSL's reason
  timeout,           // connect timeout or the request's total timeout passed
  closed,            // the peer closed or reset the connection before the response was complete
  invalid_response,  // the response could not be parsed (framing, head, chunked encoding)
  body_too_large,    // the response body is larger than the request allowed
  cancelled,         // the caller's util::Cancellation fired
};

// "dns", "connect", ...: for logs and metric labels.
std::string_view to_string(ErrorKind kind);

struct HttpError {
  ErrorKind kind = ErrorKind::invalid_request;
  std::string message;  // for humans: what failed and where ("connect 127.0.0.1:1: refused")
};

// boost::system::result calls this only when value() is read from an error: a caller's bug, not a
// request's outcome, so it may throw.
[[noreturn]] void throw_exception_from_error(const HttpError& error,
                                             const boost::source_location& location);

template <typename T>
using Result = boost::system::result<T, HttpError>;

}  // namespace apigw::store::http
