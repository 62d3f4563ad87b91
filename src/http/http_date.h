// The HTTP date (RFC 9110 §5.6.7, IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT") for the Date header
// of answers the gateway makes. Formatted at most once a second per worker.
#pragma once

#include <array>
#include <ctime>
#include <string_view>

namespace apigw::http {

// Writes the IMF-fixdate of `seconds` (since the epoch, UTC) into `out`; returns its length (29).
std::size_t format_http_date(std::time_t seconds, std::array<char, 32>& out);

// The current date, reformatted only when the second changes. One per worker thread.
class DateCache {
 public:
  std::string_view now();

 private:
  std::time_t second_ = -1;
  std::array<char, 32> text_{};
  std::size_t size_ = 0;
};

}  // namespace apigw::http
