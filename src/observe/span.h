// A finished span on its way to the exporter (server/trace_exporter.h): what OTLP needs of it.
// Spans travel through a SwapRing, so a slot's strings and vectors keep their capacity and
// recording a span does not allocate once the ring has been around.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "observe/swap_ring.h"
#include "observe/trace_context.h"

namespace apigw::observe {

// OTLP's SpanKind and Status.code values.
enum class SpanKind : std::uint8_t { internal = 1, server = 2, client = 3 };
enum class SpanStatus : std::uint8_t { unset = 0, ok = 1, error = 2 };

struct SpanAttribute {
  std::string_view key;  // a string literal (attribute names are fixed)
  bool is_int = false;
  std::int64_t int_value = 0;
  std::string string_value;
};

struct Span {
  TraceId trace_id{};
  SpanId span_id{};
  SpanId parent_span_id{};  // zero: a root span
  std::string name;
  SpanKind kind = SpanKind::internal;
  std::int64_t start_unix_nanos = 0;
  std::int64_t end_unix_nanos = 0;
  SpanStatus status = SpanStatus::unset;
  std::string status_message;
  std::vector<SpanAttribute> attributes;
  std::size_t attribute_count = 0;  // attributes[0, count) are this span's; the rest are spare

  // Starts a new span in this object, keeping capacities.
  void reset() {
    name.clear();
    status = SpanStatus::unset;
    status_message.clear();
    attribute_count = 0;
    parent_span_id = {};
  }
  SpanAttribute& next_attribute(std::string_view key) {
    if (attribute_count == attributes.size()) attributes.emplace_back();
    SpanAttribute& attribute = attributes[attribute_count++];
    attribute.key = key;
    return attribute;
  }
  void add(std::string_view key, std::string_view value) {
    SpanAttribute& attribute = next_attribute(key);
    attribute.is_int = false;
    attribute.string_value.assign(value);
  }
  void add(std::string_view key, std::int64_t value) {
    SpanAttribute& attribute = next_attribute(key);
    attribute.is_int = true;
    attribute.int_value = value;
  }
};

// One worker's finished spans; the exporter drains every worker's.
using SpanQueue = SwapRing<Span>;

}  // namespace apigw::observe
