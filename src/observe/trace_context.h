// W3C Trace Context (https://www.w3.org/TR/trace-context/) for one request: the trace it belongs
// to, the gateway's span for it, the caller's span (the parent), and whether it is sampled
// (recorded and exported). Parsing and formatting of `traceparent`; ids from a per-thread
// generator (ids need to be unique, not secret).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace apigw::observe {

using TraceId = std::array<std::uint8_t, 16>;
using SpanId = std::array<std::uint8_t, 8>;

// "00-<32 hex trace id>-<16 hex span id>-<2 hex flags>".
inline constexpr std::size_t kTraceparentSize = 55;
using TraceparentText = std::array<char, kTraceparentSize>;

struct TraceContext {
  bool active = false;  // tracing is on for this request (sampled or not, ids are propagated)
  bool sampled = false;
  TraceId trace_id{};
  SpanId span_id{};         // the gateway's span for the request
  SpanId parent_span_id{};  // the caller's span; zero when the gateway started the trace
  bool has_parent() const;
};

// Reads a traceparent header. False (and `out` untouched) unless it is a valid version-00 value
// or a higher version's first 55 characters followed by nothing or '-' (as the spec asks of a
// parser of a version it does not know); all-zero ids and version ff are invalid.
struct ParsedTraceparent {
  TraceId trace_id{};
  SpanId parent_span_id{};
  bool sampled = false;
};
bool parse_traceparent(std::string_view value, ParsedTraceparent& out);

// "00-trace-span-flags" for a span of this trace.
void format_traceparent(const TraceId& trace_id, const SpanId& span_id, bool sampled,
                        TraceparentText& out);

// Lower-case hex of an id.
template <std::size_t N>
std::array<char, 2 * N> to_hex(const std::array<std::uint8_t, N>& id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::array<char, 2 * N> text{};
  for (std::size_t i = 0; i < N; ++i) {
    text[2 * i] = kDigits[id[i] >> 4];
    text[2 * i + 1] = kDigits[id[i] & 0xf];
  }
  return text;
}

using TraceIdText = std::array<char, 32>;

// Fresh random ids (never all zero), from this thread's generator.
TraceId new_trace_id();
SpanId new_span_id();
// True with probability `ratio` (0: never, 1: always).
bool sample(double ratio);

// Starts the request's context: continues the caller's trace when `traceparent` is valid (and
// follows its sampled flag: parent-based sampling), else starts a trace sampled with `ratio`.
// Either way the gateway's span gets a new id.
TraceContext start_trace(std::string_view traceparent, double ratio);

}  // namespace apigw::observe
