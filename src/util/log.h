// Operational log lines on stderr, one write(2) per line so that lines from different threads
// never interleave. Three formats ([server.error_log] format, or apigw run --log-format):
//   text    2026-11-22T21:47:39.123Z warn upstream try failed target=10.0.0.7:80 error=...
//   json    {"time":"2026-11-22T21:47:39.123Z","level":"warn","msg":"upstream try failed",...}
//   logfmt  time=2026-11-22T21:47:39.123Z level=warn msg="upstream try failed" target=...
// Lines below the configured level are not written. Not for each request (that is the access
// log's job): callers on a worker rate-limit what they log (an outage must not block a worker on
// stderr).
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace apigw::util {

enum class LogLevel { debug, info, warn, error };
enum class LogFormat { text, json, logfmt };

// Any thread; takes effect for the next line.
void configure_log(LogLevel level, LogFormat format);
bool log_enabled(LogLevel level);
std::optional<LogLevel> parse_log_level(std::string_view word);
std::optional<LogFormat> parse_log_format(std::string_view word);

using LogField = std::pair<std::string_view, std::string_view>;
void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});
inline void log_debug(std::string_view message) { log(LogLevel::debug, message); }
inline void log_info(std::string_view message) { log(LogLevel::info, message); }
inline void log_warn(std::string_view message) { log(LogLevel::warn, message); }
inline void log_error(std::string_view message) { log(LogLevel::error, message); }

// Formats one line as log() would write it (without writing it): for tests.
std::string format_log_line(LogLevel level, LogFormat format, std::string_view time,
                            std::string_view message, std::initializer_list<LogField> fields);

}  // namespace apigw::util
