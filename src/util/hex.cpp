#include "util/hex.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace apigw::util {

void write_hex(const std::uint8_t* in, std::size_t size, char* out) {
#if defined(__SSE2__)
  // Split into nibbles, interleave them in output order, and add '0', or 'a' - 10 where a nibble
  // is above 9.
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

}  // namespace apigw::util
