// A request's HTTP/2 fields for an upstream, made from the same data the HTTP/1 head writer uses
// (proxy/head_writer.h): the client's http::RequestHead and what the gateway adds to it. The
// rewrite is the HTTP/1 one, in HTTP/2 terms: hop-by-hop fields (and those the Connection header
// names) are dropped, Host becomes :authority, framing comes from the parsed framing
// (content-length when declared; a body of undeclared length simply ends with the stream), and
// names are lower-cased. One difference: `te: trailers` is kept, since gRPC servers require it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace apigw::h2 {

// The pseudo-header fields of a request (RFC 9113 §8.3.1). CONNECT is not sent this way.
struct RequestPseudo {
  std::string_view method;
  std::string_view scheme = "http";
  std::string_view authority;  // empty: taken from a host field, which is then not sent
  std::string_view path;       // path and query, origin-form
};

// What the gateway adds to the client's request: proxy::UpstreamRequestInfo's data, with the
// filters' HeaderEdits passed as plain lists (this layer sits below pipeline/).
struct UpstreamRequestInfo {
  std::string_view path_and_query;   // normalized (and rewritten) path plus "?query"
  std::string_view host;             // :authority to send upstream
  std::string_view scheme = "http";  // of the upstream connection: http (h2c) or https
  std::string_view original_host;    // client's Host, for x-forwarded-host
  std::string_view client_ip;
  std::string_view proto = "http";       // x-forwarded-proto: "https" on a TLS listener
  std::string_view client_cert_subject;  // x-client-cert-subject when not empty
  std::string_view request_id;
  std::string_view traceparent;  // replaces the client's when not empty
  bool drop_tracestate = false;  // with traceparent: the client's tracestate is not sent
  // Names the filters set or remove (HeaderEdits::overrides): the client's fields of these names
  // are not sent. Compared case-insensitively.
  std::span<const std::string_view> replaced;
  // Fields the filters set or add (HeaderEdits::for_each_written), sent after the gateway's own.
  std::span<const http::Header> added;
  // A body the filters held whole (and may have changed): sent with this content-length.
  std::optional<std::uint64_t> body_length;
};

// One request's fields, ready for ClientSession::submit_request. Views point into the head, the
// info and this object, which is therefore neither copied nor moved; reuse it per connection.
class UpstreamRequest {
 public:
  UpstreamRequest() = default;
  UpstreamRequest(const UpstreamRequest&) = delete;
  UpstreamRequest& operator=(const UpstreamRequest&) = delete;

  void build(const http::RequestHead& request, const UpstreamRequestInfo& info);

  const RequestPseudo& pseudo() const { return pseudo_; }
  // Regular fields, names lower-cased, in the order the HTTP/1 head writer writes them.
  std::span<const http::Header> headers() const { return headers_; }
  // Whether a body follows the head (otherwise the head ends the stream).
  bool has_body() const { return has_body_; }

 private:
  void add(std::string_view name, std::string_view value);

  RequestPseudo pseudo_;
  std::vector<http::Header> headers_;
  // Lower-cased names and the values the gateway composes (x-forwarded-for, content-length).
  // Sized before the first view into it is taken, so it never moves while the views live.
  std::string text_;
  bool has_body_ = false;
};

}  // namespace apigw::h2
