#include "http/http_date.h"

#include <cstdio>

namespace apigw::http {

std::size_t format_http_date(std::time_t seconds, std::array<char, 32>& out) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  const int written = std::snprintf(out.data(), out.size(), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                                    kDays[utc.tm_wday], utc.tm_mday, kMonths[utc.tm_mon],
                                    utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
  return written > 0 ? static_cast<std::size_t>(written) : 0;
}

std::string_view DateCache::now() {
  const std::time_t second = std::time(nullptr);
  if (second != second_) {
    second_ = second;
    size_ = format_http_date(second, text_);
  }
  return {text_.data(), size_};
}

}  // namespace apigw::http
