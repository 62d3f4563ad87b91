#include "observe/trace_context.h"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

void write_hex(const std::uint8_t* in, std::size_t size, char* out) {
#if defined(__SSE2__)
  // Sixteen bytes (or eight) at a time: split into nibbles, interleave them in output order, and
  // add '0', or 'a' - 10 where a nibble is above 9. This runs for every request and every try
  // while tracing is on; a loop over bytes cost 10 instructions a byte.
  const __m128i low_nibbles = _mm_set1_epi8(0x0f);
  const auto to_ascii = [](__m128i nibbles) {
    const __m128i letters = _mm_cmpgt_epi8(nibbles, _mm_set1_epi8(9));
    const __m128i offset =
        _mm_add_epi8(_mm_set1_epi8('0'), _mm_and_si128(letters, _mm_set1_epi8('a' - '0' - 10)));
    return _mm_add_epi8(nibbles, offset);
  };
  std::size_t i = 0;
  for (; i + 16 <= size; i += 16, out += 32) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    const __m128i high = _mm_and_si128(_mm_srli_epi16(bytes, 4), low_nibbles);
    const __m128i low = _mm_and_si128(bytes, low_nibbles);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), to_ascii(_mm_unpacklo_epi8(high, low)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16), to_ascii(_mm_unpackhi_epi8(high, low)));
  }
  if (i + 8 <= size) {
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(in + i));
    const __m128i high = _mm_and_si128(_mm_srli_epi16(bytes, 4), low_nibbles);
    const __m128i low = _mm_and_si128(bytes, low_nibbles);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), to_ascii(_mm_unpacklo_epi8(high, low)));
    i += 8;
    out += 16;
  }
  in += i;
  size -= i;
#endif
  static constexpr char kDigits[] = "0123456789abcdef";
  for (std::size_t j = 0; j < size; ++j) {
    out[2 * j] = kDigits[in[j] >> 4];
    out[2 * j + 1] = kDigits[in[j] & 0xf];
  }
}

void format_traceparent(const TraceId& trace_id, const SpanId& span_id, bool sampled,
                        TraceparentText& out) {
  char* at = out.data();
  std::memcpy(at, "00-", 3);
  write_hex(trace_id.data(), trace_id.size(), at + 3);
  at[35] = '-';
  write_hex(span_id.data(), span_id.size(), at + 36);
  std::memcpy(at + 52, sampled ? "-01" : "-00", 3);
}

TraceId new_trace_id() {
  TraceId id;
  fill_random_id(id, generator());
  return id;
}

SpanId new_span_id() { return new_span_id(generator()); }

TraceContext start_trace(std::string_view traceparent, double ratio, util::FastRandom& random) {
  TraceContext context;
  context.active = true;
  ParsedTraceparent parent;
  if (!traceparent.empty() && parse_traceparent(traceparent, parent)) {
    context.trace_id = parent.trace_id;
    context.parent_span_id = parent.parent_span_id;
    context.sampled = parent.sampled;
    context.continued = true;
  } else {
    fill_random_id(context.trace_id, random);
    context.sampled = sample(ratio, random);
  }
  fill_random_id(context.span_id, random);
  return context;
}

}  // namespace apigw::observe
