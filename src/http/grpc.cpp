#include "http/grpc.h"

#include <cstdint>

namespace apigw::http {

bool is_grpc_content_type(std::string_view content_type) {
  constexpr std::string_view kGrpc = "application/grpc";
  if (content_type.size() < kGrpc.size()) return false;
  for (std::size_t i = 0; i < kGrpc.size(); ++i) {
    char c = content_type[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kGrpc[i]) return false;
  }
  if (content_type.size() == kGrpc.size()) return true;
  const char next = content_type[kGrpc.size()];
  return next == '+' || next == ';';
}

std::optional<std::chrono::milliseconds> parse_grpc_timeout(std::string_view value) {
  if (value.size() < 2 || value.size() > 9) return std::nullopt;
  std::uint64_t amount = 0;
  for (const char c : value.substr(0, value.size() - 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    amount = amount * 10 + static_cast<std::uint64_t>(c - '0');
  }
  // Nanoseconds per unit; 8 digits of hours fit easily in 64 bits of milliseconds.
  std::uint64_t millis = 0;
  switch (value.back()) {
    case 'H':
      millis = amount * 3'600'000;
      break;
    case 'M':
      millis = amount * 60'000;
      break;
    case 'S':
      millis = amount * 1'000;
      break;
    case 'm':
      millis = amount;
      break;
    case 'u':
      millis = (amount + 999) / 1'000;
      break;
    case 'n':
      millis = (amount + 999'999) / 1'000'000;
      break;
    default:
      return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(millis));
}

std::string format_grpc_timeout(std::chrono::milliseconds timeout) {
  std::uint64_t amount = timeout.count() < 0 ? 0 : static_cast<std::uint64_t>(timeout.count());
  constexpr std::uint64_t kMaxDigits = 99'999'999;
  char unit = 'm';
  // Coarser units round up, so the deadline sent is never shorter than the one meant.
  if (amount > kMaxDigits) {
    amount = (amount + 999) / 1'000;
    unit = 'S';
  }
  if (amount > kMaxDigits) {
    amount = (amount + 59) / 60;
    unit = 'M';
  }
  if (amount > kMaxDigits) {
    amount = (amount + 59) / 60;
    unit = 'H';
  }
  if (amount > kMaxDigits) amount = kMaxDigits;
  return std::to_string(amount) + unit;
}

int grpc_status_for_http(int status) {
  switch (status) {
    case 400:
      return 13;  // INTERNAL
    case 401:
      return 16;  // UNAUTHENTICATED
    case 403:
      return 7;  // PERMISSION_DENIED
    case 404:
      return 12;  // UNIMPLEMENTED
    case 408:
    case 504:
      return 4;  // DEADLINE_EXCEEDED
    case 413:
    case 431:
      return 8;  // RESOURCE_EXHAUSTED
    case 429:
    case 502:
    case 503:
      return 14;  // UNAVAILABLE
    default:
      return 2;  // UNKNOWN
  }
}

void append_grpc_message(std::string& out, std::string_view message) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7e || byte == '%') {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    } else {
      out.push_back(c);
    }
  }
}

}  // namespace apigw::http
