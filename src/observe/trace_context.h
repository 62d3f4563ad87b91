// W3C Trace Context (https://www.w3.org/TR/trace-context/) for one request: the trace it belongs
// to, the gateway's span for it, the caller's span (the parent), and whether it is sampled
// (recorded and exported). Parsing and formatting of `traceparent`; ids from a per-thread
// generator (ids need to be unique, not secret).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "util/fast_random.h"
#include "util/hex.h"
#include "util/request_id.h"

namespace apigw::observe {

using TraceId = std::array<std::uint8_t, 16>;
using SpanId = std::array<std::uint8_t, 8>;

// "00-<32 hex trace id>-<16 hex span id>-<2 hex flags>".
inline constexpr std::size_t kTraceparentSize = 55;
using TraceparentText = std::array<char, kTraceparentSize>;

struct TraceContext {
  bool active = false;  // tracing is on for this request (sampled or not, ids are propagated)
  bool sampled = false;
  // The caller's trace goes on (its traceparent was valid): its tracestate goes on too; when the
  // gateway starts the trace, a tracestate the client sent is dropped (W3C processing model).
  bool continued = false;
  TraceId trace_id{};
  SpanId span_id{};         // the gateway's span for the request
  SpanId parent_span_id{};  // the caller's span; zero when the gateway started the trace
  // An unsampled request's first call went out naming span_id (RequestStream::begin_call_span).
  bool span_id_sent = false;
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
// Puts a call's span id into a traceparent whose version, trace id and flags are written
// (start_trace wrote them once for the request; each call only changes its span id).
void set_traceparent_span(const SpanId& span_id, TraceparentText& text);

// Lower-case hex of an id.
template <std::size_t N>
std::array<char, 2 * N> to_hex(const std::array<std::uint8_t, N>& id) {
  std::array<char, 2 * N> text;
  util::write_hex(id.data(), N, text.data());
  return text;
}

using TraceIdText = std::array<char, 32>;

// A fresh random id (never all zero: a word of zeros is drawn again). `random` is the caller's
// generator (a worker's: no thread-local lookup on the request path).
template <std::size_t N>
void fill_random_id(std::array<std::uint8_t, N>& id, util::FastRandom& random) {
  static_assert(N % 8 == 0);
  for (std::size_t i = 0; i < N; i += 8) {
    std::uint64_t bits = random.next();
    while (bits == 0) bits = random.next();
    std::memcpy(id.data() + i, &bits, 8);
  }
}
inline SpanId new_span_id(util::FastRandom& random) {
  SpanId id;
  fill_random_id(id, random);
  return id;
}
// From this thread's generator (off the request path: an exporter's instance id, tests).
TraceId new_trace_id();
SpanId new_span_id();
// True with probability `ratio` (0: never, 1: always).
inline bool sample(double ratio, util::FastRandom& random) {
  if (ratio >= 1.0) return true;
  if (ratio <= 0.0) return false;
  // The top 53 bits as a fraction in [0, 1).
  return static_cast<double>(random.next() >> 11) * 0x1.0p-53 < ratio;
}

// The id the gateway made for a request (util/request_id.h), which a trace it starts takes as
// its trace id.
struct MadeRequestId {
  const util::RequestIdBits& bits;
  const util::RequestIdText& text;
};

// Starts the request's context: continues the caller's trace when `traceparent` is valid (and
// follows its sampled flag: parent-based sampling), else starts a trace sampled with `ratio`,
// whose id is `made`'s when the gateway made the request id (else a new one). Either way the
// gateway's span gets a new id. A request with two traceparent headers passes an empty one here
// (the spec's "restart"). Writes the request's traceparent into `text`, naming the request's
// span (a call puts its own span id in with set_traceparent_span). Fills `context` in place (it is part of the
// request's context: no copy of it per request).
void start_trace(std::string_view traceparent, double ratio, util::FastRandom& random,
                 const MadeRequestId* made, TraceContext& context, TraceparentText& text);

}  // namespace apigw::observe
