#include "h2/upstream_request.h"

#include <charconv>

namespace apigw::h2 {
namespace {

// Fields the gateway writes itself, from what it parsed or decided (as the HTTP/1 head writer).
constexpr std::uint32_t kManagedFields =
    http::field_bit(http::Field::host) | http::field_bit(http::Field::content_length) |
    http::field_bit(http::Field::expect) | http::field_bit(http::Field::x_forwarded_for) |
    http::field_bit(http::Field::x_forwarded_proto) |
    http::field_bit(http::Field::x_forwarded_host) | http::field_bit(http::Field::x_request_id) |
    http::field_bit(http::Field::x_client_cert_subject);

constexpr std::size_t kDigits = 20;  // a 64-bit length

bool has_upper(std::string_view name) {
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') return true;
  }
  return false;
}

bool is_replaced(std::span<const std::string_view> replaced, std::string_view name) {
  for (std::string_view other : replaced) {
    if (http::iequals(other, name)) return true;
  }
  return false;
}

}  // namespace

void UpstreamRequest::add(std::string_view name, std::string_view value) {
  if (has_upper(name)) {
    const std::size_t at = text_.size();
    for (char c : name) text_.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c);
    name = std::string_view(text_).substr(at, name.size());
  }
  headers_.emplace_back(name, value);
}

void UpstreamRequest::build(const http::RequestHead& request, const UpstreamRequestInfo& info) {
  pseudo_ = RequestPseudo{request.method_text, info.scheme, info.host, info.path_and_query};
  headers_.clear();
  text_.clear();
  // Everything text_ will hold, so that no view into it moves: names that may need lower-casing,
  // the x-forwarded-for list and a content-length.
  std::size_t size = kDigits + info.client_ip.size();
  for (const http::Header& header : request.headers) {
    size += header.name.size();
    if (header.field == http::Field::x_forwarded_for) size += header.value.size() + 2;
  }
  for (const http::Header& header : info.added) size += header.name.size();
  text_.reserve(size);

  std::size_t forwarded_for_count = 0;
  // With tracing on, the trace headers are the gateway's alone (the client's and filters' give way).
  const std::uint32_t trace_fields =
      info.traceparent.empty()
          ? 0
          : http::field_bit(http::Field::traceparent) |
                (info.drop_tracestate ? http::field_bit(http::Field::tracestate) : 0);
  const std::uint32_t managed = kManagedFields | trace_fields;
  for (const http::Header& header : request.headers) {
    if (header.field == http::Field::te) {
      // Hop-by-hop, but "trailers" tells an HTTP/2 server (a gRPC one insists) that trailers
      // will be read; nothing else may be sent (RFC 9113 §8.2.2).
      if (http::list_contains_token(header.value, "trailers")) add("te", "trailers");
      continue;
    }
    if (http::is_hop_by_hop(header, request.connection, request.headers)) continue;
    if (header.field == http::Field::x_forwarded_for) {
      ++forwarded_for_count;
      continue;
    }
    if ((managed & http::field_bit(header.field)) != 0) continue;
    if (is_replaced(info.replaced, header.name)) continue;
    add(header.name, header.value);
  }
  // One list, in order: the client's X-Forwarded-For values (RFC 9110 §5.3), then the client.
  const std::size_t list_at = text_.size();
  if (forwarded_for_count != 0) {
    for (const http::Header& header : request.headers) {
      if (header.field == http::Field::x_forwarded_for) text_.append(header.value).append(", ");
    }
  }
  text_.append(info.client_ip);
  add("x-forwarded-for", std::string_view(text_).substr(list_at));
  add("x-forwarded-proto", info.proto);
  if (!info.original_host.empty()) add("x-forwarded-host", info.original_host);
  add("x-request-id", info.request_id);
  if (!info.traceparent.empty()) add("traceparent", info.traceparent);
  if (!info.client_cert_subject.empty()) add("x-client-cert-subject", info.client_cert_subject);
  for (const http::Header& header : info.added) {
    if (trace_fields != 0 && (trace_fields & http::field_bit(http::classify_field(header.name))) != 0)
      continue;
    add(header.name, header.value);
  }

  std::optional<std::uint64_t> length = info.body_length;
  if (!length && request.framing == http::BodyFraming::content_length) {
    length = request.content_length;
  }
  if (length) {
    const std::size_t at = text_.size();
    char digits[kDigits];
    const auto result = std::to_chars(digits, digits + kDigits, *length);
    text_.append(digits, result.ptr);
    add("content-length", std::string_view(text_).substr(at));
    has_body_ = *length != 0;
  } else {
    // chunked (HTTP/1) or stream_end (HTTP/2): the body ends with the stream.
    has_body_ = request.framing != http::BodyFraming::none;
  }
}

}  // namespace apigw::h2
