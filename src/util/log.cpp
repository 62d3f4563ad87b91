#include "util/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace apigw::util {
namespace {

std::atomic<LogLevel> g_level{LogLevel::info};
std::atomic<LogFormat> g_format{LogFormat::text};

constexpr std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
  }
  return "info";
}

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (byte < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
      out.append(escaped);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

// A logfmt value: bare when it has no space, quote, '=' or control character; quoted otherwise.
void append_logfmt_value(std::string& out, std::string_view text) {
  bool bare = !text.empty();
  for (const char c : text) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      bare = false;
      break;
    }
  }
  if (bare) {
    out.append(text);
  } else {
    append_json_string(out, text);  // logfmt quoting is JSON's
  }
}

}  // namespace

void configure_log(LogLevel level, LogFormat format) {
  g_level.store(level);
  g_format.store(format);
}

bool log_enabled(LogLevel level) { return level >= g_level.load(std::memory_order_relaxed); }

std::optional<LogLevel> parse_log_level(std::string_view word) {
  for (const LogLevel level : {LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error}) {
    if (word == level_name(level)) return level;
  }
  return std::nullopt;
}

std::optional<LogFormat> parse_log_format(std::string_view word) {
  if (word == "text") return LogFormat::text;
  if (word == "json") return LogFormat::json;
  if (word == "logfmt") return LogFormat::logfmt;
  return std::nullopt;
}

std::string format_log_line(LogLevel level, LogFormat format, std::string_view time,
                            std::string_view message, std::initializer_list<LogField> fields) {
  std::string line;
  switch (format) {
    case LogFormat::text:
      line.append(time).append(" ").append(level_name(level)).append(" ").append(message);
      for (const auto& [key, value] : fields) {
        line.append(" ").append(key).append("=");
        append_logfmt_value(line, value);
      }
      break;
    case LogFormat::json:
      line.append("{\"time\":\"").append(time).append("\",\"level\":\"");
      line.append(level_name(level)).append("\",\"msg\":");
      append_json_string(line, message);
      for (const auto& [key, value] : fields) {
        line.append(",");
        append_json_string(line, key);
        line.append(":");
        append_json_string(line, value);
      }
      line.append("}");
      break;
    case LogFormat::logfmt:
      line.append("time=").append(time).append(" level=").append(level_name(level));
      line.append(" msg=");
      append_logfmt_value(line, message);
      for (const auto& [key, value] : fields) {
        line.append(" ").append(key).append("=");
        append_logfmt_value(line, value);
      }
      break;
  }
  line.append("\n");
  return line;
}

void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (!log_enabled(level)) return;
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char stamp[48];
  const std::size_t length = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &parts);
  std::snprintf(stamp + length, sizeof stamp - length, ".%03dZ", static_cast<int>(millis));
  const std::string line =
      format_log_line(level, g_format.load(std::memory_order_relaxed), stamp, message, fields);
  [[maybe_unused]] auto ignored = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace apigw::util
