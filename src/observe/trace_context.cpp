#include "observe/trace_context.h"

#include <algorithm>
#include <cstring>

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
  char* at = out.data();
  std::memcpy(at, "00-", 3);
  util::write_hex(trace_id.data(), trace_id.size(), at + 3);
  at[35] = '-';
  set_traceparent_span(span_id, out);
  std::memcpy(at + 52, sampled ? "-01" : "-00", 3);
}

void set_traceparent_span(const SpanId& span_id, TraceparentText& text) {
  util::write_hex(span_id.data(), span_id.size(), text.data() + 36);
}

TraceId new_trace_id() {
  TraceId id;
  fill_random_id(id, generator());
  return id;
}

SpanId new_span_id() { return new_span_id(generator()); }

void start_trace(std::string_view traceparent, double ratio, util::FastRandom& random,
                 const MadeRequestId* made, TraceContext& context, TraceparentText& text) {
  context.active = true;
  context.continued = false;
  context.parent_span_id = {};
  char* at = text.data();
  ParsedTraceparent parent;
  if (!traceparent.empty() && parse_traceparent(traceparent, parent)) {
    context.trace_id = parent.trace_id;
    context.parent_span_id = parent.parent_span_id;
    context.sampled = parent.sampled;
    context.continued = true;
    std::memcpy(at + 3, traceparent.data() + 3, 32);  // valid lower-case hex: as it came
  } else {
    if (made != nullptr) {
      context.trace_id = made->bits;
      std::memcpy(at + 3, made->text.data(), 32);
    } else {
      fill_random_id(context.trace_id, random);
      util::write_hex(context.trace_id.data(), context.trace_id.size(), at + 3);
    }
    context.sampled = sample(ratio, random);
  }
  fill_random_id(context.span_id, random);
  context.span_id_sent = false;
  std::memcpy(at, "00-", 3);
  at[35] = '-';
  set_traceparent_span(context.span_id, text);
  std::memcpy(at + 52, context.sampled ? "-01" : "-00", 3);
}

}  // namespace apigw::observe
