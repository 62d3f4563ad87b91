// Operational log lines on stderr: "2026-11-22T21:47:39.123Z level message". One write(2) per
// line, so lines from different threads never interleave. Not for the request path (that is the
// access log's job).
#pragma once

#include <string_view>

namespace apigw::util {

enum class LogLevel { info, warn, error };

void log(LogLevel level, std::string_view message);
inline void log_info(std::string_view message) { log(LogLevel::info, message); }
inline void log_warn(std::string_view message) { log(LogLevel::warn, message); }
inline void log_error(std::string_view message) { log(LogLevel::error, message); }

}  // namespace apigw::util
