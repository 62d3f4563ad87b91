// Fuzzes the grpc-timeout parser: whatever the bytes, it accepts only 1 to 8 digits and a unit,
// and what it accepts formats back to a value that parses to no shorter a deadline.
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "http/grpc.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto parsed = apigw::http::parse_grpc_timeout(input);
  if (!parsed) return 0;
  FUZZ_CHECK(input.size() >= 2 && input.size() <= 9);
  FUZZ_CHECK(parsed->count() >= 0);
  const std::string formatted = apigw::http::format_grpc_timeout(*parsed);
  FUZZ_CHECK(formatted.size() >= 2 && formatted.size() <= 9);
  const auto back = apigw::http::parse_grpc_timeout(formatted);
  FUZZ_CHECK(back.has_value());
  FUZZ_CHECK(*back >= *parsed);
  return 0;
}
