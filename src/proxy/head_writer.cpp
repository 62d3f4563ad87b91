#include "proxy/head_writer.h"

#include <charconv>
#include <cstring>

#include "http/error_body.h"

namespace apigw::proxy {
namespace {

// One size check and two copies per line: four std::string::append calls (each a capacity check
// and a call) were a visible share of a proxied request's instructions.
void append_header(std::string& out, std::string_view name, std::string_view value) {
  const std::size_t at = out.size();
  out.resize(at + name.size() + value.size() + 4);
  char* p = out.data() + at;
  std::memcpy(p, name.data(), name.size());
  p += name.size();
  *p++ = ':';
  *p++ = ' ';
  std::memcpy(p, value.data(), value.size());
  p += value.size();
  *p++ = '\r';
  *p = '\n';
}

// append_header that also notes where the field went, for a client that takes fields.
void append_field(std::string& out, std::string_view name, std::string_view value,
                  WrittenHead* record) {
  const std::size_t at = out.size();
  append_header(out, name, value);
  if (record != nullptr) {
    record->fields.push_back({static_cast<std::uint32_t>(at),
                              static_cast<std::uint32_t>(name.size()),
                              static_cast<std::uint32_t>(at + name.size() + 2),
                              static_cast<std::uint32_t>(value.size())});
  }
}

void append_number(std::string& out, std::uint64_t value) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

// Headers the proxy always writes itself, from what it parsed or decided.
constexpr std::uint32_t kManagedRequestFields =
    http::field_bit(http::Field::host) | http::field_bit(http::Field::content_length) |
    http::field_bit(http::Field::expect) | http::field_bit(http::Field::x_forwarded_for) |
    http::field_bit(http::Field::x_forwarded_proto) |
    http::field_bit(http::Field::x_forwarded_host) | http::field_bit(http::Field::x_request_id) |
    http::field_bit(http::Field::x_client_cert_subject);

void append_framing(std::string& out, http::BodyFraming framing, std::uint64_t length,
                    WrittenHead* record = nullptr) {
  if (framing == http::BodyFraming::content_length) {
    const std::size_t at = out.size();
    out.append("Content-Length: ");
    append_number(out, length);
    if (record != nullptr) {
      record->fields.push_back({static_cast<std::uint32_t>(at), 14,
                                static_cast<std::uint32_t>(at + 16),
                                static_cast<std::uint32_t>(out.size() - at - 16)});
    }
    out.append("\r\n");
  } else if (framing == http::BodyFraming::chunked || framing == http::BodyFraming::stream_end) {
    // stream_end: an HTTP/2 body of undeclared length goes to an HTTP/1.1 upstream chunked.
    out.append("Transfer-Encoding: chunked\r\n");
  }
}

// With tracing on, the trace headers are the gateway's alone: a client's (and a filter's) give way.
constexpr std::uint32_t trace_fields(std::string_view traceparent, bool drop_tracestate) {
  if (traceparent.empty()) return 0;
  return http::field_bit(http::Field::traceparent) |
         (drop_tracestate ? http::field_bit(http::Field::tracestate) : 0);
}

void append_edits(std::string& out, const pipeline::HeaderEdits* edits, std::uint32_t skipped) {
  if (edits == nullptr) return;
  edits->for_each_written([&](std::string_view name, std::string_view value) {
    if (skipped != 0 && (skipped & http::field_bit(http::classify_field(name))) != 0) return;
    append_header(out, name, value);
  });
}

}  // namespace

void write_upstream_request_head(const http::RequestHead& request, const UpstreamRequestInfo& info,
                                 std::string& out) {
  out.append(request.method_text).append(" ").append(info.path_and_query);
  // An HTTP/1.0 client cannot read a chunked response, so ask the upstream in its terms.
  out.append(request.version_minor == 0 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
  append_header(out, "Host", info.host);
  std::size_t forwarded_for_count = 0;
  std::string_view forwarded_for;
  const std::uint32_t managed =
      kManagedRequestFields | trace_fields(info.traceparent, info.drop_tracestate);
  for (const auto& header : request.headers) {
    if (http::is_hop_by_hop(header, request.connection, request.headers)) continue;
    if (header.field == http::Field::x_forwarded_for) {
      forwarded_for = header.value;
      ++forwarded_for_count;
      continue;
    }
    if ((managed & http::field_bit(header.field)) != 0) continue;
    if (info.edits != nullptr && info.edits->overrides(header.name)) continue;
    append_header(out, header.name, header.value);
  }
  // One list, in order: repeated X-Forwarded-For headers are one comma-separated list
  // (RFC 9110 §5.3), then the client we saw.
  out.append("X-Forwarded-For: ");
  if (forwarded_for_count == 1) {
    out.append(forwarded_for).append(", ");
  } else if (forwarded_for_count > 1) {
    for (const auto& header : request.headers) {
      if (header.field == http::Field::x_forwarded_for) out.append(header.value).append(", ");
    }
  }
  out.append(info.client_ip).append("\r\n");
  append_header(out, "X-Forwarded-Proto", info.proto);
  if (!info.original_host.empty()) append_header(out, "X-Forwarded-Host", info.original_host);
  append_header(out, "X-Request-Id", info.request_id);
  if (!info.traceparent.empty()) append_header(out, "traceparent", info.traceparent);
  if (!info.client_cert_subject.empty()) {
    append_header(out, "X-Client-Cert-Subject", info.client_cert_subject);
  }
  if (info.websocket_upgrade) {
    out.append("Connection: Upgrade\r\nUpgrade: websocket\r\n");
  } else if (request.version_minor == 0) {
    out.append("Connection: keep-alive\r\n");
  }
  append_edits(out, info.edits, trace_fields(info.traceparent, info.drop_tracestate));
  if (info.body_length) {
    append_framing(out, http::BodyFraming::content_length, *info.body_length);
  } else {
    append_framing(out, request.framing, request.content_length);
  }
  out.append("\r\n");
}

namespace {

// The client response head, with or without a record of its fields: two instantiations, so
// the HTTP/1 path (no record) has no branch for it.
template <bool kRecord>
void write_response_head(const http::ResponseHead& response, const ClientResponseInfo& info,
                         std::string& out) {
  WrittenHead* record = kRecord ? info.record : nullptr;
  if constexpr (kRecord) record->fields.clear();
  const auto field = [&out, record](std::string_view name, std::string_view value) {
    if constexpr (kRecord) {
      append_field(out, name, value, record);
    } else {
      append_header(out, name, value);
    }
  };
  out.append(info.client_http10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  append_number(out, static_cast<std::uint64_t>(response.status));
  out.append(" ");
  out.append(response.reason.empty() ? http::reason_phrase(response.status) : response.reason);
  out.append("\r\n");
  bool has_request_id = false;
  for (const auto& header : response.headers) {
    if (http::is_hop_by_hop(header, response.connection, response.headers)) continue;
    // Without a body (HEAD, 304) Content-Length describes the resource: pass it on unchanged.
    if ((response.framing != http::BodyFraming::none || info.framing) &&
        header.field == http::Field::content_length)
      continue;
    if (info.edits != nullptr && info.edits->overrides(header.name)) continue;
    has_request_id = has_request_id || header.field == http::Field::x_request_id;
    field(header.name, header.value);
  }
  if (!has_request_id && !info.request_id.empty()) field("X-Request-Id", info.request_id);
  if (info.edits != nullptr) {
    info.edits->for_each_written(field);
  }
  const http::BodyFraming framing = info.framing.value_or(response.framing);
  const std::uint64_t length = info.framing ? info.body_length : response.content_length;
  append_framing(out, framing, length, record);
  if (info.websocket_upgrade) {
    out.append("Connection: Upgrade\r\nUpgrade: websocket\r\n");
  } else if (!info.keep_alive) {
    out.append("Connection: close\r\n");
  } else if (info.client_http10) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
  if constexpr (kRecord) {
    record->end = out.size();
    record->status = response.status;
    record->framing = framing;
    record->content_length = length;
  }
}

}  // namespace

void write_client_response_head(const http::ResponseHead& response, const ClientResponseInfo& info,
                                std::string& out) {
  if (info.record != nullptr) {
    write_response_head<true>(response, info, out);
  } else {
    write_response_head<false>(response, info, out);
  }
}

void write_local_reply(const pipeline::LocalReply& reply, const LocalReplyInfo& info,
                       std::string& out) {
  const pipeline::HeaderEdits* edits = info.edits;
  const auto kept = [edits](std::string_view name) {
    return edits == nullptr || !edits->overrides(name);
  };
  std::string error_body;
  std::string_view body = reply.body;
  std::string_view content_type = reply.content_type;
  if (reply.is_error()) {
    http::append_error_body(error_body, reply.status, reply.code, reply.message, info.request_id);
    body = error_body;
    content_type = "application/json";
  }
  // RFC 9110 §8.6, §15.3.5, §15.4.5: 1xx, 204 and 304 answers have no body.
  const bool bodyless_status = reply.status < 200 || reply.status == 204 || reply.status == 304;
  if (bodyless_status) body = {};
  out.append("HTTP/1.1 ");
  append_number(out, static_cast<std::uint64_t>(reply.status));
  out.append(" ").append(http::reason_phrase(reply.status)).append("\r\n");
  if (!info.date.empty()) append_header(out, "Date", info.date);
  if (!content_type.empty() && kept("content-type"))
    append_header(out, "Content-Type", content_type);
  for (const auto& header : reply.headers) {
    if (kept(header.name)) append_header(out, header.name, header.value);
  }
  if (!bodyless_status) {
    out.append("Content-Length: ");
    append_number(out, body.size());
    out.append("\r\n");
  }
  if (!info.request_id.empty()) append_header(out, "X-Request-Id", info.request_id);
  append_edits(out, edits, 0);
  if (!info.keep_alive) out.append("Connection: close\r\n");
  out.append("\r\n");
  if (!info.head_request) out.append(body);
}

}  // namespace apigw::proxy
