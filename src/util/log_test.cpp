#include "util/log.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace apigw::util {
namespace {

constexpr std::string_view kTime = "2026-12-07T01:02:03.456Z";

TEST(Log, TheThreeFormats) {
  EXPECT_EQ(format_log_line(LogLevel::warn, LogFormat::text, kTime, "upstream try failed",
                            {{"target", "10.0.0.7:80"}, {"error", "upstream_reset"}}),
            "2026-12-07T01:02:03.456Z warn upstream try failed target=10.0.0.7:80 "
            "error=upstream_reset\n");
  EXPECT_EQ(format_log_line(LogLevel::warn, LogFormat::json, kTime, "upstream \"try\" failed",
                            {{"target", "10.0.0.7:80"}}),
            R"({"time":"2026-12-07T01:02:03.456Z","level":"warn","msg":"upstream \"try\" failed",)"
            R"("target":"10.0.0.7:80"})"
            "\n");
  EXPECT_EQ(format_log_line(LogLevel::error, LogFormat::logfmt, kTime, "cannot listen",
                            {{"address", "0.0.0.0:80"}, {"reason", "permission denied"}}),
            "time=2026-12-07T01:02:03.456Z level=error msg=\"cannot listen\" address=0.0.0.0:80 "
            "reason=\"permission denied\"\n");
}

TEST(Log, ValuesNeverBreakTheLine) {
  const std::string line = format_log_line(LogLevel::info, LogFormat::logfmt, kTime, "a\nb",
                                           {{"k", "x=y"}, {"empty", ""}});
  EXPECT_EQ(line, "time=2026-12-07T01:02:03.456Z level=info msg=\"a\\u000ab\" k=\"x=y\" empty=\"\"\n");
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
}

TEST(Log, LevelsBelowTheConfiguredOneAreNotWritten) {
  configure_log(LogLevel::warn, LogFormat::text);
  EXPECT_FALSE(log_enabled(LogLevel::info));
  EXPECT_TRUE(log_enabled(LogLevel::warn));
  EXPECT_TRUE(log_enabled(LogLevel::error));
  configure_log(LogLevel::info, LogFormat::text);
  EXPECT_TRUE(log_enabled(LogLevel::info));
  EXPECT_FALSE(log_enabled(LogLevel::debug));
  EXPECT_EQ(parse_log_level("debug"), LogLevel::debug);
  EXPECT_EQ(parse_log_level("verbose"), std::nullopt);
  EXPECT_EQ(parse_log_format("logfmt"), LogFormat::logfmt);
  EXPECT_EQ(parse_log_format("xml"), std::nullopt);
}

}  // namespace
}  // namespace apigw::util
