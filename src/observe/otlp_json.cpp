#include "observe/otlp_json.h"

#include <algorithm>
#include <charconv>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "http/error_body.h"

namespace apigw::observe {
namespace {

// Whether `value` can go into a JSON string as it is: printable ASCII without '"' or '\\'. Sixteen
// bytes a compare with SSE2 (a signed compare below ' ' also catches bytes >= 0x80): the
// exporter writes a few hundred value bytes per span.
bool is_plain(std::string_view value) {
  const char* at = value.data();
  const char* const end = at + value.size();
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(' ');
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i del = _mm_set1_epi8(0x7f);
  for (; end - at >= 16; at += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
    const __m128i bad =
        _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(bytes, space), _mm_cmpeq_epi8(bytes, quote)),
                     _mm_or_si128(_mm_cmpeq_epi8(bytes, backslash), _mm_cmpeq_epi8(bytes, del)));
    if (_mm_movemask_epi8(bad) != 0) return false;
  }
#endif
  for (; at < end; ++at) {
    const auto byte = static_cast<unsigned char>(*at);
    if (byte < 0x20 || byte >= 0x7f || byte == '"' || byte == '\\') return false;
  }
  return true;
}

// Most values (methods, paths, addresses, codes) are plain: copied as they are; only the rest goes
// through the escaper (which also checks UTF-8).
void append_string(std::string& out, std::string_view value) {
  out.push_back('"');
  if (is_plain(value)) {
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

// Attribute keys are string literals of ours (plain): written without a scan.
void append_key(std::string& out, std::string_view key) {
  out.append("{\"key\":\"").append(key).append("\",\"value\":{");
}

void append_string_attribute(std::string& out, std::string_view key, std::string_view value) {
  append_key(out, key);
  out.append("\"stringValue\":");
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
      append_key(out, attribute.key);
      out.append("\"intValue\":");
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
  out.reserve(out.size() + 512 + spans.size() * 1024);
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
