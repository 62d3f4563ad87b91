#include "util/log.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace apigw::util {

void log(LogLevel level, std::string_view message) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char stamp[48];
  const std::size_t length = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &parts);
  std::snprintf(stamp + length, sizeof stamp - length, ".%03dZ ", static_cast<int>(millis));
  std::string line(stamp);
  line.append(level == LogLevel::info ? "info " : level == LogLevel::warn ? "warn " : "error ");
  line.append(message).append("\n");
  [[maybe_unused]] auto ignored = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace apigw::util
