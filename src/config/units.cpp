// Durations and sizes as written in the config: a number and a unit, so that "30" is never
// ambiguous between seconds and milliseconds or bytes and kilobytes.
#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

#include "config/loader.h"

namespace apigw::config {
namespace {

// Leading decimal digits of `text` as an integer; advances `text` past them. Empty on overflow
// or when there are no digits.
std::optional<std::uint64_t> take_digits(std::string_view& text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end == text.data()) return {};
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return value;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  if (text.empty() || text.front() < '0' || text.front() > '9') return {};  // no sign, no ".5s"
  const auto whole = take_digits(text);
  if (!whole) return {};
  // A fraction ("1.5s") is kept to nanosecond precision; further digits cannot matter in ms.
  std::uint64_t fraction_ns = 0;
  if (!text.empty() && text.front() == '.') {
    text.remove_prefix(1);
    std::uint64_t scale = 100'000'000;
    std::size_t digits = 0;
    while (!text.empty() && text.front() >= '0' && text.front() <= '9') {
      fraction_ns += static_cast<std::uint64_t>(text.front() - '0') * scale;
      scale /= 10;
      text.remove_prefix(1);
      ++digits;
    }
    if (digits == 0) return {};
  }
  constexpr std::array<std::pair<std::string_view, std::uint64_t>, 5> kUnitsNs{{
      {"us", 1'000},
      {"ms", 1'000'000},
      {"s", 1'000'000'000},
      {"m", 60'000'000'000},
      {"h", 3'600'000'000'000},
  }};
  for (const auto& [unit, unit_ns] : kUnitsNs) {
    if (text != unit) continue;
    // fraction_ns < 1e9 and unit_ns / 1000 <= 3.6e9, so this product fits in 64 bits.
    const std::uint64_t fraction_total_ns = fraction_ns * (unit_ns / 1'000) / 1'000'000;
    std::uint64_t total_ns = 0;
    if (__builtin_mul_overflow(*whole, unit_ns, &total_ns) ||
        __builtin_add_overflow(total_ns, fraction_total_ns, &total_ns)) {
      return {};
    }
    // Rounded up so that a small but non-zero duration ("500us") never becomes 0 ms.
    const std::uint64_t ms = total_ns / 1'000'000 + (total_ns % 1'000'000 != 0 ? 1 : 0);
    if (ms > static_cast<std::uint64_t>(std::numeric_limits<Duration::rep>::max())) return {};
    return Duration(static_cast<Duration::rep>(ms));
  }
  return {};
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  if (text.empty() || text.front() < '0' || text.front() > '9') return {};
  const auto number = take_digits(text);
  if (!number) return {};
  constexpr std::array<std::pair<std::string_view, std::uint64_t>, 8> kUnits{{
      {"", 1},
      {"B", 1},
      {"KB", 1'000},
      {"MB", 1'000'000},
      {"GB", 1'000'000'000},
      {"KiB", 1ull << 10},
      {"MiB", 1ull << 20},
      {"GiB", 1ull << 30},
  }};
  for (const auto& [unit, multiplier] : kUnits) {
    if (!equals_ignoring_case(text, unit)) continue;
    std::uint64_t bytes = 0;
    if (__builtin_mul_overflow(*number, multiplier, &bytes)) return {};
    return bytes;
  }
  return {};
}

}  // namespace apigw::config
