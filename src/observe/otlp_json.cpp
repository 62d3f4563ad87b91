#include "observe/otlp_json.h"

#include <algorithm>
#include <charconv>

#include "http/error_body.h"

namespace apigw::observe {
namespace {

// Most values (methods, paths, addresses, codes) are plain printable ASCII: they are copied as
// they are after one scan; only the rest goes through the escaper (which also checks UTF-8).
void append_string(std::string& out, std::string_view value) {
  out.push_back('"');
  const bool plain = std::all_of(value.begin(), value.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x20 && byte < 0x7f && c != '"' && c != '\\';
  });
  if (plain) {
    out.append(value);
  } else {
    http::append_json_escaped(out, value);
  }
  out.push_back('"');
}

void append_integer_string(std::string& out, std::int64_t value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.push_back('"');
  out.append(digits, result.ptr);
  out.push_back('"');
}

void append_string_attribute(std::string& out, std::string_view key, std::string_view value) {
  out.append("{\"key\":");
  append_string(out, key);
  out.append(",\"value\":{\"stringValue\":");
  append_string(out, value);
  out.append("}}");
}

template <std::size_t N>
void append_id(std::string& out, const std::array<std::uint8_t, N>& id) {
  const auto hex = to_hex(id);
  out.push_back('"');
  out.append(hex.data(), hex.size());
  out.push_back('"');
}

void append_span(std::string& out, const Span& span) {
  out.append("{\"traceId\":");
  append_id(out, span.trace_id);
  out.append(",\"spanId\":");
  append_id(out, span.span_id);
  const bool root =
      std::all_of(span.parent_span_id.begin(), span.parent_span_id.end(), [](auto b) { return b == 0; });
  if (!root) {
    out.append(",\"parentSpanId\":");
    append_id(out, span.parent_span_id);
  }
  out.append(",\"name\":");
  append_string(out, span.name);
  out.append(",\"kind\":").append(std::to_string(static_cast<int>(span.kind)));
  out.append(",\"startTimeUnixNano\":");
  append_integer_string(out, span.start_unix_nanos);
  out.append(",\"endTimeUnixNano\":");
  append_integer_string(out, span.end_unix_nanos);
  out.append(",\"attributes\":[");
  for (std::size_t i = 0; i < span.attribute_count; ++i) {
    const SpanAttribute& attribute = span.attributes[i];
    if (i > 0) out.push_back(',');
    if (attribute.is_int) {
      out.append("{\"key\":");
      append_string(out, attribute.key);
      out.append(",\"value\":{\"intValue\":");
      append_integer_string(out, attribute.int_value);
      out.append("}}");
    } else {
      append_string_attribute(out, attribute.key, attribute.string_value);
    }
  }
  out.append("],\"status\":{");
  if (span.status != SpanStatus::unset) {
    out.append("\"code\":").append(std::to_string(static_cast<int>(span.status)));
    if (!span.status_message.empty()) {
      out.append(",\"message\":");
      append_string(out, span.status_message);
    }
  }
  out.append("}}");
}

}  // namespace

void encode_otlp_json(std::span<const Span> spans, const OtlpResource& resource, std::string& out) {
  out.append("{\"resourceSpans\":[{\"resource\":{\"attributes\":[");
  append_string_attribute(out, "service.name", resource.service_name);
  out.push_back(',');
  append_string_attribute(out, "service.version", resource.service_version);
  out.push_back(',');
  append_string_attribute(out, "host.name", resource.host_name);
  out.push_back(',');
  append_string_attribute(out, "service.instance.id", resource.instance_id);
  out.append("]},\"scopeSpans\":[{\"scope\":{\"name\":\"apigw\",\"version\":");
  append_string(out, resource.service_version);
  out.append("},\"spans\":[");
  bool first = true;
  for (const Span& span : spans) {
    if (!first) out.push_back(',');
    first = false;
    append_span(out, span);
  }
  out.append("]}]}]}");
}

}  // namespace apigw::observe
