#include "store/http/request_writer.h"

#include "http/message.h"

namespace apigw::store::http {
namespace {

HttpError invalid(std::string message) {
  return HttpError{ErrorKind::invalid_request, std::move(message)};
}

bool is_value_safe(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool is_idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS" || method == "TRACE";
}

// Methods whose request means something with a body: an empty one is still announced as such.
bool expects_body(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

}  // namespace

Result<RequestHead> write_request_head(const HttpRequest& request, const Url& url) {
  using ::apigw::http::iequals;
  if (!::apigw::http::is_token(request.method)) {
    return invalid("invalid method '" + request.method + "'");
  }
  RequestHead head;
  head.idempotent = is_idempotent(request.method);
  bool has_host = false;
  bool has_connection = false;
  std::string fields;
  for (const auto& [name, value] : request.headers) {
    if (!::apigw::http::is_token(name)) return invalid("invalid header name '" + name + "'");
    if (!is_value_safe(value)) return invalid("CR, LF or NUL in the value of header " + name);
    if (iequals(name, "content-length") || iequals(name, "transfer-encoding")) {
      return invalid("header " + name + " is set by the client from the body");
    }
    if (iequals(name, "host")) has_host = true;
    if (iequals(name, "connection")) {
      has_connection = true;
      if (::apigw::http::list_contains_token(value, "close")) head.keep_alive = false;
    }
    fields.append(name).append(": ").append(value).append("\r\n");
  }

  std::string& out = head.bytes;
  out.reserve(64 + url.target.size() + fields.size());
  out.append(request.method).append(" ").append(url.target).append(" HTTP/1.1\r\n");
  if (!has_host) out.append("Host: ").append(url.authority()).append("\r\n");
  out.append(fields);
  if (!request.body.empty() || expects_body(request.method)) {
    out.append("Content-Length: ").append(std::to_string(request.body.size())).append("\r\n");
  }
  if (!has_connection) out.append("Connection: keep-alive\r\n");
  out.append("\r\n");
  return head;
}

}  // namespace apigw::store::http
