// Fuzzes Accept-Encoding negotiation. Input: one header value per line. Checks that several
// headers mean the same as one joined list and that the choice respects what is supported.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "filters/compression/accept_encoding.h"
#include "fuzz_check.h"

using apigw::filters::compression::choose_coding;
using apigw::filters::compression::Coding;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> values;
  std::string joined;
  while (true) {
    const std::size_t end = rest.find('\n');
    values.push_back(rest.substr(0, end));
    joined += (values.size() > 1 ? "," : "") + std::string(values.back());
    if (end == std::string_view::npos) break;
    rest = rest.substr(end + 1);
  }
  const Coding chosen = choose_coding(values);
  FUZZ_CHECK(chosen == Coding::identity || chosen == Coding::gzip || chosen == Coding::br);
  FUZZ_CHECK(choose_coding(std::string_view(joined)) == chosen);
  FUZZ_CHECK(choose_coding(values, {.br = false, .gzip = false}) == Coding::identity);
  // Taking away a coding that was not chosen does not change the choice.
  if (chosen == Coding::gzip) FUZZ_CHECK(choose_coding(values, {.br = false}) == Coding::gzip);
  if (chosen == Coding::br) FUZZ_CHECK(choose_coding(values, {.gzip = false}) == Coding::br);
  if (chosen == Coding::identity) {
    FUZZ_CHECK(choose_coding(values, {.br = false}) == Coding::identity);
    FUZZ_CHECK(choose_coding(values, {.gzip = false}) == Coding::identity);
  }
  return 0;
}
