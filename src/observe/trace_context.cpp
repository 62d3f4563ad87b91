#include "observe/trace_context.h"

#include <algorithm>

#include "util/fast_random.h"

namespace apigw::observe {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is invalid in traceparent
}

template <std::size_t N>
bool parse_hex(std::string_view text, std::array<std::uint8_t, N>& out) {
  if (text.size() != 2 * N) return false;
  for (std::size_t i = 0; i < N; ++i) {
    const int high = hex_value(text[2 * i]);
    const int low = hex_value(text[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return true;
}

template <std::size_t N>
bool all_zero(const std::array<std::uint8_t, N>& id) {
  return std::all_of(id.begin(), id.end(), [](std::uint8_t b) { return b == 0; });
}

util::FastRandom& generator() {
  thread_local util::FastRandom random = util::FastRandom::seeded();
  return random;
}

template <std::size_t N>
void fill_random(std::array<std::uint8_t, N>& id) {
  do {
    for (std::size_t i = 0; i < N; i += 8) {
      std::uint64_t bits = generator().next();
      for (std::size_t j = i; j < std::min(N, i + 8); ++j, bits >>= 8) {
        id[j] = static_cast<std::uint8_t>(bits);
      }
    }
  } while (all_zero(id));
}

}  // namespace

bool TraceContext::has_parent() const { return !all_zero(parent_span_id); }

bool parse_traceparent(std::string_view value, ParsedTraceparent& out) {
  if (value.size() < kTraceparentSize) return false;
  std::array<std::uint8_t, 1> version{};
  std::array<std::uint8_t, 1> flags{};
  ParsedTraceparent parsed;
  if (!parse_hex(value.substr(0, 2), version) || version[0] == 0xff) return false;
  if (value[2] != '-' || value[35] != '-' || value[52] != '-') return false;
  if (!parse_hex(value.substr(3, 32), parsed.trace_id) ||
      !parse_hex(value.substr(36, 16), parsed.parent_span_id) ||
      !parse_hex(value.substr(53, 2), flags)) {
    return false;
  }
  // Version 00 is exactly 55 characters; a later version may add fields after a '-'.
  if (value.size() > kTraceparentSize && (version[0] == 0 || value[kTraceparentSize] != '-')) {
    return false;
  }
  if (all_zero(parsed.trace_id) || all_zero(parsed.parent_span_id)) return false;
  parsed.sampled = (flags[0] & 0x01) != 0;
  out = parsed;
  return true;
}

void format_traceparent(const TraceId& trace_id, const SpanId& span_id, bool sampled,
                        TraceparentText& out) {
  const auto trace = to_hex(trace_id);
  const auto span = to_hex(span_id);
  char* at = out.data();
  *at++ = '0';
  *at++ = '0';
  *at++ = '-';
  at = std::copy(trace.begin(), trace.end(), at);
  *at++ = '-';
  at = std::copy(span.begin(), span.end(), at);
  *at++ = '-';
  *at++ = '0';
  *at = sampled ? '1' : '0';
}

TraceId new_trace_id() {
  TraceId id;
  fill_random(id);
  return id;
}

SpanId new_span_id() {
  SpanId id;
  fill_random(id);
  return id;
}

bool sample(double ratio) {
  if (ratio >= 1.0) return true;
  if (ratio <= 0.0) return false;
  // The top 53 bits as a fraction in [0, 1).
  const double draw = static_cast<double>(generator().next() >> 11) * 0x1.0p-53;
  return draw < ratio;
}

TraceContext start_trace(std::string_view traceparent, double ratio) {
  TraceContext context;
  context.active = true;
  ParsedTraceparent parent;
  if (!traceparent.empty() && parse_traceparent(traceparent, parent)) {
    context.trace_id = parent.trace_id;
    context.parent_span_id = parent.parent_span_id;
    context.sampled = parent.sampled;
  } else {
    context.trace_id = new_trace_id();
    context.sampled = sample(ratio);
  }
  context.span_id = new_span_id();
  return context;
}

}  // namespace apigw::observe
