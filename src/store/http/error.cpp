#include "store/http/error.h"

#include <stdexcept>

namespace apigw::store::http {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_request:
      return "invalid_request";
    case ErrorKind::dns:
      return "dns";
    case ErrorKind::connect:
      return "connect";
    case ErrorKind::tls:
      return "tls";
    case ErrorKind::timeout:
      return "timeout";
    case ErrorKind::closed:
      return "closed";
    case ErrorKind::invalid_response:
      return "invalid_response";
    case ErrorKind::body_too_large:
      return "body_too_large";
    case ErrorKind::cancelled:
      return "cancelled";
  }
  return "unknown";
}

void throw_exception_from_error(const HttpError& error, const boost::source_location&) {
  throw std::logic_error("HttpClient: value() of a failed result (" +
                         std::string(to_string(error.kind)) + ": " + error.message + ")");
}

}  // namespace apigw::store::http
